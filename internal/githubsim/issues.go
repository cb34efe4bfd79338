package githubsim

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
)

// issueFor finds the path's issue or pull request; called with s.mu held.
func (s *Sim) issueFor(w http.ResponseWriter, r *http.Request, rp *repo, docs string) *issue {
	n, _ := strconv.Atoi(r.PathValue("number"))
	is := rp.issues[n]
	if is == nil {
		writeError(w, http.StatusNotFound, "Not Found", docs)
	}
	return is
}

func (s *Sim) listLabels(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	rp := s.repoFor(w, r, docsLabels)
	if rp == nil {
		return
	}
	is := s.issueFor(w, r, rp, docsLabels)
	if is == nil {
		return
	}
	from, to := paginate(w, r, len(is.labels))
	out := make([]map[string]any, 0, to-from)
	for _, l := range is.labels[from:to] {
		out = append(out, labelJSON(r, rp, l))
	}
	writeJSON(w, http.StatusOK, out)
}

func labelJSON(r *http.Request, rp *repo, name string) map[string]any {
	h := fnv.New32a()
	_, _ = h.Write([]byte(name))
	sum := h.Sum32()
	return map[string]any{
		"id":          int64(sum),
		"node_id":     fmt.Sprintf("LA_sim%d", sum),
		"url":         apiBase(r) + "/repos/" + rp.fullName() + "/labels/" + name,
		"name":        name,
		"color":       fmt.Sprintf("%06x", sum&0xffffff),
		"default":     false,
		"description": nil,
	}
}

func (s *Sim) listComments(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	rp := s.repoFor(w, r, docsComments)
	if rp == nil {
		return
	}
	is := s.issueFor(w, r, rp, docsComments)
	if is == nil {
		return
	}
	var mine []*comment
	for _, c := range rp.comments {
		if c.issue == is.number {
			mine = append(mine, c)
		}
	}
	from, to := paginate(w, r, len(mine))
	out := make([]map[string]any, 0, to-from)
	for _, c := range mine[from:to] {
		out = append(out, s.commentJSON(r, rp, c))
	}
	writeJSON(w, http.StatusOK, out)
}

type commentBody struct {
	Body *string `json:"body"`
}

func decodeCommentBody(w http.ResponseWriter, r *http.Request) (string, bool) {
	var in commentBody
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", docsComments)
		return "", false
	}
	if in.Body == nil {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"body\" wasn't supplied.", docsComments)
		return "", false
	}
	if *in.Body == "" {
		writeValidation(w, docsComments, fieldError{Resource: "IssueComment", Code: "missing_field", Field: "body"})
		return "", false
	}
	return *in.Body, true
}

func (s *Sim) createComment(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	rp := s.repoFor(w, r, docsComments)
	if rp == nil {
		return
	}
	is := s.issueFor(w, r, rp, docsComments)
	if is == nil {
		return
	}
	body, ok := decodeCommentBody(w, r)
	if !ok {
		return
	}
	now := s.cfg.Now().UTC()
	s.commentSeq++
	c := &comment{id: s.commentSeq, issue: is.number, body: body, user: s.cfg.Actor, createdAt: now, updatedAt: now}
	rp.comments = append(rp.comments, c)
	writeJSON(w, http.StatusCreated, s.commentJSON(r, rp, c))
}

// commentFor finds the path's comment within the path's repository.
func (s *Sim) commentFor(w http.ResponseWriter, r *http.Request, rp *repo) (int, *comment) {
	id, _ := strconv.ParseInt(r.PathValue("comment"), 10, 64)
	for i, c := range rp.comments {
		if c.id == id {
			return i, c
		}
	}
	writeError(w, http.StatusNotFound, "Not Found", docsComments)
	return -1, nil
}

func (s *Sim) updateComment(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	rp := s.repoFor(w, r, docsComments)
	if rp == nil {
		return
	}
	_, c := s.commentFor(w, r, rp)
	if c == nil {
		return
	}
	body, ok := decodeCommentBody(w, r)
	if !ok {
		return
	}
	c.body = body
	c.updatedAt = s.cfg.Now().UTC()
	writeJSON(w, http.StatusOK, s.commentJSON(r, rp, c))
}

func (s *Sim) deleteComment(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	rp := s.repoFor(w, r, docsComments)
	if rp == nil {
		return
	}
	i, c := s.commentFor(w, r, rp)
	if c == nil {
		return
	}
	rp.comments = append(rp.comments[:i], rp.comments[i+1:]...)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) commentJSON(r *http.Request, rp *repo, c *comment) map[string]any {
	kind := "issues"
	if is := rp.issues[c.issue]; is != nil && is.pr {
		kind = "pull"
	}
	api := apiBase(r) + "/repos/" + rp.fullName()
	return map[string]any{
		"id":                       c.id,
		"node_id":                  fmt.Sprintf("IC_sim%d", c.id),
		"url":                      api + "/issues/comments/" + strconv.FormatInt(c.id, 10),
		"html_url":                 fmt.Sprintf("%s/%s/%s/%d#issuecomment-%d", s.cfg.WebURL, rp.fullName(), kind, c.issue, c.id),
		"issue_url":                api + "/issues/" + strconv.Itoa(c.issue),
		"body":                     c.body,
		"user":                     s.userJSON(c.user),
		"created_at":               formatTime(c.createdAt),
		"updated_at":               formatTime(c.updatedAt),
		"author_association":       "NONE",
		"performed_via_github_app": nil,
	}
}

type issueBody struct {
	Title  *string  `json:"title"`
	Body   *string  `json:"body"`
	Labels []string `json:"labels"`
}

func (s *Sim) createIssue(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	rp := s.repoFor(w, r, docsIssues)
	if rp == nil {
		return
	}
	var in issueBody
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", docsIssues)
		return
	}
	if in.Title == nil || *in.Title == "" {
		writeValidation(w, docsIssues, fieldError{Resource: "Issue", Code: "missing_field", Field: "title"})
		return
	}
	body := ""
	if in.Body != nil {
		body = *in.Body
	}
	is := s.newIssue(rp, *in.Title, body, in.Labels, s.cfg.Actor)
	writeJSON(w, http.StatusCreated, s.issueJSON(r, rp, is))
}

func (s *Sim) issueJSON(r *http.Request, rp *repo, is *issue) map[string]any {
	api := apiBase(r) + "/repos/" + rp.fullName()
	self := api + "/issues/" + strconv.Itoa(is.number)
	labels := make([]map[string]any, 0, len(is.labels))
	for _, l := range is.labels {
		labels = append(labels, labelJSON(r, rp, l))
	}
	var body any
	if is.body != "" {
		body = is.body
	}
	kind := "issues"
	if is.pr {
		kind = "pull"
	}
	out := map[string]any{
		"id":                 is.id,
		"node_id":            fmt.Sprintf("I_sim%d", is.id),
		"url":                self,
		"repository_url":     api,
		"labels_url":         self + "/labels{/name}",
		"comments_url":       self + "/comments",
		"events_url":         self + "/events",
		"html_url":           fmt.Sprintf("%s/%s/%s/%d", s.cfg.WebURL, rp.fullName(), kind, is.number),
		"number":             is.number,
		"state":              "open",
		"title":              is.title,
		"body":               body,
		"user":               s.userJSON(is.user),
		"labels":             labels,
		"assignee":           nil,
		"assignees":          []any{},
		"milestone":          nil,
		"locked":             false,
		"comments":           0,
		"created_at":         formatTime(is.createdAt),
		"updated_at":         formatTime(is.createdAt),
		"closed_at":          nil,
		"author_association": "OWNER",
	}
	if is.pr {
		out["pull_request"] = map[string]any{
			"url":      api + "/pulls/" + strconv.Itoa(is.number),
			"html_url": fmt.Sprintf("%s/%s/pull/%d", s.cfg.WebURL, rp.fullName(), is.number),
		}
	}
	return out
}
