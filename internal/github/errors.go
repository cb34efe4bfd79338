package github

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	gh "github.com/google/go-github/v75/github"
)

// ErrTransient marks a failure worth retrying: a transport error, a timeout
// or an HTTP status >= 500. Reads are retried up to Config.MaxRetries before
// it is returned; writes are never retried, so for them it means "effect
// unknown, read back to confirm".
var ErrTransient = errors.New("github: transient failure")

// FieldError is one entry of a 422 "Validation Failed" answer.
type FieldError struct {
	Resource string
	Field    string
	Code     string
	Message  string
}

// APIError is a non-2xx answer from GitHub. It holds no response, request or
// header, so it can be logged and stored without carrying the token.
type APIError struct {
	// Method and Path identify the call, e.g. "POST" and
	// "/repos/o/r/actions/workflows/promote.yml/dispatches".
	Method string
	Path   string
	// Status is the HTTP status code.
	Status int
	// Message is GitHub's message ("Not Found", "Bad credentials", "No ref
	// found for: x"), with the token scrubbed.
	Message string
	// DocumentationURL is GitHub's documentation_url, when given.
	DocumentationURL string
	// Errors holds the field errors of a 422 answer.
	Errors []FieldError
	// RateLimited is set for a primary (403/429 with
	// x-ratelimit-remaining: 0) or secondary rate limit.
	RateLimited bool
	// RateLimitReset is when a primary limit resets, when GitHub said so.
	RateLimitReset time.Time
	// RetryAfter is a secondary limit's Retry-After, when GitHub said so.
	RetryAfter time.Duration
}

// Error implements error.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "github %s %s: status %d", e.Method, e.Path, e.Status)
	if e.RateLimited {
		b.WriteString(" rate limited")
		if !e.RateLimitReset.IsZero() {
			fmt.Fprintf(&b, " until %s", e.RateLimitReset.UTC().Format(time.RFC3339))
		}
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, fe := range e.Errors {
		b.WriteString("; ")
		if fe.Message != "" {
			b.WriteString(fe.Message)
			continue
		}
		fmt.Fprintf(&b, "%s.%s %s", fe.Resource, fe.Field, fe.Code)
	}
	return b.String()
}

// IsNotFound reports whether err is a 404: an unknown repository, workflow,
// issue or comment, or one the token may not see (GitHub answers 404, not
// 403, for private resources).
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsUnauthorized reports whether err is a 401: a missing, wrong, expired or
// revoked token.
func IsUnauthorized(err error) bool { return hasStatus(err, http.StatusUnauthorized) }

// IsValidation reports whether err is a 422: for a dispatch, an unknown ref,
// an unexpected or missing input, or a workflow without a workflow_dispatch
// trigger.
func IsValidation(err error) bool { return hasStatus(err, http.StatusUnprocessableEntity) }

// IsRateLimited reports whether err is a primary or secondary rate limit.
func IsRateLimited(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.RateLimited
}

func hasStatus(err error, status int) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == status
}

// convert turns a go-github failure into an APIError or a scrubbed transport
// error. go-github's own error values keep the *http.Response (and through
// it the request), which is why none of them is returned or wrapped.
func (c *Client) convert(cl call, resp *gh.Response, err error) error {
	apiErr := &APIError{Method: cl.method, Path: cl.path}
	var (
		rl    *gh.RateLimitError
		abuse *gh.AbuseRateLimitError
		er    *gh.ErrorResponse
		redir *gh.RedirectionError
		tfa   *gh.TwoFactorAuthError
	)
	if errors.As(err, &tfa) {
		er = (*gh.ErrorResponse)(tfa)
		err = er
	}
	switch {
	case errors.As(err, &rl):
		apiErr.Status = statusOf(rl.Response, http.StatusForbidden)
		apiErr.Message = c.scrub(rl.Message)
		apiErr.RateLimited = true
		apiErr.RateLimitReset = rl.Rate.Reset.Time
		return apiErr
	case errors.As(err, &abuse):
		apiErr.Status = statusOf(abuse.Response, http.StatusForbidden)
		apiErr.Message = c.scrub(abuse.Message)
		apiErr.RateLimited = true
		apiErr.RetryAfter = abuse.GetRetryAfter()
		return apiErr
	case errors.As(err, &redir):
		apiErr.Status = redir.StatusCode
		apiErr.Message = "redirect refused: it leaves the API host"
		return apiErr
	case errors.As(err, &er):
		apiErr.Status = statusOf(er.Response, 0)
		apiErr.Message = c.scrub(er.Message)
		if apiErr.Message == "" {
			apiErr.Message = http.StatusText(apiErr.Status)
		}
		apiErr.DocumentationURL = er.DocumentationURL
		for _, fe := range er.Errors {
			apiErr.Errors = append(apiErr.Errors, FieldError{
				Resource: c.scrub(fe.Resource),
				Field:    c.scrub(fe.Field),
				Code:     c.scrub(fe.Code),
				Message:  c.scrub(fe.Message),
			})
		}
		if apiErr.Status == http.StatusTooManyRequests {
			apiErr.RateLimited = true
		}
		if apiErr.Status >= 500 {
			return fmt.Errorf("%w: %w", ErrTransient, apiErr)
		}
		return apiErr
	}
	if resp != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// go-github returns the decode error with the 2xx response.
		return fmt.Errorf("decode %s %s response: %s", cl.method, cl.path, c.scrub(err.Error()))
	}
	// A transport failure (refused, reset, per-attempt timeout). Its text
	// is kept, scrubbed, but not the error value, which may hold the URL.
	return fmt.Errorf("send %s %s: %w: %s", cl.method, cl.path, ErrTransient, c.scrub(err.Error()))
}

func statusOf(resp *http.Response, fallback int) int {
	if resp == nil {
		return fallback
	}
	return resp.StatusCode
}

// scrub hides the token should any server or transport text echo it.
func (c *Client) scrub(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[REDACTED]")
}
