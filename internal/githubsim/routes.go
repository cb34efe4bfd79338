package githubsim

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

func (s *Sim) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches", s.dispatch)
	m.HandleFunc("GET /repos/{owner}/{repo}/actions/workflows/{workflow}/runs", s.listRuns)
	m.HandleFunc("GET /repos/{owner}/{repo}/actions/runs/{run}", s.getRun)
	m.HandleFunc("GET /repos/{owner}/{repo}/issues/{number}/labels", s.listLabels)
	m.HandleFunc("GET /repos/{owner}/{repo}/issues/{number}/comments", s.listComments)
	m.HandleFunc("POST /repos/{owner}/{repo}/issues/{number}/comments", s.createComment)
	m.HandleFunc("PATCH /repos/{owner}/{repo}/issues/comments/{comment}", s.updateComment)
	m.HandleFunc("DELETE /repos/{owner}/{repo}/issues/comments/{comment}", s.deleteComment)
	m.HandleFunc("POST /repos/{owner}/{repo}/issues", s.createIssue)
	return m
}

// repoFor finds the path's repository; it is called with s.mu held and
// answers 404 itself when there is none (GitHub does not tell a missing
// repository from one the token may not see).
func (s *Sim) repoFor(w http.ResponseWriter, r *http.Request, docs string) *repo {
	rp := s.repos[strings.ToLower(r.PathValue("owner")+"/"+r.PathValue("repo"))]
	if rp == nil {
		writeError(w, http.StatusNotFound, "Not Found", docs)
	}
	return rp
}

// apiBase is the origin the client called, for "url" fields.
func apiBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// pageParams reads per_page (default 30, max 100) and page (default 1).
func pageParams(q url.Values) (perPage, page int) {
	perPage, page = 30, 1
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		perPage = min(n, 100)
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		page = n
	}
	return perPage, page
}

// paginate slices total items for the page and sets GitHub's Link header.
func paginate(w http.ResponseWriter, r *http.Request, total int) (from, to int) {
	perPage, page := pageParams(r.URL.Query())
	last := max((total+perPage-1)/perPage, 1)
	from = min((page-1)*perPage, total)
	to = min(from+perPage, total)
	link := func(p int, rel string) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(perPage))
		return fmt.Sprintf("<%s%s?%s>; rel=%q", apiBase(r), r.URL.Path, q.Encode(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(min(page-1, last), "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	return from, to
}
