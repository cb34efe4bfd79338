package record_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/record/recordtest"
)

// Minimal bodies: only the fields records.md §10 says are required.
const (
	minDeployment = `{"record_id":"deployment-20260416T081000Z-cm-testing","context":"cm","instance":"testing",` +
		`"source_git_ref":"main","deploy":{"target_name":"cm-testing","target_type":"application",` +
		`"deploy_mode":"dokploy-application-api"}}`
	minPromotion = `{"record_id":"promotion-20260416T081000Z-cm-testing-to-prod","context":"cm",` +
		`"from_instance":"testing","to_instance":"prod","artifact_identity":{"artifact_id":"artifact-cm-1"},` +
		`"deploy":{"target_name":"cm-prod","target_type":"compose","deploy_mode":"dokploy-compose-api"}}`
	minBackupGate = `{"record_id":"backup-gate-cm-prod-req-1","context":"cm","instance":"prod",` +
		`"created_at":"2026-04-16T08:10:00Z","source":"launchplane-odoo-prod-backup-gate"}`
	minInventory = `{"context":"cm","instance":"testing","source_git_ref":"main",` +
		`"deploy":{"target_name":"cm-testing","target_type":"application","deploy_mode":"dokploy-application-api"},` +
		`"updated_at":"2026-04-16T08:10:00Z","deployment_record_id":"deployment-20260416T081000Z-cm-testing"}`
	minManifest = `{"artifact_id":"artifact-cm-1","source_commit":"` + recordtest.SHA + `","enterprise_base_digest":"",` +
		`"image":{"repository":"ghcr.io/acme/web","digest":"sha256:abc"}}`
	minTuple = `{"context":"cm","channel":"testing","tuple_id":"cm-testing-artifact-cm-1","artifact_id":"artifact-cm-1",` +
		`"repo_shas":{"tenant-cm":"0123456"},"provenance":"ship","minted_at":"2026-04-16T08:10:00Z"}`
)

// with adds extra top-level members to a JSON object body.
func with(body, extra string) string {
	return strings.TrimSuffix(body, "}") + "," + extra + "}"
}

// Adapters so one table can drive every family's decoder.
func decDeployment(b []byte) (any, error)   { return record.DecodeDeployment(b) }
func decPromotion(b []byte) (any, error)    { return record.DecodePromotion(b) }
func decBackupGate(b []byte) (any, error)   { return record.DecodeBackupGate(b) }
func decInventory(b []byte) (any, error)    { return record.DecodeInventory(b) }
func decManifest(b []byte) (any, error)     { return record.DecodeArtifactManifest(b) }
func decReleaseTuple(b []byte) (any, error) { return record.DecodeReleaseTuple(b) }

// validationProblems asserts err is a *record.ValidationError that wraps
// record.ErrInvalid and returns its record name and the fields it names.
func validationProblems(t *testing.T, err error) (string, []string) {
	t.Helper()
	if err == nil {
		t.Fatal("error = nil, want a validation error")
	}
	if !errors.Is(err, record.ErrInvalid) {
		t.Errorf("errors.Is(%v, record.ErrInvalid) = false, want true", err)
	}
	var ve *record.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %T (%v) is not a *record.ValidationError", err, err)
	}
	fields := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		fields[i] = p.Field
		if p.Message == "" {
			t.Errorf("problem %d (%s) has an empty message", i, p.Field)
		}
	}
	return ve.Record, fields
}

func TestDecodeDefaults(t *testing.T) {
	healthDefault := record.HealthcheckEvidence{URLs: []string{}, Status: record.StatusSkipped}
	testingDeploy := record.DeploymentEvidence{
		TargetName: "cm-testing",
		TargetType: record.TargetApplication,
		DeployMode: "dokploy-application-api",
		Status:     record.StatusPending,
	}
	wantDeployment := record.Deployment{
		SchemaVersion:           1,
		RecordID:                "deployment-20260416T081000Z-cm-testing",
		Context:                 "cm",
		Instance:                "testing",
		SourceGitRef:            "main",
		WaitForCompletion:       true,
		VerifyDestinationHealth: true,
		NoCache:                 false,
		DelegatedExecutor:       "control-plane.dokploy",
		RuntimeSource:           map[string]string{},
		Deploy:                  testingDeploy,
		PostDeployUpdate:        record.PostDeployUpdateEvidence{Status: record.StatusSkipped},
		DestinationHealth:       healthDefault,
	}
	wantDeploymentWithIdentity := wantDeployment
	wantDeploymentWithIdentity.ArtifactIdentity = &record.ArtifactIdentity{ArtifactID: "artifact-cm-1", ManifestVersion: 1}
	wantDeploymentExplicit := wantDeployment
	wantDeploymentExplicit.WaitForCompletion = false
	wantDeploymentExplicit.VerifyDestinationHealth = false
	wantDeploymentExplicit.NoCache = true
	wantDeploymentExplicit.ArtifactIdentity = &record.ArtifactIdentity{ArtifactID: "artifact-cm-1", ManifestVersion: 3}

	wantPromotion := record.Promotion{
		SchemaVersion:    1,
		RecordID:         "promotion-20260416T081000Z-cm-testing-to-prod",
		ArtifactIdentity: &record.ArtifactIdentity{ArtifactID: "artifact-cm-1", ManifestVersion: 1},
		Context:          "cm",
		FromInstance:     "testing",
		ToInstance:       "prod",
		SourceHealth:     healthDefault,
		BackupGate:       record.BackupGateEvidence{Required: true, Status: record.StatusPending, Evidence: map[string]string{}},
		Deploy: record.DeploymentEvidence{
			TargetName: "cm-prod",
			TargetType: record.TargetCompose,
			DeployMode: "dokploy-compose-api",
			Status:     record.StatusPending,
		},
		PostDeployUpdate:  record.PostDeployUpdateEvidence{Status: record.StatusSkipped},
		DestinationHealth: healthDefault,
		Rollback:          record.RollbackEvidence{Status: record.StatusSkipped},
		RollbackHealth:    healthDefault,
	}
	wantPromotionNoGate := wantPromotion
	wantPromotionNoGate.BackupGate = record.BackupGateEvidence{Required: false, Status: record.StatusPending, Evidence: map[string]string{}}

	wantGate := record.BackupGate{
		SchemaVersion: 1,
		RecordID:      "backup-gate-cm-prod-req-1",
		Context:       "cm",
		Instance:      "prod",
		CreatedAt:     "2026-04-16T08:10:00Z",
		Source:        "launchplane-odoo-prod-backup-gate",
		Required:      true,
		Status:        record.StatusPending,
		Evidence:      map[string]string{},
	}
	wantGateNotRequired := wantGate
	wantGateNotRequired.Required = false

	wantInventory := record.Inventory{
		SchemaVersion:      1,
		Context:            "cm",
		Instance:           "testing",
		SourceGitRef:       "main",
		Deploy:             testingDeploy,
		PostDeployUpdate:   record.PostDeployUpdateEvidence{Status: record.StatusSkipped},
		DestinationHealth:  healthDefault,
		UpdatedAt:          "2026-04-16T08:10:00Z",
		DeploymentRecordID: "deployment-20260416T081000Z-cm-testing",
	}
	wantInventoryWithIdentity := wantInventory
	wantInventoryWithIdentity.ArtifactIdentity = &record.ArtifactIdentity{ArtifactID: "artifact-cm-1", ManifestVersion: 1}

	wantManifest := record.ArtifactManifest{
		SchemaVersion:      1,
		ArtifactID:         "artifact-cm-1",
		SourceCommit:       recordtest.SHA,
		AddonSources:       []record.AddonSource{},
		AddonSelectors:     []record.AddonSelector{},
		OdooInstallModules: []string{},
		BuildFlags:         record.BuildFlags{AddonSkipFlags: []string{}, Values: map[string]string{}},
		BuildProvenance: record.BuildProvenance{
			BaseImages: []record.BaseImageProvenance{},
			BuildTools: []record.BuildToolProvenance{},
		},
		Image: record.ImageReference{Repository: "ghcr.io/acme/web", Digest: "sha256:abc", Tags: []string{}},
	}

	wantTuple := record.ReleaseTuple{
		SchemaVersion: 1,
		Context:       "cm",
		Channel:       "testing",
		TupleID:       "cm-testing-artifact-cm-1",
		ArtifactID:    "artifact-cm-1",
		RepoSHAs:      map[string]string{"tenant-cm": "0123456"},
		Provenance:    record.ProvenanceShip,
		MintedAt:      "2026-04-16T08:10:00Z",
	}

	tests := []struct {
		name   string
		decode func([]byte) (any, error)
		body   string
		want   any
	}{
		{"deployment/minimal", decDeployment, minDeployment, wantDeployment},
		{"deployment/null optional objects", decDeployment, with(minDeployment, `"artifact_identity":null,"resolved_target":null`), wantDeployment},
		{"deployment/artifact_identity without manifest_version", decDeployment, with(minDeployment, `"artifact_identity":{"artifact_id":"artifact-cm-1"}`), wantDeploymentWithIdentity},
		{"deployment/explicit values override defaults", decDeployment, with(minDeployment,
			`"wait_for_completion":false,"verify_destination_health":false,"no_cache":true,`+
				`"artifact_identity":{"artifact_id":"artifact-cm-1","manifest_version":3}`), wantDeploymentExplicit},
		{"promotion/minimal", decPromotion, minPromotion, wantPromotion},
		{"promotion/backup gate not required", decPromotion, with(minPromotion, `"backup_gate":{"required":false}`), wantPromotionNoGate},
		{"backup gate/minimal", decBackupGate, minBackupGate, wantGate},
		{"backup gate/required false", decBackupGate, with(minBackupGate, `"required":false`), wantGateNotRequired},
		{"inventory/minimal", decInventory, minInventory, wantInventory},
		{"inventory/artifact_identity without manifest_version", decInventory, with(minInventory, `"artifact_identity":{"artifact_id":"artifact-cm-1"}`), wantInventoryWithIdentity},
		{"manifest/minimal", decManifest, minManifest, wantManifest},
		{"manifest/null dependency_provenance on v1", decManifest, with(minManifest, `"dependency_provenance":null`), wantManifest},
		{"release tuple/minimal", decReleaseTuple, minTuple, wantTuple},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decode([]byte(tt.body))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decoded record mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeTrimsRequiredStrings(t *testing.T) {
	wantDeployment := record.Deployment{
		SchemaVersion:           1,
		RecordID:                "deployment-1",
		ArtifactIdentity:        &record.ArtifactIdentity{ArtifactID: "artifact-cm-1", ManifestVersion: 1},
		Context:                 "cm",
		Instance:                "testing",
		SourceGitRef:            "main",
		WaitForCompletion:       true,
		VerifyDestinationHealth: true,
		DelegatedExecutor:       record.DelegatedExecutorDokploy,
		ResolvedTarget:          &record.ResolvedTarget{TargetType: record.TargetCompose, TargetID: "cmp-1", TargetName: "cm-testing"},
		RuntimeSource:           map[string]string{},
		Deploy: record.DeploymentEvidence{
			TargetName: "cm-testing",
			TargetType: record.TargetCompose,
			DeployMode: "dokploy-compose-api",
			Status:     record.StatusPass,
			StartedAt:  "2026-04-16T08:10:00Z",
		},
		PostDeployUpdate:  record.PostDeployUpdateEvidence{Status: record.StatusSkipped},
		DestinationHealth: record.HealthcheckEvidence{URLs: []string{}, Status: record.StatusSkipped},
	}
	wantGate := record.BackupGate{
		SchemaVersion: 1,
		RecordID:      "gate-1",
		Context:       "cm",
		Instance:      "prod",
		CreatedAt:     "2026-04-16T08:10:00Z",
		Source:        "test",
		Required:      true,
		Status:        record.StatusPending,
		Evidence:      map[string]string{},
	}
	wantManifest := record.ArtifactManifest{
		SchemaVersion:        1,
		ArtifactID:           "artifact-cm-1",
		SourceCommit:         recordtest.SHA,
		EnterpriseBaseDigest: "sha256:base",
		AddonSources:         []record.AddonSource{{Repository: "github.com/acme/odoo-shared.git", Ref: recordtest.SHA2}},
		AddonSelectors:       []record.AddonSelector{},
		OdooInstallModules:   []string{},
		BuildFlags:           record.BuildFlags{AddonSkipFlags: []string{}, Values: map[string]string{}},
		BuildProvenance:      record.BuildProvenance{BaseImages: []record.BaseImageProvenance{}, BuildTools: []record.BuildToolProvenance{}},
		Image:                record.ImageReference{Repository: "ghcr.io/acme/web", Digest: "sha256:abc", Tags: []string{}},
	}

	tests := []struct {
		name   string
		decode func([]byte) (any, error)
		body   string
		want   any
	}{
		{"deployment", decDeployment,
			`{"record_id":" deployment-1 ","context":" cm ","instance":"\ttesting\n","source_git_ref":" main ",` +
				`"artifact_identity":{"artifact_id":" artifact-cm-1 "},` +
				`"resolved_target":{"target_type":"compose","target_id":" cmp-1 ","target_name":" cm-testing "},` +
				`"deploy":{"target_name":" cm-testing ","target_type":" compose ","deploy_mode":" dokploy-compose-api ",` +
				`"status":"pass","started_at":" 2026-04-16T08:10:00Z "}}`,
			wantDeployment},
		{"backup gate", decBackupGate,
			`{"record_id":" gate-1 ","context":" cm ","instance":" prod ","created_at":" 2026-04-16T08:10:00Z ","source":" test "}`,
			wantGate},
		{"manifest", decManifest,
			`{"artifact_id":" artifact-cm-1 ","source_commit":" ` + recordtest.SHA + ` ","enterprise_base_digest":" sha256:base ",` +
				`"addon_sources":[{"repository":" github.com/acme/odoo-shared.git ","ref":" ` + recordtest.SHA2 + ` "}],` +
				`"image":{"repository":" ghcr.io/acme/web ","digest":" sha256:abc "}}`,
			wantManifest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decode([]byte(tt.body))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decoded record mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	const deployTesting = `"deploy":{"target_name":"cm-testing","target_type":"application","deploy_mode":"m"}`
	const depHead = `{"record_id":"d1","context":"cm","instance":"testing","source_git_ref":"main"`
	tests := []struct {
		name       string
		decode     func([]byte) (any, error)
		body       string
		wantFields []string
	}{
		// Body shape.
		{"empty body", decDeployment, ``, []string{"(body)"}},
		{"whitespace body", decDeployment, " \n\t", []string{"(body)"}},
		{"truncated body", decDeployment, `{"record_id":`, []string{"(body)"}},
		{"syntax error", decDeployment, `{"record_id" "d1"}`, []string{"(body)"}},
		{"array body", decDeployment, `[]`, []string{"(body)"}},
		{"string body", decPromotion, `"promotion"`, []string{"(body)"}},
		{"trailing garbage", decDeployment, minDeployment + ` x`, []string{"(body)"}},
		{"trailing second object", decDeployment, minDeployment + `{}`, []string{"(body)"}},
		{"trailing bracket", decBackupGate, minBackupGate + `]`, []string{"(body)"}},
		{"trailing data on manifest", decManifest, minManifest + ` null`, []string{"(body)"}},
		{"null body", decBackupGate, `null`, []string{"record_id", "context", "instance", "created_at", "source"}},

		// Unknown fields.
		{"deployment/unknown top-level field", decDeployment, with(minDeployment, `"bogus":1`), []string{"bogus"}},
		{"deployment/unknown field in deploy", decDeployment,
			depHead + `,"deploy":{"target_name":"t","target_type":"compose","deploy_mode":"m","bogus":true}}`, []string{"deploy.bogus"}},
		{"deployment/unknown field in artifact_identity", decDeployment,
			with(minDeployment, `"artifact_identity":{"artifact_id":"a1","bogus":"x"}`), []string{"artifact_identity.bogus"}},
		{"deployment/unknown field in destination_health", decDeployment,
			with(minDeployment, `"destination_health":{"verified":false,"bogus":1}`), []string{"destination_health.bogus"}},
		{"promotion/unknown field in artifact_identity", decPromotion,
			`{"record_id":"p1","context":"cm","from_instance":"testing","to_instance":"prod",` +
				`"artifact_identity":{"artifact_id":"a1","manifest_version":1,"bogus":1},` + deployTesting + `}`, []string{"artifact_identity.bogus"}},
		{"promotion/unknown field in backup_gate", decPromotion, with(minPromotion, `"backup_gate":{"bogus":1}`), []string{"backup_gate.bogus"}},
		{"backup gate/unknown field", decBackupGate, with(minBackupGate, `"bogus":1`), []string{"bogus"}},
		{"inventory/unknown field", decInventory, with(minInventory, `"bogus":1`), []string{"bogus"}},
		{"manifest/unknown field in image", decManifest,
			`{"artifact_id":"a1","source_commit":"abcdef1","enterprise_base_digest":"","image":{"repository":"r","digest":"d","bogus":1}}`, []string{"image.bogus"}},
		{"release tuple/unknown field", decReleaseTuple, with(minTuple, `"bogus":1`), []string{"bogus"}},

		// Wrong JSON types name the field.
		{"deployment/context is a number", decDeployment,
			`{"record_id":"d1","context":5,"instance":"testing","source_git_ref":"main",` + deployTesting + `}`, []string{"context"}},
		{"deployment/wait_for_completion is a string", decDeployment, with(minDeployment, `"wait_for_completion":"yes"`), []string{"wait_for_completion"}},
		{"deployment/schema_version is a string", decDeployment, with(minDeployment, `"schema_version":"1"`), []string{"schema_version"}},
		{"deployment/schema_version is fractional", decDeployment, with(minDeployment, `"schema_version":1.5`), []string{"schema_version"}},
		{"deployment/deploy is a string", decDeployment, depHead + `,"deploy":"x"}`, []string{"deploy"}},
		{"deployment/deploy.target_name is a number", decDeployment,
			depHead + `,"deploy":{"target_name":5,"target_type":"compose","deploy_mode":"m"}}`, []string{"deploy.target_name"}},
		{"deployment/timeout_seconds is a string", decDeployment,
			with(minDeployment, `"destination_health":{"timeout_seconds":"30"}`), []string{"destination_health.timeout_seconds"}},
		{"deployment/urls is a string", decDeployment, with(minDeployment, `"destination_health":{"urls":"https://x"}`), []string{"destination_health.urls"}},
		{"deployment/runtime_source value is a number", decDeployment, with(minDeployment, `"runtime_source":{"a":1}`), []string{"runtime_source"}},
		{"deployment/resolved_target is an array", decDeployment, with(minDeployment, `"resolved_target":[]`), []string{"resolved_target"}},
		{"backup gate/evidence is an array", decBackupGate, with(minBackupGate, `"evidence":["x"]`), []string{"evidence"}},
		{"release tuple/repo_shas is a string", decReleaseTuple,
			`{"context":"cm","channel":"testing","tuple_id":"cm-testing-a1","artifact_id":"a1","repo_shas":"abcdef1","provenance":"ship","minted_at":"2026-04-16T08:10:00Z"}`,
			[]string{"repo_shas"}},

		// Required strings: missing, blank or whitespace-only.
		{"deployment/whitespace record_id", decDeployment,
			`{"record_id":"   ","context":"cm","instance":"testing","source_git_ref":"main",` + deployTesting + `}`, []string{"record_id"}},
		{"deployment/null record_id", decDeployment,
			`{"record_id":null,"context":"cm","instance":"testing","source_git_ref":"main",` + deployTesting + `}`, []string{"record_id"}},
		{"deployment/blank context and instance", decDeployment,
			`{"record_id":"d1","context":"","instance":"\t\n","source_git_ref":"main",` + deployTesting + `}`, []string{"context", "instance"}},
		{"deployment/missing source_git_ref", decDeployment,
			`{"record_id":"d1","context":"cm","instance":"testing",` + deployTesting + `}`, []string{"source_git_ref"}},
		{"deployment/missing deploy", decDeployment, depHead + `}`, []string{"deploy.target_name", "deploy.target_type", "deploy.deploy_mode"}},
		{"deployment/whitespace deploy_mode", decDeployment,
			depHead + `,"deploy":{"target_name":"t","target_type":"compose","deploy_mode":"  "}}`, []string{"deploy.deploy_mode"}},
		{"deployment/whitespace artifact_id", decDeployment, with(minDeployment, `"artifact_identity":{"artifact_id":" "}`), []string{"artifact_identity.artifact_id"}},
		{"deployment/blank resolved_target ids", decDeployment,
			with(minDeployment, `"resolved_target":{"target_type":"compose","target_id":" ","target_name":""}`),
			[]string{"resolved_target.target_id", "resolved_target.target_name"}},
		{"backup gate/whitespace source", decBackupGate,
			`{"record_id":"g1","context":"cm","instance":"prod","created_at":"2026-04-16T08:10:00Z","source":" "}`, []string{"source"}},
		{"inventory/missing deployment_record_id", decInventory,
			`{"context":"cm","instance":"testing","source_git_ref":"main",` + deployTesting + `,"updated_at":"2026-04-16T08:10:00Z"}`,
			[]string{"deployment_record_id"}},
		{"manifest/whitespace source_commit", decManifest,
			`{"artifact_id":"a1","source_commit":"  ","enterprise_base_digest":"","image":{"repository":"r","digest":"d"}}`, []string{"source_commit"}},
		{"manifest/missing image", decManifest, `{"artifact_id":"a1","source_commit":"abcdef1","enterprise_base_digest":""}`, []string{"image.repository", "image.digest"}},
		{"manifest/blank addon ref", decManifest,
			with(minManifest, `"addon_sources":[{"repository":"r1","ref":"abcdef1"},{"repository":"r2","ref":" "}]`), []string{"addon_sources[1].ref"}},

		// Enums, versions and invariants.
		{"deployment/schema_version 0", decDeployment, with(minDeployment, `"schema_version":0`), []string{"schema_version"}},
		{"deployment/manifest_version 0", decDeployment,
			with(minDeployment, `"artifact_identity":{"artifact_id":"a1","manifest_version":0}`), []string{"artifact_identity.manifest_version"}},
		{"deployment/unknown target_type", decDeployment,
			depHead + `,"deploy":{"target_name":"t","target_type":"swarm","deploy_mode":"m"}}`, []string{"deploy.target_type"}},
		{"deployment/unknown deploy status", decDeployment,
			depHead + `,"deploy":{"target_name":"t","target_type":"compose","deploy_mode":"m","status":"done"}}`, []string{"deploy.status"}},
		{"deployment/bad started_at", decDeployment,
			depHead + `,"deploy":{"target_name":"t","target_type":"compose","deploy_mode":"m","started_at":"yesterday"}}`, []string{"deploy.started_at"}},
		{"deployment/unknown delegated_executor", decDeployment, with(minDeployment, `"delegated_executor":"control-plane.k8s"`), []string{"delegated_executor"}},
		{"deployment/verified health without evidence", decDeployment, with(minDeployment, `"destination_health":{"verified":true}`),
			[]string{"destination_health.urls", "destination_health.timeout_seconds", "destination_health.status"}},
		{"deployment/timeout_seconds 0", decDeployment, with(minDeployment, `"destination_health":{"timeout_seconds":0}`), []string{"destination_health.timeout_seconds"}},
		{"deployment/blank health url", decDeployment,
			with(minDeployment, `"destination_health":{"verified":true,"urls":[" "],"timeout_seconds":5,"status":"pass"}`), []string{"destination_health.urls"}},
		{"deployment/post deploy not attempted but passed", decDeployment,
			with(minDeployment, `"post_deploy_update":{"attempted":false,"status":"pass"}`), []string{"post_deploy_update.status"}},
		{"deployment/post deploy attempted but skipped", decDeployment,
			with(minDeployment, `"post_deploy_update":{"attempted":true}`), []string{"post_deploy_update.status"}},
		{"deployment/blank runtime_source key", decDeployment, with(minDeployment, `"runtime_source":{" ":"x"}`), []string{"runtime_source"}},
		{"promotion/missing artifact_identity", decPromotion,
			`{"record_id":"p1","context":"cm","from_instance":"testing","to_instance":"prod",` + deployTesting + `}`, []string{"artifact_identity"}},
		{"promotion/null artifact_identity", decPromotion,
			with(`{"record_id":"p1","context":"cm","from_instance":"testing","to_instance":"prod",`+deployTesting+`}`, `"artifact_identity":null`),
			[]string{"artifact_identity"}},
		{"promotion/missing deploy", decPromotion,
			`{"record_id":"p1","context":"cm","from_instance":"testing","to_instance":"prod","artifact_identity":{"artifact_id":"a1"}}`,
			[]string{"deploy.target_name", "deploy.target_type", "deploy.deploy_mode"}},
		{"promotion/same instances after trimming", decPromotion,
			`{"record_id":"p1","context":"cm","from_instance":" prod","to_instance":"prod ","artifact_identity":{"artifact_id":"a1"},` + deployTesting + `}`,
			[]string{"to_instance"}},
		{"promotion/passed gate without backup_record_id", decPromotion,
			with(minPromotion, `"backup_gate":{"required":true,"status":"pass","evidence":{"snapshot":"s1"}}`), []string{"backup_record_id"}},
		{"promotion/rollback attempted but skipped", decPromotion, with(minPromotion, `"rollback":{"attempted":true}`), []string{"rollback.status"}},
		{"promotion/bad rollback finished_at", decPromotion,
			with(minPromotion, `"rollback":{"attempted":true,"status":"pass","finished_at":"soon"}`), []string{"rollback.finished_at"}},
		{"promotion/unknown backup gate status", decPromotion, with(minPromotion, `"backup_gate":{"status":"ok"}`), []string{"backup_gate.status"}},
		{"backup gate/pass without evidence", decBackupGate, with(minBackupGate, `"status":"pass"`), []string{"evidence"}},
		{"backup gate/unknown status", decBackupGate, with(minBackupGate, `"status":"ok"`), []string{"status"}},
		{"backup gate/missing created_at", decBackupGate,
			`{"record_id":"g1","context":"cm","instance":"prod","source":"s"}`, []string{"created_at"}},
		{"backup gate/bad created_at", decBackupGate,
			`{"record_id":"g1","context":"cm","instance":"prod","created_at":"2026-04-16","source":"s"}`, []string{"created_at"}},
		{"backup gate/blank evidence key", decBackupGate, with(minBackupGate, `"evidence":{"":"x"}`), []string{"evidence"}},
		{"inventory/promotion without promoted_from_instance", decInventory,
			with(minInventory, `"promotion_record_id":"promotion-1","promoted_from_instance":" "`), []string{"promoted_from_instance"}},
		{"inventory/bad updated_at", decInventory,
			`{"context":"cm","instance":"testing","source_git_ref":"main",` + deployTesting + `,"updated_at":"now","deployment_record_id":"d1"}`,
			[]string{"updated_at"}},
		{"manifest/schema_version 3", decManifest, with(minManifest, `"schema_version":3`), []string{"schema_version"}},
		{"manifest/schema_version 0", decManifest, with(minManifest, `"schema_version":0`), []string{"schema_version"}},
		{"manifest/v1 with dependency_provenance", decManifest, with(minManifest, `"dependency_provenance":{}`), []string{"dependency_provenance"}},
		{"manifest/v2 without dependency_provenance", decManifest, with(minManifest, `"schema_version":2`), []string{"dependency_provenance"}},
		{"manifest/v2 with array dependency_provenance", decManifest,
			with(minManifest, `"schema_version":2,"dependency_provenance":[]`), []string{"dependency_provenance"}},
		{"manifest/duplicate base image role", decManifest,
			with(minManifest, `"build_provenance":{"base_images":[`+
				`{"role":"runtime","image":{"repository":"r","digest":"d"}},`+
				`{"role":"runtime","image":{"repository":"r","digest":"d"}}]}`),
			[]string{"build_provenance.base_images[1].role"}},
		{"manifest/unknown base image role", decManifest,
			with(minManifest, `"build_provenance":{"base_images":[{"role":"builder","image":{"repository":"r","digest":"d"}}]}`),
			[]string{"build_provenance.base_images[0].role"}},
		{"manifest/build tool without version or source", decManifest,
			with(minManifest, `"build_provenance":{"build_tools":[{"name":"uv"}]}`), []string{"build_provenance.build_tools[0].version"}},
		{"manifest/build tool source without ref", decManifest,
			with(minManifest, `"build_provenance":{"build_tools":[{"name":"uv","version":"1","source_repository":"github.com/astral-sh/uv"}]}`),
			[]string{"build_provenance.build_tools[0].source_ref"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decode([]byte(tt.body))
			_, fields := validationProblems(t, err)
			if diff := cmp.Diff(tt.wantFields, fields); diff != "" {
				t.Errorf("problem fields mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
			if !reflect.ValueOf(got).IsZero() {
				t.Errorf("decode returned a non-zero record with its error: %+v", got)
			}
		})
	}
}

// TestDecodeArtifactIdentityErrors covers artifact_identity separately
// because it decodes through its own UnmarshalJSON, which the outer
// decoder's path tracking and record name do not reach.
func TestDecodeArtifactIdentityErrors(t *testing.T) {
	type result struct {
		Record string
		Fields []string
	}
	tests := []struct {
		name   string
		decode func([]byte) (any, error)
		body   string
		want   result
	}{
		{"deployment/unknown field", decDeployment,
			with(minDeployment, `"artifact_identity":{"artifact_id":"a1","bogus":1}`),
			result{"deployment", []string{"artifact_identity.bogus"}}},
		{"deployment/artifact_identity is a string", decDeployment,
			with(minDeployment, `"artifact_identity":"a1"`),
			result{"deployment", []string{"artifact_identity"}}},
		{"deployment/artifact_id is a number", decDeployment,
			with(minDeployment, `"artifact_identity":{"artifact_id":5}`),
			result{"deployment", []string{"artifact_identity.artifact_id"}}},
		{"promotion/manifest_version is a string", decPromotion,
			`{"record_id":"p1","context":"cm","from_instance":"testing","to_instance":"prod",` +
				`"artifact_identity":{"artifact_id":"a1","manifest_version":"1"},` +
				`"deploy":{"target_name":"t","target_type":"compose","deploy_mode":"m"}}`,
			result{"promotion", []string{"artifact_identity.manifest_version"}}},
		{"inventory/artifact_identity is an array", decInventory,
			with(minInventory, `"artifact_identity":[]`),
			result{"inventory", []string{"artifact_identity"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.decode([]byte(tt.body))
			rec, fields := validationProblems(t, err)
			if diff := cmp.Diff(tt.want, result{rec, fields}); diff != "" {
				t.Errorf("validation error mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
		})
	}
}

// TestDecodeRejectsCaseVariantKeys: upstream (pydantic, extra="forbid")
// matches field names exactly, so a key that differs only in case is an
// unknown field, not an alias.
func TestDecodeRejectsCaseVariantKeys(t *testing.T) {
	tests := []struct {
		name      string
		decode    func([]byte) (any, error)
		body      string
		wantField string
	}{
		{"deployment/upper-case record_id", decDeployment,
			`{"RECORD_ID":"d1","context":"cm","instance":"testing","source_git_ref":"main",` +
				`"deploy":{"target_name":"t","target_type":"compose","deploy_mode":"m"}}`, "RECORD_ID"},
		{"deployment/title-case key in deploy", decDeployment,
			`{"record_id":"d1","context":"cm","instance":"testing","source_git_ref":"main",` +
				`"deploy":{"Target_Name":"t","target_type":"compose","deploy_mode":"m"}}`, "deploy.Target_Name"},
		{"release tuple/upper-case channel key", decReleaseTuple, strings.Replace(minTuple, `"channel"`, `"CHANNEL"`, 1), "CHANNEL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.decode([]byte(tt.body))
			_, fields := validationProblems(t, err)
			if diff := cmp.Diff([]string{tt.wantField}, fields); diff != "" {
				t.Errorf("problem fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidationError(t *testing.T) {
	err := error(&record.ValidationError{
		Record: "deployment",
		Problems: []record.FieldProblem{
			{Field: "context", Message: "is required and must not be blank"},
			{Field: "deploy.status", Message: `must be one of pending, pass, fail, skipped (got "done")`},
		},
	})
	want := `invalid deployment: context: is required and must not be blank; deploy.status: must be one of pending, pass, fail, skipped (got "done")`
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("Error() mismatch (-want +got):\n%s", diff)
	}
	if !errors.Is(err, record.ErrInvalid) {
		t.Error("errors.Is(ValidationError, ErrInvalid) = false, want true")
	}
	if errors.Is(err, errors.New("invalid record")) {
		t.Error("errors.Is matched an unrelated error with the same text")
	}
}

// TestDecodeAcceptsFixtures checks that what the rest of the code builds
// (recordtest fixtures, serialized the way the stores serialize) decodes
// back unchanged.
func TestDecodeAcceptsFixtures(t *testing.T) {
	tests := []struct {
		name   string
		value  any
		decode func([]byte) (any, error)
	}{
		{"deployment", recordtest.Deployment("deployment-1", "cm", "testing", "artifact-cm-1", "2026-04-16T08:10:00Z"), decDeployment},
		{"deployment without artifact", recordtest.Deployment("deployment-2", "cm", "testing", "", ""), decDeployment},
		{"promotion", recordtest.Promotion("promotion-1", "cm", "testing", "prod", "artifact-cm-1", "deployment-1"), decPromotion},
		{"backup gate", recordtest.BackupGate("gate-1", "cm", "prod", "2026-04-16T08:10:00Z"), decBackupGate},
		{"manifest", recordtest.Manifest("artifact-cm-1"), decManifest},
		{"release tuple", recordtest.ShipTuple("cm", "testing", "artifact-cm-1", "2026-04-16T08:10:00Z"), decReleaseTuple},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(tt.value)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			got, err := tt.decode(data)
			if err != nil {
				t.Fatalf("decode %s: %v", data, err)
			}
			if diff := cmp.Diff(tt.value, got); diff != "" {
				t.Errorf("round trip mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeRejectsEngineUnstableValues: values Postgres JSONB would store
// differently from SQLite (or not at all) are refused up front.
func TestDecodeRejectsEngineUnstableValues(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		field string
	}{
		{"NUL in a string", with(minDeployment, `"runtime_source":{"k":"a\u0000b"}`), "runtime_source.k"},
		{"NUL in a key", with(minDeployment, `"runtime_source":{"a\u0000":"b"}`), "runtime_source"},
		{"exponent number", with(minDeployment, `"schema_version":1e0`), "schema_version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := record.DecodeDeployment([]byte(tt.body))
			_, fields := validationProblems(t, err)
			if !slices.Contains(fields, tt.field) {
				t.Errorf("problems %v do not name %s", fields, tt.field)
			}
		})
	}
	v2 := with(minManifest, `"schema_version":2,"dependency_provenance":{"n":1e2}`)
	_, err := record.DecodeArtifactManifest([]byte(v2))
	_, fields := validationProblems(t, err)
	if !slices.Contains(fields, "dependency_provenance.n") {
		t.Errorf("exponent inside dependency_provenance: problems %v", fields)
	}
	_, err = record.DecodeArtifactManifest([]byte(`{"artifact_id":"a1","source_commit":"abcdef1","image":{"repository":"r","digest":"d"}}`))
	_, fields = validationProblems(t, err)
	if diff := cmp.Diff([]string{"enterprise_base_digest"}, fields); diff != "" {
		t.Errorf("upstream requires enterprise_base_digest to be present (-want +got):\n%s", diff)
	}
}
