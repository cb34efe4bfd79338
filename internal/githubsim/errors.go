package githubsim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

const (
	docsRoot      = "https://docs.github.com/rest"
	docsDispatch  = "https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event"
	docsRuns      = "https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow"
	docsComments  = "https://docs.github.com/rest/issues/comments"
	docsIssues    = "https://docs.github.com/rest/issues/issues#create-an-issue"
	docsLabels    = "https://docs.github.com/rest/issues/labels#list-labels-for-an-issue"
	jsonMediaType = "application/json; charset=utf-8"
)

// errorBody is GitHub's error shape; status is a string in current answers.
type errorBody struct {
	Message          string       `json:"message"`
	Errors           []fieldError `json:"errors,omitempty"`
	DocumentationURL string       `json:"documentation_url"`
	Status           string       `json:"status"`
}

type fieldError struct {
	Resource string `json:"resource"`
	Code     string `json:"code"`
	Field    string `json:"field"`
}

func writeError(w http.ResponseWriter, status int, msg, docs string) {
	writeJSON(w, status, errorBody{Message: msg, DocumentationURL: docs, Status: strconv.Itoa(status)})
}

func writeValidation(w http.ResponseWriter, docs string, errs ...fieldError) {
	writeJSON(w, http.StatusUnprocessableEntity, errorBody{
		Message: "Validation Failed", Errors: errs, DocumentationURL: docs, Status: "422",
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", jsonMediaType)
	w.Header().Set("X-GitHub-Media-Type", "github.v3; format=json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func setRateHeaders(w http.ResponseWriter, remaining int, reset time.Time) {
	h := w.Header()
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Used", strconv.Itoa(5000-remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
}
