// Package targetstest seeds what a lane's provider operations read — a
// tracked Dokploy target, the managed Dokploy credentials, a deployed
// simulator application — for the API and CLI tests.
package targetstest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/dokploysim"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

// Track stores target and its Dokploy id targetID in one transaction, as
// tracking a lane does. Zero fields default to schema version 1, an
// application target, source origin/main, source label "test" and now.
func Track(t testing.TB, s store.Store, target record.DokployTarget, targetID string) {
	t.Helper()
	if target.SchemaVersion == 0 {
		target.SchemaVersion = 1
	}
	if target.TargetType == "" {
		target.TargetType = record.TargetApplication
	}
	if target.SourceGitRef == "" {
		target.SourceGitRef = "origin/main"
	}
	if target.SourceLabel == "" {
		target.SourceLabel = "test"
	}
	if target.UpdatedAt == "" {
		target.UpdatedAt = record.FormatTime(time.Now())
	}
	ctx := context.Background()
	if err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.DokployTargetPut(ctx, target); err != nil {
			return err
		}
		return tx.DokployTargetIDPut(ctx, record.DokployTargetID{SchemaVersion: 1, Context: target.Context, Instance: target.Instance,
			TargetID: targetID, UpdatedAt: target.UpdatedAt, SourceLabel: target.SourceLabel})
	}); err != nil {
		t.Fatal(err)
	}
}

// PutDokployCredentials seals host and token under ring as the global
// DOKPLOY_HOST and DOKPLOY_TOKEN secrets, then any extra secrets.
func PutDokployCredentials(t testing.TB, s store.Store, ring *crypto.KeyRing, host, token string, extra ...secrets.PutInput) {
	t.Helper()
	svc := secrets.New(s, ring, time.Now, nil)
	for _, in := range append([]secrets.PutInput{
		{Scope: record.SecretScopeGlobal, Integration: targets.IntegrationDokploy, Name: "dokploy-host", BindingKey: targets.KeyDokployHost, Value: crypto.Redacted(host), Actor: "test"},
		{Scope: record.SecretScopeGlobal, Integration: targets.IntegrationDokploy, Name: "dokploy-token", BindingKey: targets.KeyDokployToken, Value: crypto.Redacted(token), Actor: "test"},
	}, extra...) {
		if _, err := svc.Put(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
}

// DeployedApp creates a docker application named web in sim's default
// environment, over sim's HTTP API at base with apiKey, deploys it, and
// returns its id.
func DeployedApp(t testing.TB, base, apiKey string, sim *dokploysim.Sim) string {
	t.Helper()
	post := func(proc string, in map[string]any, out any) {
		t.Helper()
		b, _ := json.Marshal(in)
		req, _ := http.NewRequest(http.MethodPost, base+"/api/"+proc, bytes.NewReader(b))
		req.Header.Set("x-api-key", apiKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", proc, resp.StatusCode)
		}
		if out != nil {
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
				t.Fatal(err)
			}
		}
	}
	var app struct{ ApplicationID string }
	post("application.create", map[string]any{"name": "web", "environmentId": sim.DefaultEnvironmentID()}, &app)
	post("application.saveDockerProvider", map[string]any{"applicationId": app.ApplicationID, "dockerImage": "img:1",
		"username": nil, "password": nil, "registryUrl": nil}, nil)
	post("application.deploy", map[string]any{"applicationId": app.ApplicationID}, nil)
	return app.ApplicationID
}
