package liveruntime

import (
	"slices"
	"strings"

	"github.com/launchplane/launchplane/internal/keysafety"
)

// Refusal codes. The §8.1 codes are upstream's wire codes; the others name
// refusals upstream folded into generic errors.
const (
	CodeInvalidRequest                  = "invalid_request"
	CodeTrackedTargetNotFound           = "tracked_target_not_found"
	CodeProviderTargetStale             = "provider_target_stale"
	CodeRuntimeEnvironmentEmpty         = "runtime_environment_empty"
	CodeRuntimeEnvironmentUnavailable   = "runtime_environment_unavailable"
	CodeProductLaneNotFound             = "product_lane_not_found"
	CodeRuntimeSecretValuesMissing      = "runtime_secret_values_missing"
	CodeDokployCredentialsMissing       = "dokploy_credentials_missing"
	CodeDokployTargetReadFailed         = "dokploy_target_read_failed"
	CodeDokployTargetWriteFailed        = "dokploy_target_write_failed"
	CodeRuntimeKeySafetyUnavailable     = "runtime_key_safety_unavailable"
	CodeRuntimeKeySafetyFailed          = "runtime_key_safety_failed"
	CodeDokployTargetVerificationFailed = "dokploy_target_verification_failed"
	CodeDeployUnavailable               = "dokploy_deploy_unavailable"
	CodeDokployDeployFailed             = "dokploy_deploy_failed"
	// CodeLaneBusy: another operation holds the lane reservation; nothing
	// was read from or written to Dokploy.
	CodeLaneBusy = "lane_busy"
)

// Error is a refusal with its wire code. Message is safe to show any
// caller: it names keys, rules and finding codes, never values or provider
// payloads. Err, the cause, may carry provider messages: log it, print it
// to a trusted operator shell, never return it over HTTP.
type Error struct {
	Code    string
	Message string
	// MissingKeys and DifferentKeys name the keys behind a verification
	// failure or missing secret values.
	MissingKeys   []string
	DifferentKeys []string
	// Findings are a failed key-safety check's findings.
	Findings []keysafety.Finding
	Err      error
}

func newError(code, message string, cause error) *Error {
	return &Error{Code: code, Message: message, Err: cause}
}

func (e *Error) Error() string {
	msg := e.Code + ": " + e.Message
	if e.Err != nil {
		msg += " (" + e.Err.Error() + ")"
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// FindingCodes lists the key-safety finding codes, sorted and unique.
func (e *Error) FindingCodes() []string {
	out := []string{}
	for _, f := range e.Findings {
		if !slices.Contains(out, f.Code) {
			out = append(out, f.Code)
		}
	}
	slices.Sort(out)
	return out
}

func keyList(label string, keys []string) string {
	if len(keys) == 0 {
		return ""
	}
	return label + ": " + strings.Join(keys, ", ")
}
