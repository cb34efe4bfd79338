// Package targetstest seeds what a lane's provider operations read — a
// tracked Dokploy target, the managed Dokploy credentials, a deployed
// simulator application, the product profile owning the lane — for the API
// and CLI tests.
package targetstest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/dokploysim"
	"github.com/launchplane/launchplane/internal/products"
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

// OwnLane makes product's profile own the lane (contextName, instance) and
// expect exactly runtimeKeys and secretBindingKeys (integration
// runtime_environment) there, as requirements scoped to that lane: what a
// live-target runtime sync of the lane may write. A stored profile keeps
// its other lanes and requirements (calling it again for the lane replaces
// the lane's requirements); a new one is a minimal generic-web profile
// (repository example/<product>). It returns the stored profile.
func OwnLane(t testing.TB, s store.Store, product, contextName, instance string, runtimeKeys, secretBindingKeys []string) record.ProductProfile {
	t.Helper()
	ctx := context.Background()
	// The profile is edited as JSON so that new lanes and requirements
	// get the decoder's defaults.
	raw := []byte(`{"product":` + quote(t, product) + `,"display_name":` + quote(t, product) +
		`,"repository":` + quote(t, "example/"+product) + `,"driver_id":"generic-web"}`)
	switch p, err := products.Get(ctx, s, product); {
	case err == nil:
		if raw, err = json.Marshal(p); err != nil {
			t.Fatal(err)
		}
	case !errors.Is(err, store.ErrNotFound):
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	here := func(m any) bool {
		e := m.(map[string]any)
		return e["context"] == contextName && e["instance"] == instance
	}
	lanes, _ := doc["lanes"].([]any)
	if !slices.ContainsFunc(lanes, here) {
		lanes = append(lanes, map[string]any{"instance": instance, "context": contextName})
	}
	doc["lanes"] = append([]any{}, lanes...)
	cfg, _ := doc["expected_config"].(map[string]any)
	if cfg == nil {
		cfg = map[string]any{}
	}
	keys, _ := cfg["runtime_environment_keys"].([]any)
	keys = slices.DeleteFunc(keys, here)
	for _, k := range runtimeKeys {
		keys = append(keys, map[string]any{"key": k, "context": contextName, "instance": instance})
	}
	bindings, _ := cfg["managed_secret_bindings"].([]any)
	bindings = slices.DeleteFunc(bindings, func(m any) bool {
		return here(m) && m.(map[string]any)["integration"] == record.SecretIntegrationRuntimeEnv
	})
	for _, k := range secretBindingKeys {
		bindings = append(bindings, map[string]any{"binding_key": k, "integration": record.SecretIntegrationRuntimeEnv, "context": contextName, "instance": instance})
	}
	cfg["runtime_environment_keys"], cfg["managed_secret_bindings"] = append([]any{}, keys...), append([]any{}, bindings...)
	doc["expected_config"] = cfg
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	p, err := products.DecodeInput(raw, "test")
	if err != nil {
		t.Fatal(err)
	}
	res, err := products.New(s, time.Now).Upsert(ctx, products.UpsertInput{Profile: p})
	if err != nil {
		t.Fatal(err)
	}
	return res.Profile
}

func quote(t testing.TB, v string) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
