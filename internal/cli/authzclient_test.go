package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/api"
	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/authz"
	"github.com/launchplane/launchplane/internal/cli"
	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/oidctest"
	"github.com/launchplane/launchplane/internal/record/recordtest"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

const (
	clientAudience = "launchplane-cli-test"
	clientAdminRef = "acme/ops/.github/workflows/authz.yml@refs/heads/main"
	clientNewRef   = "acme/api/.github/workflows/deploy.yml@refs/heads/main"
)

const clientPolicy = `
schema_version = 1

[[github_actions]]
repository = "acme/ops"
workflow_refs = ["acme/ops/.github/workflows/authz.yml@refs/heads/main"]
products = ["launchplane"]
contexts = ["launchplane"]
actions = ["authz_policy_grant.write"]

[[github_actions]]
repository = "acme/web"
workflow_refs = ["acme/web/.github/workflows/*.yml@*"]
products = ["web"]
contexts = ["cm"]
actions = ["deployment.write"]
`

// service is the real API over a real database, as the CLI client sees it.
type service struct {
	t      *testing.T
	url    string
	store  *sqlstore.Store
	issuer *oidctest.Issuer
}

func startService(t *testing.T, dbURL string) *service {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.OpenMigrated(ctx, dbURL, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	policy, err := authz.DecodeTOML([]byte(clientPolicy))
	if err != nil {
		t.Fatal(err)
	}
	// Cached like the service's authorizer (longer, so a grant must drop it).
	authority := authz.NewAuthority(s, time.Now).WithCacheTTL(time.Hour)
	if _, _, err := authority.Seed(ctx, policy, "bootstrap-test"); err != nil {
		t.Fatal(err)
	}
	issuer := oidctest.Start(t)
	authenticator, err := authn.New(ctx, authn.Config{Issuer: issuer.URL(), Audience: clientAudience})
	if err != nil {
		t.Fatal(err)
	}
	a := api.New(api.Deps{
		Store: s, Evidence: evidence.New(s, time.Now), Authn: authenticator,
		Authz: api.PolicyAuthorizer{Authority: authority}, Runtime: api.Runtime{ServiceAudience: clientAudience},
	})
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return &service{t: t, url: srv.URL, store: s, issuer: issuer}
}

func (s *service) token(repository, ref string) string {
	s.t.Helper()
	tok, err := s.issuer.Mint(oidctest.DefaultClaims(repository, ref, clientAudience))
	if err != nil {
		s.t.Fatal(err)
	}
	return tok
}

func (s *service) policyRecords() int {
	s.t.Helper()
	var n int
	if err := s.store.DB().QueryRow("SELECT COUNT(*) FROM launchplane_authz_policies").Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}

// postDeployment sends deployment evidence as the given workflow.
func (s *service) postDeployment(token, id string) int {
	s.t.Helper()
	body, err := json.Marshal(map[string]any{"schema_version": 1, "product": "web",
		"deployment": recordtest.Deployment(id, "cm", "testing", "art-1", "2026-04-16T08:00:00Z")})
	if err != nil {
		s.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, s.url+"/v1/evidence/deployments", bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

type run struct {
	code           int
	stdout, stderr string
	out            map[string]any
}

// launchplane runs the CLI in-process with token as $LAUNCHPLANE_TOKEN.
func launchplane(t *testing.T, token string, args ...string) run {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := map[string]string{"LAUNCHPLANE_TOKEN": token}
	code := cli.Main(context.Background(), args, cli.Env{
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string { return env[k] }, Now: time.Now,
	})
	r := run{code: code, stdout: stdout.String(), stderr: stderr.String()}
	_ = json.Unmarshal(stdout.Bytes(), &r.out)
	if token != "" && (strings.Contains(r.stdout, token) || strings.Contains(r.stderr, token)) {
		t.Errorf("launchplane %s printed the token", strings.Join(args, " "))
	}
	return r
}

func get(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		obj, _ := v.(map[string]any)
		v = obj[p]
	}
	return v
}

func TestAuthzClientAgainstService(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			s := startService(t, engine.URL(t))
			admin := s.token("acme/ops", clientAdminRef)
			newcomer := s.token("acme/api", clientNewRef)
			rule := []string{"--repository", "acme/api", "--workflow-ref", clientNewRef, "--product", "web", "--context", "cm", "--action", "deployment.write"}
			grant := func(token string, extra ...string) run {
				return launchplane(t, token, append(append([]string{"authz-policies", "grant-workflow", "--service-url", s.url}, rule...), extra...)...)
			}
			before := s.policyRecords()

			if r := grant("", "--dry-run"); r.code != cli.ExitFailed || !strings.Contains(r.stderr, "LAUNCHPLANE_TOKEN is not set") || r.stdout != "" {
				t.Errorf("no token: %+v", r)
			}
			for name, extra := range map[string][]string{
				"apply without reason": {"--apply"},
				"neither mode":         {},
				"both modes":           {"--apply", "--dry-run", "--reason", "x"},
			} {
				if r := grant(admin, extra...); r.code != cli.ExitUsage {
					t.Errorf("%s: exit %d, stderr %q", name, r.code, r.stderr)
				}
			}
			if r := launchplane(t, admin, "authz-policies", "grant-workflow", "--service-url", "ftp://x", "--dry-run", "--repository", "a/b"); r.code != cli.ExitUsage {
				t.Errorf("ftp service url: exit %d %q", r.code, r.stderr)
			}

			dry := grant(admin, "--dry-run")
			if dry.code != cli.ExitOK || get(dry.out, "result", "mode") != "dry_run" || get(dry.out, "result", "changed") != true ||
				!strings.HasPrefix(dry.stdout, "{\n  \"records\": {") {
				t.Fatalf("dry run: %+v", dry)
			}
			if s.policyRecords() != before || s.postDeployment(newcomer, "dep-1") != http.StatusForbidden {
				t.Fatalf("a dry run changed the policy")
			}

			applied := grant(admin, "--apply", "--reason", "onboard acme/api", "--related-issue", "#7", "--idempotency-key", "cli-1")
			if applied.code != cli.ExitOK || get(applied.out, "records", "authz_policy_changed") != "true" || get(applied.out, "status") != "accepted" {
				t.Fatalf("apply: %+v", applied)
			}
			if strings.Contains(applied.stdout, clientNewRef) || strings.Contains(applied.stdout, clientAdminRef) {
				t.Errorf("response echoes a workflow ref: %s", applied.stdout)
			}
			if code := s.postDeployment(newcomer, "dep-1"); code != http.StatusAccepted {
				t.Errorf("granted workflow after apply: %d", code)
			}
			replay := grant(admin, "--apply", "--reason", "onboard acme/api", "--related-issue", "#7", "--idempotency-key", "cli-1")
			if replay.code != cli.ExitOK || get(replay.out, "replayed") != true {
				t.Errorf("replay: %+v", replay)
			}
			if n := s.policyRecords(); n != before+1 {
				t.Errorf("want one new policy record, got %d", n-before)
			}

			denied := grant(s.token("acme/web", "acme/web/.github/workflows/deploy.yml@refs/heads/main"), "--dry-run")
			if denied.code != cli.ExitFailed || get(denied.out, "status") != "rejected" || !strings.Contains(denied.stderr, "authorization_denied") {
				t.Errorf("non-admin: %+v", denied)
			}

			remove := func(extra ...string) run {
				return launchplane(t, admin, append(append([]string{"authz-policies", "remove-workflow-rule", "--service-url", s.url + "/"}, rule...), extra...)...)
			}
			if r := remove("--dry-run"); r.code != cli.ExitOK || get(r.out, "result", "diff", "matched_rule_count") != 1.0 {
				t.Errorf("removal dry run: %+v", r)
			}
			partial := launchplane(t, admin, "authz-policies", "remove-workflow-rule", "--service-url", s.url, "--dry-run", "--repository", "acme/api", "--action", "deployment.write")
			if partial.code != cli.ExitOK || get(partial.out, "result", "diff", "matched_rule_count") != 0.0 {
				t.Errorf("partial removal: %+v", partial)
			}
			if r := remove("--apply", "--reason", "offboard"); r.code != cli.ExitOK || get(r.out, "result", "changed") != true {
				t.Errorf("removal apply: %+v", r)
			}
			if code := s.postDeployment(newcomer, "dep-2"); code != http.StatusForbidden {
				t.Errorf("removed workflow still accepted: %d", code)
			}
			lastAdmin := launchplane(t, admin, "authz-policies", "remove-workflow-rule", "--service-url", s.url, "--apply", "--reason", "oops",
				"--repository", "acme/ops", "--workflow-ref", clientAdminRef, "--product", "launchplane", "--context", "launchplane", "--action", "authz_policy_grant.write")
			if lastAdmin.code != cli.ExitFailed || !strings.Contains(lastAdmin.stderr, "conflict") {
				t.Errorf("last admin removal: %+v", lastAdmin)
			}

			human := launchplane(t, admin, "authz-policies", "grant-human", "--service-url", s.url, "--apply", "--reason", "onboard",
				"--login", "hidden-login-5", "--role", "admin", "--product", "launchplane", "--context", "launchplane", "--action", "product_profile.read")
			if human.code != cli.ExitOK || get(human.out, "result", "authz_policy", "github_humans_rule_count") != 1.0 ||
				strings.Contains(human.stdout, "hidden-login-5") {
				t.Errorf("grant-human: %+v", human)
			}
			badRole := launchplane(t, admin, "authz-policies", "grant-human", "--service-url", s.url, "--dry-run",
				"--login", "x", "--role", "owner", "--action", "product_profile.read")
			if badRole.code != cli.ExitFailed || !strings.Contains(badRole.stderr, "invalid_request") {
				t.Errorf("grant-human with a bad role: %+v", badRole)
			}
		})
	}
}

func TestAuthzClientUnreachableService(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	r := launchplane(t, "some-token-value", "authz-policies", "grant-workflow", "--service-url", url, "--dry-run", "--repository", "a/b", "--action", "x")
	if r.code != cli.ExitFailed || !strings.Contains(r.stderr, "post /v1/authz-policies/github-actions/grants") {
		t.Errorf("unreachable: %+v", r)
	}
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "bad gateway", http.StatusBadGateway) }))
	defer plain.Close()
	r = launchplane(t, "some-token-value", "authz-policies", "grant-workflow", "--service-url", plain.URL, "--dry-run", "--repository", "a/b", "--action", "x")
	if r.code != cli.ExitFailed || !strings.Contains(r.stderr, "HTTP 502") || r.stdout != "" {
		t.Errorf("non-JSON response: %+v", r)
	}
}
