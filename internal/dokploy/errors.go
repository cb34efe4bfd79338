package dokploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrTransient marks a failure worth retrying: a transport error, a timeout,
// or HTTP status 408, 425, 429 or >= 500. Queries are retried up to
// Config.MaxRetries before it is returned; mutations are never retried, so for
// them it means "effect unknown, read back to confirm".
var ErrTransient = errors.New("dokploy: transient failure")

// tRPC error codes Launchplane branches on.
const (
	CodeBadRequest          = "BAD_REQUEST"
	CodeUnauthorized        = "UNAUTHORIZED"
	CodeForbidden           = "FORBIDDEN"
	CodeNotFound            = "NOT_FOUND"
	CodeConflict            = "CONFLICT"
	CodeUnsupportedMedia    = "UNSUPPORTED_MEDIA_TYPE"
	CodeInternalServerError = "INTERNAL_SERVER_ERROR"
)

// maxSnippet bounds how much of a non-JSON error body is kept.
const maxSnippet = 200

// APIError is a non-2xx answer from Dokploy.
type APIError struct {
	// Method and Path identify the call, e.g. "GET" and "/api/application.one".
	Method string
	Path   string
	// Status is the HTTP status code.
	Status int
	// Code is the tRPC code string (e.g. "NOT_FOUND"); "UNAUTHORIZED" for the
	// auth gate's {"message":"Unauthorized"} body; empty when the body was not
	// JSON (e.g. a proxy error page).
	Code string
	// Message is the server's message, or a short sanitized snippet of a
	// non-JSON body. It never contains the API key.
	Message string
	// FieldErrors holds zod field errors from an input validation failure.
	FieldErrors map[string][]string
}

// Error implements error.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dokploy %s %s: status %d", e.Method, e.Path, e.Status)
	if e.Code != "" {
		b.WriteString(" ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// errorBody is the tRPC/trpc-openapi error shape (reference §3).
type errorBody struct {
	Message *string `json:"message"`
	Code    string  `json:"code"`
	Data    *struct {
		Code       string `json:"code"`
		HTTPStatus int    `json:"httpStatus"`
		Path       string `json:"path"`
		ZodError   *struct {
			FieldErrors map[string][]string `json:"fieldErrors"`
		} `json:"zodError"`
	} `json:"data"`
}

func newAPIError(method, path string, status int, body []byte, apiKey string) *APIError {
	e := &APIError{Method: method, Path: path, Status: status}
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err != nil || eb.Message == nil {
		e.Message = snippet(body, apiKey)
		return e
	}
	e.Message = scrub(*eb.Message, apiKey)
	e.Code = eb.Code
	if e.Code == "" && eb.Data != nil {
		e.Code = eb.Data.Code
	}
	if e.Code == "" && status == 401 {
		// The auth gate answers {"message":"Unauthorized"} without a code.
		e.Code = CodeUnauthorized
	}
	if eb.Data != nil && eb.Data.ZodError != nil && len(eb.Data.ZodError.FieldErrors) > 0 {
		e.FieldErrors = make(map[string][]string, len(eb.Data.ZodError.FieldErrors))
		for k, msgs := range eb.Data.ZodError.FieldErrors {
			clean := make([]string, len(msgs))
			for i, m := range msgs {
				clean[i] = scrub(m, apiKey)
			}
			e.FieldErrors[scrub(k, apiKey)] = clean
		}
	}
	return e
}

// snippet keeps a short, printable, key-free excerpt of a non-JSON body.
func snippet(body []byte, apiKey string) string {
	s := scrub(strings.ToValidUTF8(string(body), "\uFFFD"), apiKey)
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		if !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxSnippet {
		cut := maxSnippet
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func scrub(s, apiKey string) string {
	if apiKey == "" {
		return s
	}
	return strings.ReplaceAll(s, apiKey, "[REDACTED]")
}

// scrubbedError replaces the text of an error that echoed the API key.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// IsNotFound reports whether err is a Dokploy NOT_FOUND answer (an unknown id,
// or an unroutable path).
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Code == CodeNotFound
}

// IsUnauthorized reports whether err is a 401: a missing, wrong, expired or
// revoked key (all byte-identical), or a permission check failure.
func IsUnauthorized(err error) bool {
	var e *APIError
	return errors.As(err, &e) && (e.Code == CodeUnauthorized || e.Status == 401)
}

// IsRemoteCommandFailed reports whether err carries Dokploy's
// "Remote command failed with exit code N" message (legacy schedule runs).
func IsRemoteCommandFailed(err error) bool {
	var e *APIError
	return errors.As(err, &e) &&
		strings.Contains(strings.ToLower(e.Message), "remote command failed with exit code")
}

func retryableStatus(status int) bool {
	return status == 408 || status == 425 || status == 429 || status >= 500
}
