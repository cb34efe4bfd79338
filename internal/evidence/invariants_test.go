package evidence_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/record/recordtest"
)

// remove marks a key to delete in a mutation.
type remove struct{}

// asMap round-trips a record through JSON into a mutable map.
func asMap(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// set assigns value at a dotted path (creating objects on the way).
func set(m map[string]any, path string, value any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	last := parts[len(parts)-1]
	if _, ok := value.(remove); ok {
		delete(m, last)
		return
	}
	m[last] = value
}

// TestInvariantsRejectedBeforeAnyWrite feeds one bad input per invariant
// through the same decode-then-ingest path the CLI uses, and checks that the
// error names the field and that no row (or ledger entry) was written.
func TestInvariantsRejectedBeforeAnyWrite(t *testing.T) {
	type change struct {
		path  string
		value any
	}
	tests := []struct {
		family  string
		name    string
		changes []change
		field   string
	}{
		{"artifact", "missing artifact_id", []change{{"artifact_id", remove{}}}, "artifact_id"},
		{"artifact", "blank source_commit", []change{{"source_commit", "  "}}, "source_commit"},
		{"artifact", "blank image digest", []change{{"image.digest", ""}}, "image.digest"},
		{"artifact", "schema_version 3", []change{{"schema_version", 3}}, "schema_version"},
		{"artifact", "v2 without dependency_provenance", []change{{"schema_version", 2}}, "dependency_provenance"},
		{"artifact", "v1 with dependency_provenance", []change{{"dependency_provenance", map[string]any{"uv_locks": []any{}}}}, "dependency_provenance"},
		{"artifact", "build tool without version or source", []change{{"build_provenance.build_tools", []any{map[string]any{"name": "uv"}}}}, "build_provenance.build_tools[0].version"},
		{"artifact", "base image source half set", []change{{"build_provenance.base_images", []any{map[string]any{"role": "runtime", "image": map[string]any{"repository": "r", "digest": "d"}, "source_repository": "x"}}}}, "build_provenance.base_images[0].source_ref"},
		{"artifact", "unknown field", []change{{"bogus", 1}}, "bogus"},

		{"backup-gate", "pass without evidence", []change{{"evidence", map[string]any{}}}, "evidence"},
		{"backup-gate", "status outside enum", []change{{"status", "done"}}, "status"},
		{"backup-gate", "blank created_at", []change{{"created_at", ""}}, "created_at"},
		{"backup-gate", "unparseable created_at", []change{{"created_at", "yesterday"}}, "created_at"},
		{"backup-gate", "missing source", []change{{"source", remove{}}}, "source"},
		{"backup-gate", "schema_version 0", []change{{"schema_version", 0}}, "schema_version"},
		{"backup-gate", "blank evidence key", []change{{"evidence", map[string]any{" ": "x"}}}, "evidence"},

		{"deployment", "blank context", []change{{"context", " "}}, "context"},
		{"deployment", "missing instance", []change{{"instance", remove{}}}, "instance"},
		{"deployment", "missing source_git_ref", []change{{"source_git_ref", remove{}}}, "source_git_ref"},
		{"deployment", "verified health without urls", []change{{"destination_health", map[string]any{"verified": true, "timeout_seconds": 30, "status": "pass"}}}, "destination_health.urls"},
		{"deployment", "verified health without timeout", []change{{"destination_health", map[string]any{"verified": true, "urls": []any{"https://x"}, "status": "pass"}}}, "destination_health.timeout_seconds"},
		{"deployment", "verified health skipped", []change{{"destination_health", map[string]any{"verified": true, "urls": []any{"https://x"}, "timeout_seconds": 30}}}, "destination_health.status"},
		{"deployment", "health timeout zero", []change{{"destination_health.timeout_seconds", 0}}, "destination_health.timeout_seconds"},
		{"deployment", "post-deploy not attempted but passed", []change{{"post_deploy_update", map[string]any{"attempted": false, "status": "pass"}}}, "post_deploy_update.status"},
		{"deployment", "post-deploy attempted but skipped", []change{{"post_deploy_update", map[string]any{"attempted": true}}}, "post_deploy_update.status"},
		{"deployment", "deploy target type outside enum", []change{{"deploy.target_type", "kubernetes"}}, "deploy.target_type"},
		{"deployment", "deploy status outside enum", []change{{"deploy.status", "ok"}}, "deploy.status"},
		{"deployment", "deploy without target_name", []change{{"deploy.target_name", remove{}}}, "deploy.target_name"},
		{"deployment", "deploy finished_at unparseable", []change{{"deploy.finished_at", "soon"}}, "deploy.finished_at"},
		{"deployment", "unknown executor", []change{{"delegated_executor", "kubectl"}}, "delegated_executor"},
		{"deployment", "resolved target without id", []change{{"resolved_target", map[string]any{"target_type": "compose", "target_name": "x"}}}, "resolved_target.target_id"},
		{"deployment", "manifest_version zero", []change{{"artifact_identity.manifest_version", 0}}, "artifact_identity.manifest_version"},
		{"deployment", "unknown nested field", []change{{"deploy.extra", "x"}}, "deploy.extra"},
		{"deployment", "wrong type", []change{{"wait_for_completion", "yes"}}, "wait_for_completion"},
		{"deployment", "null for a non-nullable field", []change{{"wait_for_completion", nil}}, "wait_for_completion"},
		{"deployment", "key differing only in case", []change{{"deploy.Status", "pass"}}, "deploy.Status"},

		{"promotion", "from equals to", []change{{"to_instance", "testing"}}, "to_instance"},
		{"promotion", "passing required gate without backup_record_id", []change{{"backup_record_id", ""}}, "backup_record_id"},
		{"promotion", "missing artifact_identity", []change{{"artifact_identity", remove{}}}, "artifact_identity"},
		{"promotion", "rollback not attempted but failed", []change{{"rollback", map[string]any{"attempted": false, "status": "fail"}}}, "rollback.status"},
		{"promotion", "backup gate status outside enum", []change{{"backup_gate.status", "green"}}, "backup_gate.status"},
		{"promotion", "source health verified without urls", []change{{"source_health", map[string]any{"verified": true, "timeout_seconds": 5, "status": "pass"}}}, "source_health.urls"},
	}
	valid := map[string]any{
		"artifact":    recordtest.Manifest("art-1"),
		"backup-gate": recordtest.BackupGate("gate-1", "cm", "prod", "2026-04-16T08:00:00Z"),
		"deployment":  recordtest.Deployment("dep-1", "cm", "prod", "art-1", "2026-04-16T08:00:00Z"),
		"promotion":   recordtest.Promotion("promo-1", "cm", "testing", "prod", "art-1", ""),
	}
	for _, tc := range tests {
		t.Run(tc.family+"/"+tc.name, func(t *testing.T) {
			body := asMap(t, valid[tc.family])
			for _, c := range tc.changes {
				set(body, c.path, c.value)
			}
			raw, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			eachEngine(t, func(e *env) {
				before := e.counts()
				err := ingestJSON(e, tc.family, raw)
				assertFieldError(t, err, tc.field)
				if diff := cmp.Diff(before, e.counts()); diff != "" {
					t.Errorf("rejected input changed stored rows (-before +after):\n%s", diff)
				}
			})
		})
	}
}

// ingestJSON decodes a body for a family and ingests it.
func ingestJSON(e *env, family string, raw []byte) error {
	switch family {
	case "artifact":
		m, err := record.DecodeArtifactManifest(raw)
		if err != nil {
			return err
		}
		_, err = e.svc.IngestArtifact(e.ctx, m)
		return err
	case "backup-gate":
		g, err := record.DecodeBackupGate(raw)
		if err != nil {
			return err
		}
		return e.svc.IngestBackupGate(e.ctx, g)
	case "deployment":
		d, err := record.DecodeDeployment(raw)
		if err != nil {
			return err
		}
		_, err = e.svc.IngestDeployment(e.ctx, d)
		return err
	default:
		p, err := record.DecodePromotion(raw)
		if err != nil {
			return err
		}
		_, err = e.svc.IngestPromotion(e.ctx, p)
		return err
	}
}

// TestValidRecordsAreAccepted guards the table above: the unmodified bases
// must ingest, so every failure there is caused by its one change.
func TestValidRecordsAreAccepted(t *testing.T) {
	eachEngine(t, func(e *env) {
		for family, v := range map[string]any{
			"artifact":    recordtest.Manifest("art-1"),
			"backup-gate": recordtest.BackupGate("gate-1", "cm", "prod", "2026-04-16T08:00:00Z"),
			"deployment":  recordtest.Deployment("dep-1", "cm", "prod", "art-1", "2026-04-16T08:00:00Z"),
			"promotion":   recordtest.Promotion("promo-1", "cm", "testing", "prod", "art-1", ""),
		} {
			raw, err := json.Marshal(v)
			e.must(err)
			if err := ingestJSON(e, family, raw); err != nil {
				t.Errorf("%s: valid base rejected: %v", family, err)
			}
		}
	})
}
