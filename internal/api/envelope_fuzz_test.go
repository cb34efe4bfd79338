package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/launchplane/launchplane/internal/authz"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/record/recordtest"
)

// FuzzDecodeEnvelope feeds one body to every strict request decoder the
// write routes use: the evidence envelopes (and the records inside them),
// the six authz grant and removal envelopes, and the explain envelope.
// None may panic; every refusal must be a 400 the adapter reports by field
// (*record.ValidationError, or *Error with status 400); and an accepted
// authz request must be one the policy edit accepts too, so the handler
// never reaches a 500 on input it validated. The committed corpus is
// testdata/fuzz/FuzzDecodeEnvelope.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, v := range []any{
		map[string]any{"schema_version": 1, "product": "web", "deployment": recordtest.Deployment("dep-1", "cm", "testing", "art-1", "2026-04-16T08:00:00Z")},
		map[string]any{"product": "web", "backup_gate": recordtest.BackupGate("gate-1", "cm", "prod", "2026-04-16T08:00:00Z")},
		map[string]any{"schema_version": 1, "product": "web", "promotion": recordtest.Promotion("promo-1", "cm", "testing", "prod", "art-1", "dep-1")},
	} {
		b, err := json.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ctx := context.Background()
		refusal := func(decoder string, err error) {
			t.Helper()
			var ve *record.ValidationError
			var apiErr *Error
			switch {
			case err == nil:
			case errors.As(err, &ve):
				if len(ve.Problems) == 0 {
					t.Errorf("%s: validation error without problems", decoder)
				}
			case errors.As(err, &apiErr):
				if apiErr.GetStatus() != http.StatusBadRequest {
					t.Errorf("%s: status %d (%v)", decoder, apiErr.GetStatus(), err)
				}
			default:
				t.Errorf("%s: %T is not a 400 refusal: %v", decoder, err, err)
			}
		}

		var ev evidenceEnvelope
		err := decodeEnvelope(ctx, body, &ev)
		refusal("evidence envelope", err)
		if err == nil {
			if len(ev.Deployment) > 0 {
				_, err := record.DecodeDeployment(ev.Deployment)
				refusal("deployment", nested("deployment", err))
			}
			if len(ev.BackupGate) > 0 {
				_, err := record.DecodeBackupGate(ev.BackupGate)
				refusal("backup_gate", nested("backup_gate", err))
			}
			if len(ev.Promotion) > 0 {
				_, err := record.DecodePromotion(ev.Promotion)
				refusal("promotion", nested("promotion", err))
			}
		}
		_, err = record.DecodePreviewGenerationEvidence(nonEmpty(body))
		refusal("preview generation evidence", err)
		_, err = record.DecodePreviewDestroyedEvidence(nonEmpty(body))
		refusal("preview destroyed evidence", err)

		for _, rt := range authzRoutes {
			req, err := decodeAuthzRequest(ctx, rt, body)
			refusal(rt.path, err)
			if err != nil {
				continue
			}
			switch {
			case req.mode != modeDryRun && req.mode != modeApply:
				t.Errorf("%s: accepted mode %q", rt.path, req.mode)
			case req.mode == modeApply && req.reason == "":
				t.Errorf("%s: accepted apply without a reason", rt.path)
			case req.sourceLabel == "" || strings.HasPrefix(req.sourceLabel, authz.BootstrapLabelPrefix):
				t.Errorf("%s: accepted source label %q", rt.path, req.sourceLabel)
			case req.rule == nil || req.summary == nil || req.edit == nil:
				t.Fatalf("%s: incomplete request", rt.path)
			}
			empty := authz.Policy{SchemaVersion: authz.SchemaVersion}
			next, changed, matched, err := req.edit(empty)
			if err != nil {
				t.Errorf("%s: the API accepted a rule the policy refuses: %v", rt.path, err)
				continue
			}
			if rt.removal && (changed || matched != 0) {
				t.Errorf("%s: removal from an empty policy matched %d", rt.path, matched)
			}
			if !rt.removal && (!changed || next.Validate() != nil) {
				t.Errorf("%s: grant into an empty policy: changed=%v validate=%v", rt.path, changed, next.Validate())
			}
		}

		env, err := decodeExplainRequest(ctx, body)
		refusal("explain", err)
		if err == nil {
			_ = authz.Explain(authz.Policy{SchemaVersion: authz.SchemaVersion}, env.Principal, env.Action, env.Product, env.Context)
		}
	})
}
