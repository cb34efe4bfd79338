package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/authz"
	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Error codes of the upstream envelope (service.md §1.2).
const (
	CodeInvalidRequest         = "invalid_request"
	CodeAuthenticationNeeded   = "authentication_required"
	CodeAuthorizationDenied    = "authorization_denied"
	CodeNotFound               = "not_found"
	CodeMethodNotAllowed       = "method_not_allowed"
	CodeIdempotencyKeyReused   = "idempotency_key_reused"
	CodeConflict               = "conflict"
	CodeRequestTooLarge        = "request_too_large"
	CodeAuthzPolicyUnavailable = "authz_policy_unavailable"
	CodeDatabaseRequired       = "database_required"
	CodeReasonRequired         = "reason_required"
	CodeInternal               = "internal_error"
)

// Product-config codes (service.md §8.2).
const (
	CodeSecretConfigurationRequired = "secret_configuration_required"
	CodeLocalOperatorDryRunRequired = "local_operator_dry_run_required"
	CodeProductConfigPlanStale      = "product_config_plan_stale"
)

var (
	// errDenied means no policy rule allows the request.
	errDenied = errors.New("no authorization rule allows this request")
	// errIdempotencyReused means a key was reused with a different body.
	errIdempotencyReused = errors.New("idempotency key reused with a different request body")
	// ErrPolicyUnavailable means there is no active authorization policy.
	ErrPolicyUnavailable = errors.New("no active authorization policy")
)

// Error is the rejected envelope: {status:"rejected", trace_id, error}.
// It implements huma.StatusError so huma writes it as the response.
type Error struct {
	status  int
	Status  string      `json:"status"`
	TraceID string      `json:"trace_id"`
	Body    ErrorDetail `json:"error"`
	// Authz explains an authorization denial (service.md §4.7): who the
	// caller was taken to be and which policy decided. Never secrets.
	Authz any `json:"authz,omitempty"`
}

// ErrorDetail is the code and safe message of a rejection.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Body.Code + ": " + e.Body.Message }

// GetStatus returns the HTTP status.
func (e *Error) GetStatus() int { return e.status }

// ContentType keeps errors as plain JSON rather than problem+json.
func (e *Error) ContentType(string) string { return "application/json" }

func newError(ctx context.Context, status int, code, message string) *Error {
	return &Error{status: status, Status: "rejected", TraceID: TraceID(ctx), Body: ErrorDetail{Code: code, Message: message}}
}

// hookHumaErrors routes huma's own errors (body too large, unreadable
// bodies) through the envelope. huma exposes this hook only as a package
// variable, so it is set once, here, to the same function every time.
func init() {
	huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, _ ...error) huma.StatusError {
		var ctx context.Context = context.Background()
		if hctx != nil {
			ctx = hctx.Context()
		}
		switch status {
		case http.StatusRequestEntityTooLarge:
			return newError(ctx, status, CodeRequestTooLarge, "Request body exceeds the 1 MiB limit.")
		case http.StatusNotFound:
			return newError(ctx, status, CodeNotFound, "Not found.")
		case http.StatusMethodNotAllowed:
			return newError(ctx, status, CodeMethodNotAllowed, "Method not allowed.")
		}
		if status >= 400 && status < 500 {
			return newError(ctx, http.StatusBadRequest, CodeInvalidRequest, "Request payload failed validation.")
		}
		return newError(ctx, http.StatusInternalServerError, CodeInternal, internalMessage(ctx))
	}
}

func internalMessage(ctx context.Context) string {
	return "Internal error; quote trace_id " + TraceID(ctx) + " to an operator."
}

// fail is the one adapter from domain errors to responses. Messages name
// fields and rules, never request values, secrets or provider payloads.
func (a *API) fail(ctx context.Context, err error) error {
	var ve *record.ValidationError
	switch {
	case errors.As(err, &ve):
		return newError(ctx, http.StatusBadRequest, CodeInvalidRequest, "Request payload failed validation: "+ve.FieldList()+".")
	case errors.Is(err, record.ErrInvalid):
		return newError(ctx, http.StatusBadRequest, CodeInvalidRequest, "Request payload failed validation.")
	case errors.Is(err, evidence.ErrRefused):
		return newError(ctx, http.StatusBadRequest, CodeInvalidRequest, "Request could not be completed.")
	case errors.Is(err, authn.ErrReadOnlyIdentity):
		return newError(ctx, http.StatusForbidden, CodeAuthorizationDenied, "This identity may only read.")
	case errors.Is(err, authn.ErrUnauthenticated):
		return newError(ctx, http.StatusUnauthorized, CodeAuthenticationNeeded, "A valid bearer token is required.")
	case errors.Is(err, errDenied):
		return newError(ctx, http.StatusForbidden, CodeAuthorizationDenied, "No authorization rule allows this request.")
	case errors.Is(err, ErrPolicyUnavailable), errors.Is(err, authz.ErrNoPolicy):
		return newError(ctx, http.StatusServiceUnavailable, CodeAuthzPolicyUnavailable, "No active authorization policy.")
	case errors.Is(err, authz.ErrLastPolicyAdmin):
		return newError(ctx, http.StatusConflict, CodeConflict,
			"Removal refused: it would leave no principal able to administer authz policy (authz_policy_grant.write on launchplane/launchplane).")
	case errors.Is(err, authz.ErrInvalidRequest):
		return newError(ctx, http.StatusBadRequest, CodeInvalidRequest, "Request payload failed validation.")
	case errors.Is(err, errIdempotencyReused):
		return newError(ctx, http.StatusConflict, CodeIdempotencyKeyReused, "Idempotency-Key was already used with a different request body.")
	case errors.Is(err, products.ErrLaneClaimed):
		// Names the lane and the product that owns it: neither is secret.
		return newError(ctx, http.StatusConflict, CodeConflict, err.Error()+".")
	case errors.Is(err, store.ErrNotFound):
		return newError(ctx, http.StatusNotFound, CodeNotFound, "Record not found.")
	case errors.Is(err, store.ErrConflict):
		return newError(ctx, http.StatusConflict, CodeConflict, "Request conflicts with stored state.")
	}
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr
	}
	a.log.ErrorContext(ctx, "request failed", slog.String("trace_id", TraceID(ctx)), slog.String("error", err.Error()))
	return newError(ctx, http.StatusInternalServerError, CodeInternal, internalMessage(ctx))
}

// invalid builds a 400 naming fields of the request envelope.
func invalid(ctx context.Context, format string, args ...any) *Error {
	return newError(ctx, http.StatusBadRequest, CodeInvalidRequest, strings.TrimSpace(fmt.Sprintf(format, args...)))
}
