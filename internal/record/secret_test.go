package record_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/launchplane/launchplane/internal/record"
)

func TestSecretIDs(t *testing.T) {
	for _, tc := range []struct{ integration, name, context, instance, want string }{
		{"runtime_environment", "SMTP Password", "", "", "secret-runtime-environment-smtp-password"},
		{"dokploy", "token", "", "", "secret-dokploy-token"},
		{"runtime_environment", "db", "Customer--Main", "prod", "secret-runtime-environment-db-customer-main-prod"},
		{"runtime_environment", "--", "cm", "", "secret-runtime-environment-secret-cm"},
	} {
		if got := record.SecretID(tc.integration, tc.name, tc.context, tc.instance); got != tc.want {
			t.Errorf("SecretID(%q, %q, %q, %q) = %q, want %q", tc.integration, tc.name, tc.context, tc.instance, got, tc.want)
		}
	}
	if got := record.SecretBindingID("secret-x-y", "SMTP_PASSWORD"); got != "secret-x-y-binding-smtp-password" {
		t.Errorf("binding id = %q", got)
	}
	rand := bytes.NewReader([]byte{0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	v, err := record.NewSecretVersionID("secret-x-y", rand)
	if err != nil || v != "secret-x-y-version-deadbeef0001" {
		t.Errorf("version id = %q, %v", v, err)
	}
	e, err := record.NewSecretAuditEventID("secret-x-y", "relabelled", rand)
	if err != nil || e != "secret-x-y-event-relabelled-ffffffffffff" {
		t.Errorf("event id = %q, %v", e, err)
	}
	if _, err := record.NewSecretVersionID("secret-x-y", rand); err == nil {
		t.Errorf("an exhausted random source must fail")
	}
}

func TestSecretScopeRules(t *testing.T) {
	for _, tc := range []struct {
		scope, context, instance string
		ok                       bool
	}{
		{record.SecretScopeGlobal, "", "", true},
		{record.SecretScopeGlobal, "cm", "", false},
		{record.SecretScopeGlobal, "", "prod", false},
		{record.SecretScopeContext, "cm", "", true},
		{record.SecretScopeContext, "", "", false},
		{record.SecretScopeContext, "cm", "prod", false},
		{record.SecretScopeContextInstance, "cm", "prod", true},
		{record.SecretScopeContextInstance, "cm", "", false},
		{record.SecretScopeContextInstance, "", "prod", false},
		{"instance", "cm", "prod", false},
	} {
		err := record.CheckSecretScope(tc.scope, tc.context, tc.instance)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, record.ErrInvalid)) {
			t.Errorf("scope %s context %q instance %q: %v", tc.scope, tc.context, tc.instance, err)
		}
	}
}

func TestDecodeSecretRecords(t *testing.T) {
	good := `{"secret_id":"secret-runtime-environment-db-cm","scope":"context","integration":"runtime_environment","name":"db",
		"context":"cm","instance":"","status":"configured","current_version_id":"secret-runtime-environment-db-cm-version-0123456789ab",
		"description":"","policy":"write_only","created_at":"2026-04-16T08:00:00Z","updated_at":"2026-04-16T08:00:00Z",
		"last_validated_at":"","updated_by":"cli"}`
	if _, err := record.DecodeSecretRecord([]byte(good)); err != nil {
		t.Fatalf("good secret: %v", err)
	}
	for name, bad := range map[string]string{
		"non-derived id":  strings.Replace(good, `"secret_id":"secret-runtime-environment-db-cm"`, `"secret_id":"secret-other"`, 1),
		"foreign version": strings.Replace(good, `"current_version_id":"secret-runtime-environment-db-cm-version`, `"current_version_id":"secret-x-version`, 1),
		"unknown status":  strings.Replace(good, `"configured"`, `"active"`, 1),
		"plaintext field": strings.Replace(good, `"policy"`, `"value":"x","policy"`, 1),
		"other policy":    strings.Replace(good, `"write_only"`, `"readable"`, 1),
	} {
		if _, err := record.DecodeSecretRecord([]byte(bad)); !errors.Is(err, record.ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
	version := `{"version_id":"secret-a-b-version-0123456789ab","secret_id":"secret-a-b","created_at":"2026-04-16T08:00:00Z",
		"created_by":"cli","cipher_alg":"aes-256-gcm-hkdf-v1","key_id":"k1","ciphertext":"c2VhbGVk"}`
	if _, err := record.DecodeSecretVersion([]byte(version)); err != nil {
		t.Fatalf("good version: %v", err)
	}
	for name, bad := range map[string]string{
		"empty ciphertext": strings.Replace(version, `"c2VhbGVk"`, `""`, 1),
		"unknown cipher":   strings.Replace(version, `aes-256-gcm-hkdf-v1`, `rot13`, 1),
		"plaintext field":  strings.Replace(version, `"key_id"`, `"plaintext":"x","key_id"`, 1),
	} {
		if _, err := record.DecodeSecretVersion([]byte(bad)); !errors.Is(err, record.ErrInvalid) {
			t.Errorf("version %s: got %v, want ErrInvalid", name, err)
		}
	}
	event := `{"event_id":"secret-a-b-event-created-0123456789ab","secret_id":"secret-a-b","event_type":"created",
		"recorded_at":"2026-04-16T08:00:00Z","actor":"cli","detail":"","metadata":{"binding_key":"A"}}`
	if _, err := record.DecodeSecretAuditEvent([]byte(event)); err != nil {
		t.Fatalf("good event: %v", err)
	}
	if _, err := record.DecodeSecretAuditEvent([]byte(strings.Replace(event, `"created",`, `"exported",`, 1))); !errors.Is(err, record.ErrInvalid) {
		t.Errorf("unknown event type accepted")
	}
}
