package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/launchplane/launchplane/internal/keysafety"
)

func TestKeySafetyError(t *testing.T) {
	a := New(Deps{})
	ctx := context.Background()
	var e *Error
	err := a.keySafetyError(ctx, keysafety.Result{}, fmt.Errorf("check: %w", keysafety.ErrNoPolicy))
	if !errors.As(err, &e) || e.status != http.StatusBadRequest || e.Body.Code != CodeRuntimeKeySafetyUnavailable {
		t.Fatalf("no policy: %v", err)
	}
	fail := keysafety.Result{Status: keysafety.StatusFail, Findings: []keysafety.Finding{
		{Code: keysafety.CodeBindingMissing, BindingKey: "A"}, {Code: keysafety.CodeAmbiguousBinding, BindingKey: "B"}}}
	err = a.keySafetyError(ctx, fail, nil)
	if !errors.As(err, &e) || e.Body.Code != CodeRuntimeKeySafetyFailed ||
		e.Body.Message != "Runtime key-safety check failed (2 findings): ambiguous_binding, binding_missing." {
		t.Fatalf("fail: %v", err)
	}
	if err := a.keySafetyError(ctx, keysafety.Result{Status: keysafety.StatusPass}, nil); err != nil {
		t.Fatalf("pass: %v", err)
	}
}
