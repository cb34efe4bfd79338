package dokploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/dokploysim"
)

// shipApp creates a docker application and deploys it to done.
func shipApp(t *testing.T, sim *dokploysim.Sim, c *dokploy.Client, clock *simClock) *dokploy.Application {
	t.Helper()
	ctx := context.Background()
	app, err := c.CreateApplication(ctx, dokploy.CreateApplicationInput{Name: "web", EnvironmentID: sim.DefaultEnvironmentID(), AppName: "demo-web"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SaveDockerProvider(ctx, dokploy.SaveDockerProviderInput{ApplicationID: app.ApplicationID, DockerImage: ptr("ghcr.io/acme/web@sha256:abc")}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeployApplication(ctx, app.ApplicationID, "op", ""); err != nil {
		t.Fatal(err)
	}
	clock.add(4 * time.Second)
	return app
}

// rawPost calls a simulator procedure the client does not wrap.
func rawPost(t *testing.T, base, proc string, in, out any) {
	t.Helper()
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/"+proc, bytes.NewReader(b))
	req.Header.Set("x-api-key", simKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s: status %d", proc, resp.StatusCode)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

func apiErr(t *testing.T, err error) *dokploy.APIError {
	t.Helper()
	var e *dokploy.APIError
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *APIError", err)
	}
	return e
}

func TestApplicationLogsAgainstSimulator(t *testing.T) {
	ctx := context.Background()
	sim, c, clock, _ := newSim(t)
	app, err := c.CreateApplication(ctx, dokploy.CreateApplicationInput{Name: "web", EnvironmentID: sim.DefaultEnvironmentID()})
	if err != nil {
		t.Fatal(err)
	}
	// Never deployed: Dokploy's plain Error, a 500 with its message. It is
	// transient by status, so the query was retried and still failed.
	_, err = c.ApplicationLogs(ctx, app.ApplicationID, 0, "", "")
	if e := apiErr(t, err); e.Status != 500 || e.Message != "No container or service found for: "+app.AppName {
		t.Fatalf("logs before deploy: %v", err)
	}
	if !errors.Is(err, dokploy.ErrTransient) {
		t.Errorf("a 500 is not marked transient: %v", err)
	}

	app = shipApp(t, sim, c, clock)
	if err := sim.AppendLog(app.ApplicationID, "worker ready\nDB_PASSWORD=hunter2"); err != nil {
		t.Fatal(err)
	}
	logs, err := c.ApplicationLogs(ctx, app.ApplicationID, 2, "all", "")
	if err != nil {
		t.Fatal(err)
	}
	want := "2026-11-27T08:00:04.000000000Z worker ready\n2026-11-27T08:00:04.000000000Z DB_PASSWORD=hunter2\n"
	if diff := cmp.Diff(want, logs); diff != "" {
		t.Errorf("tail 2 (-want +got):\n%s", diff)
	}
	if logs, err = c.ApplicationLogs(ctx, app.ApplicationID, 0, "1h", "WORKER"); err != nil || !strings.HasSuffix(logs, " worker ready\n") || strings.Count(logs, "\n") != 1 {
		t.Errorf("search: %q, %v", logs, err)
	}
	_, err = c.ApplicationLogs(ctx, app.ApplicationID, 0, "", "no such text")
	if e := apiErr(t, err); e.Status != 500 || !strings.HasPrefix(e.Message, "Command failed:") {
		t.Errorf("search without a match: %v", err)
	}
	if _, err := c.ApplicationLogs(ctx, "no-such-app", 0, "", ""); !dokploy.IsNotFound(err) {
		t.Errorf("unknown application: %v", err)
	}
	// Client-side checks mirror the server's schema: nothing is sent.
	before := len(sim.Requests())
	for _, bad := range []struct {
		tail          int
		since, search string
	}{{10001, "", ""}, {-1, "", ""}, {0, "10 minutes", ""}, {0, "", "a|b"}} {
		if _, err := c.ApplicationLogs(ctx, app.ApplicationID, bad.tail, bad.since, bad.search); err == nil {
			t.Errorf("ApplicationLogs(%+v) = nil error", bad)
		}
	}
	if n := len(sim.Requests()) - before; n != 0 {
		t.Errorf("%d requests sent for invalid log queries", n)
	}
}

func TestComposeLogsAgainstSimulator(t *testing.T) {
	ctx := context.Background()
	sim, c, clock, base := newSim(t)
	var cm struct {
		ComposeID string `json:"composeId"`
		AppName   string `json:"appName"`
	}
	rawPost(t, base, "compose.create", map[string]any{"name": "odoo", "environmentId": sim.DefaultEnvironmentID()}, &cm)
	rawPost(t, base, "compose.update", map[string]any{"composeId": cm.ComposeID, "sourceType": "raw",
		"composeFile": "services:\n  web:\n    image: odoo\n  database:\n    image: postgres\n"}, nil)

	if cs, err := c.ComposeContainers(ctx, cm.AppName); err != nil || len(cs) != 0 {
		t.Fatalf("containers before deploy: %v, %v", cs, err)
	}
	if _, err := c.DeployCompose(ctx, cm.ComposeID, "op", ""); err != nil {
		t.Fatal(err)
	}
	clock.add(4 * time.Second)
	cs, err := c.ComposeContainers(ctx, cm.AppName)
	if err != nil || len(cs) != 2 || cs[0].Name != cm.AppName+"-web-1" || cs[0].State != "running" {
		t.Fatalf("containers: %+v, %v", cs, err)
	}
	if err := sim.AppendLog(cm.ComposeID, "odoo.http: Authorization: Bearer abc.def"); err != nil {
		t.Fatal(err)
	}
	logs, err := c.ComposeLogs(ctx, cm.ComposeID, cs[0].ContainerID, 1, "", "")
	if err != nil || logs != "2026-11-27T08:00:04.000000000Z odoo.http: Authorization: Bearer abc.def\n" {
		t.Errorf("compose logs: %q, %v", logs, err)
	}
	_, err = c.ComposeLogs(ctx, cm.ComposeID, "ffffffffffff", 0, "", "")
	if e := apiErr(t, err); e.Status != 500 || e.Message != "No container or service found for: ffffffffffff" {
		t.Errorf("unknown container: %v", err)
	}
	if _, err := c.ComposeLogs(ctx, "no-such-compose", cs[0].ContainerID, 0, "", ""); !dokploy.IsNotFound(err) {
		t.Errorf("unknown compose: %v", err)
	}
	if _, err := c.ComposeLogs(ctx, cm.ComposeID, "", 0, "", ""); err == nil {
		t.Error("empty container id accepted")
	}
}

func TestDeploymentLogsAndByTypeAgainstSimulator(t *testing.T) {
	ctx := context.Background()
	sim, c, clock, _ := newSim(t)
	app := shipApp(t, sim, c, clock)
	deps, err := c.DeploymentsByType(ctx, app.ApplicationID, "application")
	if err != nil || len(deps) != 1 || deps[0].Status != dokploy.StatusDone || deps[0].ApplicationID != app.ApplicationID {
		t.Fatalf("allByType: %+v, %v", deps, err)
	}
	if none, err := c.DeploymentsByType(ctx, app.ApplicationID, "schedule"); err != nil || len(none) != 0 {
		t.Errorf("allByType schedule: %+v, %v", none, err)
	}
	logs, err := c.DeploymentLogs(ctx, deps[0].DeploymentID, 0)
	if err != nil || !strings.HasPrefix(logs, "Initializing deployment\n") || !strings.HasSuffix(logs, "Deployment done ✅\n") {
		t.Errorf("deployment logs: %q, %v", logs, err)
	}
	if logs, err = c.DeploymentLogs(ctx, deps[0].DeploymentID, 1); err != nil || logs != "Deployment done ✅\n" {
		t.Errorf("tail 1: %q, %v", logs, err)
	}
	if _, err := c.DeploymentLogs(ctx, "no-such-deployment", 0); !dokploy.IsNotFound(err) {
		t.Errorf("unknown deployment: %v", err)
	}
}

func TestDomainsAgainstSimulator(t *testing.T) {
	ctx := context.Background()
	sim, c, _, base := newSim(t)
	app, err := c.CreateApplication(ctx, dokploy.CreateApplicationInput{Name: "web", EnvironmentID: sim.DefaultEnvironmentID()})
	if err != nil {
		t.Fatal(err)
	}
	port := 8080
	d, err := c.CreateDomain(ctx, dokploy.CreateDomainInput{Host: "web.example.com", Port: &port, HTTPS: true, CertificateType: "letsencrypt", ApplicationID: app.ApplicationID})
	if err != nil {
		t.Fatal(err)
	}
	if d.Host != "web.example.com" || *d.Port != 8080 || *d.Path != "/" || d.CertificateType != "letsencrypt" || *d.ApplicationID != app.ApplicationID {
		t.Errorf("created: %+v", d)
	}
	ds, err := c.ApplicationDomains(ctx, app.ApplicationID)
	if err != nil || len(ds) != 1 || ds[0].DomainID != d.DomainID {
		t.Fatalf("application domains: %+v, %v", ds, err)
	}

	var cm struct{ ComposeID string }
	rawPost(t, base, "compose.create", map[string]any{"name": "odoo", "environmentId": sim.DefaultEnvironmentID()}, &cm)
	cd, err := c.CreateDomain(ctx, dokploy.CreateDomainInput{Host: "odoo.example.com", ComposeID: cm.ComposeID, ServiceName: "web", DomainType: "compose"})
	if err != nil || *cd.ServiceName != "web" || *cd.DomainType != "compose" {
		t.Fatalf("compose domain: %+v, %v", cd, err)
	}
	if ds, err := c.ComposeDomains(ctx, cm.ComposeID); err != nil || len(ds) != 1 || ds[0].DomainID != cd.DomainID {
		t.Errorf("compose domains: %+v, %v", ds, err)
	}

	// Server-side rules, reached by bypassing the client's own checks.
	_, err = c.CreateDomain(ctx, dokploy.CreateDomainInput{Host: "web.example.com", Port: ptrInt(0), ApplicationID: app.ApplicationID})
	if e := apiErr(t, err); e.Status != 400 || e.Code != dokploy.CodeBadRequest || e.FieldErrors["port"][0] != "Port must be at least 1" {
		t.Errorf("port 0: %v", err)
	}
	_, err = c.CreateDomain(ctx, dokploy.CreateDomainInput{Host: "x.example.com", ApplicationID: "no-such-app"})
	if e := apiErr(t, err); e.Status != 400 || e.Message != "Application not found" {
		t.Errorf("unknown application: %v", err)
	}
	if _, err := c.ApplicationDomains(ctx, "no-such-app"); !dokploy.IsNotFound(err) {
		t.Errorf("domains of an unknown application: %v", err)
	}
	// Client-side refusals send nothing.
	before := len(sim.Requests())
	for _, in := range []dokploy.CreateDomainInput{
		{Host: "web.example.com:443", ApplicationID: app.ApplicationID},
		{Host: "https://web.example.com", ApplicationID: app.ApplicationID},
		{Host: " web.example.com", ApplicationID: app.ApplicationID},
		{Host: "web.example.com"},
		{Host: "web.example.com", ApplicationID: app.ApplicationID, ComposeID: cm.ComposeID},
	} {
		if _, err := c.CreateDomain(ctx, in); err == nil {
			t.Errorf("CreateDomain(%+v) = nil error", in)
		}
	}
	if n := len(sim.Requests()) - before; n != 0 {
		t.Errorf("%d requests sent for refused domains", n)
	}

	if err := c.DeleteDomain(ctx, d.DomainID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteDomain(ctx, d.DomainID); !dokploy.IsNotFound(err) {
		t.Errorf("second delete: %v", err)
	}
	if ds, err := c.ApplicationDomains(ctx, app.ApplicationID); err != nil || len(ds) != 0 {
		t.Errorf("after delete: %+v, %v", ds, err)
	}
}

func ptrInt(v int) *int { return &v }
