package dokploysim

import (
	"encoding/json"
	"net/http"
)

// apiError is tRPC's error shape as Dokploy's REST adapter renders it.
type apiError struct {
	Message string     `json:"message"`
	Code    string     `json:"code"`
	Data    errorData  `json:"data"`
	Issues  []zodIssue `json:"issues,omitempty"`
	status  int
}

type errorData struct {
	Code       string    `json:"code"`
	HTTPStatus int       `json:"httpStatus"`
	Path       string    `json:"path,omitempty"`
	ZodError   *zodError `json:"zodError"`
}

type zodError struct {
	FormErrors  []string            `json:"formErrors"`
	FieldErrors map[string][]string `json:"fieldErrors"`
}

type zodIssue struct {
	Code     string   `json:"code"`
	Expected string   `json:"expected"`
	Path     []string `json:"path"`
	Message  string   `json:"message"`
}

// codeStatus is tRPC's status for the codes the simulator answers.
func codeStatus(code string) int {
	switch code {
	case "BAD_REQUEST":
		return http.StatusBadRequest
	case "UNAUTHORIZED":
		return http.StatusUnauthorized
	case "NOT_FOUND":
		return http.StatusNotFound
	case "CONFLICT":
		return http.StatusConflict
	case "UNSUPPORTED_MEDIA_TYPE":
		return http.StatusUnsupportedMediaType
	}
	return http.StatusInternalServerError
}

func newError(code, message string) *apiError {
	st := codeStatus(code)
	return &apiError{Message: message, Code: code, status: st, Data: errorData{Code: code, HTTPStatus: st}}
}

func notFound(message string) *apiError { return newError("NOT_FOUND", message) }

func validationError(issues []zodIssue) *apiError {
	e := newError("BAD_REQUEST", "Input validation failed")
	ze := &zodError{FormErrors: []string{}, FieldErrors: map[string][]string{}}
	for _, is := range issues {
		if len(is.Path) == 0 {
			ze.FormErrors = append(ze.FormErrors, is.Message)
			continue
		}
		ze.FieldErrors[is.Path[0]] = append(ze.FieldErrors[is.Path[0]], is.Message)
	}
	e.Data.ZodError = ze
	e.Issues = issues
	return e
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, e *apiError) { writeJSON(w, e.status, e) }

// writeUnauthorized writes the auth gate's answer, which is deliberately not
// the tRPC shape: every auth failure in Dokploy is byte-identical.
func writeUnauthorized(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(`{"message":"Unauthorized"}`))
}
