package driver

// Refusal kinds a handler reports before any mutation; the API maps them to
// 400, 409 and 503 with the handler's own safe message.
const (
	RefusedInvalid     = "invalid_request"
	RefusedForbidden   = "forbidden"
	RefusedConflict    = "conflict"
	RefusedUnavailable = "unavailable"
)

// RefusedError is a handler's refusal with a message safe to show the
// caller (names and ids, never values): Kind picks the status, Code the
// error code.
type RefusedError struct {
	Kind    string
	Code    string
	Message string
}

func (e *RefusedError) Error() string { return e.Message }

// Refuse builds a RefusedError. Kinds map to 400 (invalid), 403
// (forbidden), 409 (conflict) and 503 (unavailable).
func Refuse(kind, code, message string) *RefusedError {
	return &RefusedError{Kind: kind, Code: code, Message: message}
}
