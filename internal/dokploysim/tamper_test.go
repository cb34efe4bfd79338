package dokploysim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/dokploysim"
)

// TestTamperer: a tampered env write answers 200 while the stored env
// differs; the fault is consumed by one write; other targets, other calls
// and the control route behave as documented.
func TestTamperer(t *testing.T) {
	sim := dokploysim.New(dokploysim.Config{APIKey: testKey, Now: func() time.Time { return time.Date(2026, 8, 21, 12, 0, 0, 0, time.UTC) }})
	tp := dokploysim.NewTamperer(sim)
	srv := httptest.NewServer(tp)
	t.Cleanup(srv.Close)
	call := func(method, path string, in any) (int, map[string]any) {
		t.Helper()
		var body *bytes.Reader
		if in != nil {
			raw, _ := json.Marshal(in)
			body = bytes.NewReader(raw)
		} else {
			body = bytes.NewReader(nil)
		}
		req, _ := http.NewRequest(method, srv.URL+path, body)
		req.Header.Set("x-api-key", testKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	env := func(proc, idKey, id string) string {
		t.Helper()
		status, out := call("GET", "/api/"+proc+"?"+idKey+"="+id, nil)
		if status != 200 {
			t.Fatalf("%s: %d %v", proc, status, out)
		}
		s, _ := out["env"].(string)
		return s
	}

	_, app := call("POST", "/api/application.create", map[string]any{"name": "web", "environmentId": sim.DefaultEnvironmentID()})
	appID := app["applicationId"].(string)
	_, cmp2 := call("POST", "/api/compose.create", map[string]any{"name": "odoo", "environmentId": sim.DefaultEnvironmentID(), "composeFile": "services: {}"})
	composeID := cmp2["composeId"].(string)

	if err := tp.TamperNextEnvWrite("nope", dokploysim.EnvTamper{Drop: []string{"A"}}); err == nil {
		t.Fatal("tamper of an unknown id: no error")
	}
	if err := tp.TamperNextEnvWrite(appID, dokploysim.EnvTamper{Drop: []string{"B"}, Set: map[string]string{"A": "other", "Z": "new"}}); err != nil {
		t.Fatal(err)
	}
	save := func(e string) int {
		status, _ := call("POST", "/api/application.saveEnvironment", map[string]any{"applicationId": appID, "env": e, "buildArgs": nil, "buildSecrets": nil, "createEnvFile": true})
		return status
	}
	if status := save("# keep\nA=1\nB=2\nC=3"); status != 200 {
		t.Fatalf("tampered write answered %d", status)
	}
	if diff := cmp.Diff("# keep\nA=other\nC=3\nZ=new", env("application.one", "applicationId", appID)); diff != "" {
		t.Errorf("tampered env (-want +got):\n%s", diff)
	}
	// Consumed: the next write is stored as sent.
	if save("A=1\nB=2") != 200 || env("application.one", "applicationId", appID) != "A=1\nB=2" {
		t.Error("the tamper was not consumed by one write")
	}

	// The control route arms a compose tamper.
	if status, _ := call("POST", "/__sim/faults/env-write-tamper", map[string]any{"id": composeID, "drop": []string{"SECRET_KEY"}}); status != 200 {
		t.Fatalf("control route: %d", status)
	}
	if status, _ := call("POST", "/__sim/faults/env-write-tamper", map[string]any{"id": "nope"}); status != 404 {
		t.Fatalf("control route, unknown id: %d", status)
	}
	if status, _ := call("POST", "/api/compose.update", map[string]any{"composeId": composeID, "env": "SECRET_KEY=x\nKEEP=1"}); status != 200 {
		t.Fatalf("compose update: %d", status)
	}
	if got := env("compose.one", "composeId", composeID); got != "KEEP=1" {
		t.Errorf("tampered compose env: %q", got)
	}
	// A refused write consumes nothing and stores nothing.
	if err := tp.TamperNextEnvWrite(appID, dokploysim.EnvTamper{Drop: []string{"A"}}); err != nil {
		t.Fatal(err)
	}
	if status, _ := call("POST", "/api/application.saveEnvironment", map[string]any{"applicationId": appID, "env": "A=9"}); status != 400 {
		t.Fatalf("invalid write answered %d", status)
	}
	if save("A=5") != 200 || env("application.one", "applicationId", appID) != "" {
		t.Errorf("tamper after a refused write: env %q", env("application.one", "applicationId", appID))
	}
}
