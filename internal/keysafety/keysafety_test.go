package keysafety_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/keysafety"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

const at = "2026-04-16T08:00:00Z"

func binding(key, ctx, inst, status string) record.SecretBinding {
	sid := record.SecretID(record.IntegrationRuntimeEnvironment, key, ctx, inst)
	return record.SecretBinding{BindingID: record.SecretBindingID(sid, key), SecretID: sid,
		Integration: record.IntegrationRuntimeEnvironment, BindingKey: key, BindingType: record.SecretBindingTypeEnv,
		Context: ctx, Instance: inst, Status: status, CreatedAt: at, UpdatedAt: at}
}

func policy(rules ...record.RuntimeSecretSafetyRule) record.RuntimeKeySafetyPolicy {
	p := record.RuntimeKeySafetyPolicy{SchemaVersion: 1, RecordID: "p1", Status: record.PolicyActive, Source: "test", UpdatedAt: at, Rules: rules}
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return p
}

func rule(key, class string, contexts, instances []string) record.RuntimeSecretSafetyRule {
	return record.RuntimeSecretSafetyRule{BindingKey: key, SecretClass: class, AllowedContexts: contexts, AllowedInstances: instances}
}

func codes(r keysafety.Result) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Code+":"+f.BindingKey)
	}
	return out
}

func TestEvaluate(t *testing.T) {
	pol := policy(
		rule("PROD_KEY", record.SecretClassProdOnly, nil, nil),
		rule("TEST_KEY", record.SecretClassTesting, nil, nil),
		rule("PREVIEW_KEY", record.SecretClassPreview, nil, nil),
		rule("NONPROD_KEY", record.SecretClassNonProd, nil, nil),
		rule("SHARED_KEY", record.SecretClassSharedSafe, nil, nil),
		rule("CM_ONLY", record.SecretClassSharedSafe, []string{"cm"}, nil),
		rule("PROD_INSTANCE_ONLY", record.SecretClassSharedSafe, nil, []string{"prod"}),
		rule("AMBIG", record.SecretClassSharedSafe, nil, nil),
		rule("DISABLED", record.SecretClassSharedSafe, nil, nil),
	)
	bindings := []record.SecretBinding{
		binding("PROD_KEY", "cm", "prod", "configured"),
		binding("PROD_KEY", "cm", "testing", "configured"),
		binding("TEST_KEY", "cm", "", "configured"),
		binding("PREVIEW_KEY", "", "", "configured"),
		binding("NONPROD_KEY", "cm", "", "configured"),
		binding("SHARED_KEY", "", "", "configured"),
		binding("CM_ONLY", "", "", "configured"),
		binding("PROD_INSTANCE_ONLY", "", "", "configured"),
		binding("UNRULED", "cm", "prod", "configured"),
		binding("OTHER_LANE", "opw", "prod", "configured"),
		// Two configured bindings at the same (context) rank.
		binding("AMBIG", "cm", "", "configured"),
		{BindingID: "x-binding-ambig", SecretID: "x", Integration: record.IntegrationRuntimeEnvironment, BindingKey: "AMBIG",
			BindingType: "env", Context: "cm", Status: "configured", CreatedAt: at, UpdatedAt: at},
		// A disabled exact binding does not fall back to the configured global one.
		binding("DISABLED", "cm", "prod", "disabled"),
		binding("DISABLED", "", "", "configured"),
		// Bindings of other integrations never count.
		{BindingID: "y-binding-foreign", SecretID: "y", Integration: "dokploy", BindingKey: "FOREIGN",
			BindingType: "env", Status: "configured", CreatedAt: at, UpdatedAt: at},
	}
	prod := keysafety.Target{Context: "cm", Instance: "prod", EnvironmentClass: keysafety.EnvProd}
	testing_ := keysafety.Target{Context: "cm", Instance: "testing", EnvironmentClass: keysafety.EnvTesting}
	preview := keysafety.Target{Context: "cm", Instance: "pr-12", EnvironmentClass: keysafety.EnvPreview}
	dev := keysafety.Target{Context: "cm", Instance: "dev", EnvironmentClass: keysafety.EnvDev}
	for _, tc := range []struct {
		name   string
		target keysafety.Target
		keys   []string
		want   []string
	}{
		{"pass prod", prod, []string{"PROD_KEY", "SHARED_KEY", "CM_ONLY", "PROD_INSTANCE_ONLY"}, nil},
		{"pass testing", testing_, []string{"TEST_KEY", "NONPROD_KEY", " TEST_KEY ", ""}, nil},
		{"pass preview", preview, []string{"PREVIEW_KEY", "NONPROD_KEY", "SHARED_KEY"}, nil},
		{"pass dev", dev, []string{"NONPROD_KEY", "SHARED_KEY"}, nil},
		{"no keys passes", prod, nil, nil},
		{"prod_only outside prod", testing_, []string{"PROD_KEY"}, []string{"secret_class_not_allowed:PROD_KEY"}},
		{"testing in prod", prod, []string{"TEST_KEY"}, []string{"secret_class_not_allowed:TEST_KEY"}},
		{"preview in testing", testing_, []string{"PREVIEW_KEY"}, []string{"secret_class_not_allowed:PREVIEW_KEY"}},
		{"non_prod in prod", prod, []string{"NONPROD_KEY"}, []string{"secret_class_not_allowed:NONPROD_KEY"}},
		{"testing in dev", dev, []string{"TEST_KEY"}, []string{"secret_class_not_allowed:TEST_KEY"}},
		{"context not allowed", keysafety.Target{Context: "opw", Instance: "prod", EnvironmentClass: "prod"}, []string{"CM_ONLY"}, []string{"context_not_allowed:CM_ONLY"}},
		{"instance not allowed", testing_, []string{"PROD_INSTANCE_ONLY"}, []string{"instance_not_allowed:PROD_INSTANCE_ONLY"}},
		{"missing", prod, []string{"NOPE"}, []string{"binding_missing:NOPE"}},
		{"other lane is missing", prod, []string{"OTHER_LANE"}, []string{"binding_missing:OTHER_LANE"}},
		{"other integration is missing", prod, []string{"FOREIGN"}, []string{"binding_missing:FOREIGN"}},
		{"disabled", prod, []string{"DISABLED"}, []string{"binding_disabled:DISABLED"}},
		{"disabled only specific", testing_, []string{"DISABLED"}, nil},
		{"ambiguous", prod, []string{"AMBIG"}, []string{"ambiguous_binding:AMBIG"}},
		{"unclassified", prod, []string{"UNRULED"}, []string{"unclassified_binding:UNRULED"}},
		{"unknown env", keysafety.Target{Context: "cm", Instance: "prod", EnvironmentClass: "unknown"}, []string{"SHARED_KEY"},
			[]string{"unknown_environment_class:", "secret_class_not_allowed:SHARED_KEY"}},
		{"unrecognised env is unknown", keysafety.Target{Context: "cm", Instance: "prod", EnvironmentClass: "staging"}, nil,
			[]string{"unknown_environment_class:"}},
		{"sorted findings", prod, []string{"UNRULED", "NOPE", "TEST_KEY", "AMBIG"}, []string{
			"ambiguous_binding:AMBIG", "binding_missing:NOPE", "secret_class_not_allowed:TEST_KEY", "unclassified_binding:UNRULED"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := keysafety.Evaluate(pol, tc.target, tc.keys, bindings)
			if got := codes(res); !slices.Equal(got, tc.want) {
				t.Fatalf("findings %v, want %v", got, tc.want)
			}
			wantStatus := keysafety.StatusPass
			if len(tc.want) > 0 {
				wantStatus = keysafety.StatusFail
			}
			if res.Status != wantStatus {
				t.Fatalf("status %s, want %s", res.Status, wantStatus)
			}
			if res.PolicyRecordID != "p1" || len(res.PolicySHA256) != 64 {
				t.Fatalf("policy identity %q %q", res.PolicyRecordID, res.PolicySHA256)
			}
		})
	}
}

func TestMergeRules(t *testing.T) {
	existing := []record.RuntimeSecretSafetyRule{
		rule("A", "testing", []string{"cm"}, []string{"testing"}),
		rule("B", "prod_only", []string{"cm"}, nil),
	}
	existing[0].Description = "old"
	got := keysafety.MergeRules(existing, []record.RuntimeSecretSafetyRule{
		rule("A", "testing", []string{"opw"}, []string{"testing"}),
		rule("B", "shared_safe", []string{"x"}, nil),
		rule("C", "non_prod", []string{}, []string{}),
	})
	if len(got) != 3 || got[0].BindingKey != "A" || !slices.Equal(got[0].AllowedContexts, []string{"cm", "opw"}) ||
		got[0].Description != "old" || got[1].SecretClass != "shared_safe" || !slices.Equal(got[1].AllowedContexts, []string{"x"}) || got[2].BindingKey != "C" {
		t.Fatalf("merge: %+v", got)
	}
	// An empty scope on either side means all and stays all.
	got = keysafety.MergeRules(existing, []record.RuntimeSecretSafetyRule{rule("A", "testing", []string{}, []string{"prod"})})
	if len(got[0].AllowedContexts) != 0 || !slices.Equal(got[0].AllowedInstances, []string{"prod", "testing"}) {
		t.Fatalf("merge scope: %+v", got[0])
	}
}

func open(t *testing.T, e sqltest.Engine) *sqlstore.Store {
	s, err := sqlstore.OpenMigrated(context.Background(), e.URL(t), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoreActiveApplyAndCheck(t *testing.T) {
	for _, e := range sqltest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t, e)
			var c keysafety.Checker
			target := keysafety.Target{Context: "cm", Instance: "prod", EnvironmentClass: keysafety.EnvProd}

			// Fail closed without a policy.
			if _, err := keysafety.Active(ctx, s); !errors.Is(err, keysafety.ErrNoPolicy) {
				t.Fatalf("Active without policy: %v", err)
			}
			if _, err := c.Check(ctx, s, target, []string{"SMTP_PASSWORD"}); !errors.Is(err, keysafety.ErrNoPolicy) {
				t.Fatalf("Check without policy: %v", err)
			}

			t0 := time.Date(2026, 4, 16, 8, 0, 0, 0, time.UTC)
			first, changed, err := keysafety.Apply(ctx, s, []record.RuntimeSecretSafetyRule{rule("SMTP_PASSWORD", "prod_only", nil, nil)}, "", t0)
			if err != nil || !changed || first.Source != keysafety.DefaultSource {
				t.Fatalf("first apply: %+v %v %v", first, changed, err)
			}
			// Same rules again: same hash, no write.
			again, changed, err := keysafety.Apply(ctx, s, []record.RuntimeSecretSafetyRule{rule("SMTP_PASSWORD", "prod_only", nil, nil)}, "other", t0.Add(time.Hour))
			if err != nil || changed || again.RecordID != first.RecordID {
				t.Fatalf("unchanged apply: %+v %v %v", again, changed, err)
			}
			// A second version in the same second still sorts after the first.
			second, changed, err := keysafety.Apply(ctx, s, []record.RuntimeSecretSafetyRule{rule("SENTRY_DSN", "shared_safe", nil, nil)}, "test", t0)
			if err != nil || !changed || second.UpdatedAt != "2026-04-16T08:00:01Z" || len(second.Rules) != 2 {
				t.Fatalf("second apply: %+v %v %v", second, changed, err)
			}
			all, err := s.KeySafetyPolicyList(ctx, store.KeySafetyPolicyListParams{})
			if err != nil || len(all) != 2 {
				t.Fatalf("versions: %d %v", len(all), err)
			}
			act, err := keysafety.Active(ctx, s)
			if err != nil || act.RecordID != second.RecordID {
				t.Fatalf("newest active should win: %+v %v", act.RecordID, err)
			}

			// A superseded newer record never rules.
			sup := second
			sup.Status, sup.UpdatedAt, sup.RecordID = record.PolicySuperseded, "2026-04-17T00:00:00Z", "runtime-key-safety-policy-superseded"
			sup.Rules = []record.RuntimeSecretSafetyRule{rule("ONLY", "testing", []string{}, []string{})}
			if err := s.Update(ctx, func(tx store.Tx) error { return tx.KeySafetyPolicyPut(ctx, sup) }); err != nil {
				t.Fatal(err)
			}
			if act, _ := keysafety.Active(ctx, s); act.RecordID != second.RecordID {
				t.Fatalf("superseded record ruled: %s", act.RecordID)
			}

			// Checker reads stored bindings.
			b := binding("SMTP_PASSWORD", "cm", "prod", "configured")
			if err := s.Update(ctx, func(tx store.Tx) error { return tx.SecretBindingPut(ctx, b) }); err != nil {
				t.Fatal(err)
			}
			res, err := c.Check(ctx, s, target, []string{"SMTP_PASSWORD"})
			if err != nil || res.Status != keysafety.StatusPass {
				t.Fatalf("check: %+v %v", res, err)
			}
			res, err = c.Check(ctx, s, target, []string{"SMTP_PASSWORD", "SENTRY_DSN"})
			if err != nil || res.Status != keysafety.StatusFail || codes(res)[0] != "binding_missing:SENTRY_DSN" {
				t.Fatalf("check missing: %+v %v", res, err)
			}

			rep, err := s.VerifyLedger(ctx)
			if err != nil || !rep.OK() {
				t.Fatalf("ledger: %+v %v", rep, err)
			}
		})
	}
}
