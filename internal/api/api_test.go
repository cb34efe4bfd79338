package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/api"
	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/authz"
	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/oidctest"
	"github.com/launchplane/launchplane/internal/record/recordtest"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

const (
	audience              = "launchplane-test"
	workflowRef           = "acme/web/.github/workflows/deploy.yml@refs/heads/main"
	adminWorkflow         = "acme/ops/.github/workflows/authz.yml@refs/heads/main"
	terminalToken         = "terminal-agent-read-token-0123456789"
	evidenceOperatorToken = "local-operator-evidence-token-0123456789"
)

// testPolicy lets acme/web write and read evidence for product web in cm
// and verireel-testing, and lets acme/ops administer the policy.
const testPolicy = `
schema_version = 1

[[github_actions]]
repository = "acme/web"
workflow_refs = ["acme/web/.github/workflows/*.yml@*"]
products = ["web", "launchplane"]
contexts = ["cm", "verireel-testing"]
actions = ["deployment.write", "backup_gate.write", "promotion.write", "preview_generation.write",
  "preview_destroyed.write", "deployment.read", "promotion.read", "inventory.read", "preview.read",
  "operations.read", "artifact_protection.read"]

[[github_actions]]
repository = "acme/ops"
workflow_refs = ["acme/ops/.github/workflows/authz.yml@refs/heads/main"]
products = ["launchplane"]
contexts = ["launchplane"]
actions = ["authz_policy_grant.write", "launchplane_service.read"]

[[terminal_agents]]
subjects = ["owner"]
token_labels = ["read"]
products = ["launchplane"]
contexts = ["cm"]
actions = ["deployment.read", "deployment.write"]
`

type harness struct {
	t         testing.TB
	store     *sqlstore.Store
	authority *authz.Authority
	issuer    *oidctest.Issuer
	srv       *httptest.Server
	api       *api.API
}

// harnessOptions say how newHarnessWith builds the service. The zero value
// is an empty migrated store, no policy, OIDC callers only, an authorizer
// that reads the policy on every request, and no key ring.
type harnessOptions struct {
	// Policy is TOML seeded at bootstrap; "" seeds no policy.
	Policy string
	// CacheTTL is the authorizer's policy cache; 0 caches nothing.
	CacheTTL time.Duration
	// Static owner-agent tokens; nil disables that class.
	TerminalAgent, LocalOperator, LocalAdmin *authn.StaticToken
	// Ring is the API's SecretKeys; nil refuses secret bundles.
	Ring   *crypto.KeyRing
	Logger *slog.Logger
	// NoStore starts the API without its store and evidence service; the
	// policy still lives in one.
	NoStore bool
}

// ownerToken is a static owner-agent token for the subject "owner".
func ownerToken(token, label string) *authn.StaticToken {
	return &authn.StaticToken{Token: token, Subject: "owner", TokenLabel: label}
}

func newHarness(t testing.TB, url string) *harness {
	t.Helper()
	return newHarnessWithPolicy(t, url, testPolicy)
}

// newHarnessWithPolicy seeds policyTOML behind the service's one-second
// policy cache, with the terminal agent and the evidence operator.
func newHarnessWithPolicy(t testing.TB, url, policyTOML string) *harness {
	t.Helper()
	return newHarnessWith(t, url, harnessOptions{Policy: policyTOML, CacheTTL: time.Second, // as the service runs
		TerminalAgent: ownerToken(terminalToken, "read"), LocalOperator: ownerToken(evidenceOperatorToken, "write")})
}

// newHarnessWith is the one way the tests build the service: a migrated
// store at url, the seeded policy, an oidctest issuer and the API behind
// an httptest server, all closed when the test ends.
func newHarnessWith(t testing.TB, url string, o harnessOptions) *harness {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.OpenMigrated(ctx, url, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	authority := authz.NewAuthority(s, time.Now).WithCacheTTL(o.CacheTTL)
	if o.Policy != "" {
		policy, err := authz.DecodeTOML([]byte(o.Policy))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := authority.Seed(ctx, policy, "bootstrap-test"); err != nil {
			t.Fatal(err)
		}
	}
	issuer := oidctest.Start(t)
	authenticator, err := authn.New(ctx, authn.Config{Issuer: issuer.URL(), Audience: audience,
		TerminalAgent: o.TerminalAgent, LocalOperator: o.LocalOperator, LocalAdmin: o.LocalAdmin})
	if err != nil {
		t.Fatal(err)
	}
	deps := api.Deps{Authn: authenticator, Authz: api.PolicyAuthorizer{Authority: authority},
		Runtime: api.Runtime{ServiceAudience: audience}, SecretKeys: o.Ring, Logger: o.Logger}
	if !o.NoStore {
		deps.Store, deps.Evidence = s, evidence.New(s, time.Now)
	}
	a := api.New(deps)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return &harness{t: t, store: s, authority: authority, issuer: issuer, srv: srv, api: a}
}

// newKeyRing is the master key ring for spec (a passphrase or base64 key).
func newKeyRing(t testing.TB, spec string) *crypto.KeyRing {
	t.Helper()
	ring, err := crypto.NewMasterKeyRing(spec)
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

func eachEngine(t *testing.T, fn func(t *testing.T, h *harness)) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) { fn(t, newHarness(t, engine.URL(t))) })
	}
}

func (h *harness) token(repository, ref string) string {
	h.t.Helper()
	tok, err := h.issuer.Mint(oidctest.DefaultClaims(repository, ref, audience))
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (h *harness) do(method, path, bearer string, body []byte, headers ...string) response {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &out.body)
	return out
}

func deploymentBody(t *testing.T, id, context string) []byte {
	t.Helper()
	d := recordtest.Deployment(id, context, "testing", "art-1", "2026-04-16T08:00:00Z")
	b, err := json.Marshal(map[string]any{"schema_version": 1, "product": "web", "deployment": d})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (h *harness) deploymentCount() int {
	h.t.Helper()
	var n int
	if err := h.store.DB().QueryRow("SELECT COUNT(*) FROM launchplane_deployments").Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

func (h *harness) ledgerEntries() int {
	h.t.Helper()
	var n int
	if err := h.store.DB().QueryRow("SELECT COUNT(*) FROM launchplane_evidence_ledger").Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

func errorCode(r response) string {
	e, _ := r.body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func TestDeploymentEvidenceAccepted(t *testing.T) {
	eachEngine(t, func(t *testing.T, h *harness) {
		r := h.do("POST", "/v1/evidence/deployments", h.token("acme/web", workflowRef), deploymentBody(t, "dep-1", "cm"))
		if r.status != http.StatusAccepted {
			t.Fatalf("status %d: %s", r.status, r.raw)
		}
		want := map[string]any{"deployment_record_id": "dep-1", "inventory_record_id": "cm-testing"}
		if diff := cmp.Diff(want, r.body["records"]); diff != "" {
			t.Errorf("records (-want +got):\n%s", diff)
		}
		if r.body["status"] != "accepted" || !strings.HasPrefix(fmt.Sprint(r.body["trace_id"]), "launchplane_req_") {
			t.Errorf("envelope: %s", r.raw)
		}
		inv := h.do("GET", "/v1/inventory/cm/testing", h.token("acme/web", workflowRef), nil)
		if inv.status != http.StatusOK || inv.body["record"].(map[string]any)["deployment_record_id"] != "dep-1" {
			t.Errorf("inventory read: %d %s", inv.status, inv.raw)
		}
	})
}

func TestRejectedRequestsWriteNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, h *harness) {
		good := deploymentBody(t, "dep-1", "cm")
		type tc struct {
			name   string
			bearer string
			body   []byte
			status int
			code   string
		}
		var cases []tc
		for _, attack := range oidctest.Attacks() {
			tok, err := h.issuer.MintHostile(attack, oidctest.DefaultClaims("acme/web", workflowRef, audience))
			if err != nil {
				t.Fatal(err)
			}
			cases = append(cases, tc{"token " + string(attack), tok, good, 401, api.CodeAuthenticationNeeded})
		}
		unknownField := bytes.Replace(good, []byte(`"product":"web"`), []byte(`"product":"web","colour":"blue"`), 1)
		nestedUnknown := bytes.Replace(good, []byte(`"deploy":{`), []byte(`"deploy":{"colour":"blue",`), 1)
		cases = append(cases,
			tc{"no bearer", "", good, 401, api.CodeAuthenticationNeeded},
			tc{"no matching rule", h.token("evil/repo", "evil/repo/.github/workflows/x.yml@refs/heads/main"), good, 403, api.CodeAuthorizationDenied},
			tc{"context outside the rule", h.token("acme/web", workflowRef), deploymentBody(t, "dep-1", "opw"), 403, api.CodeAuthorizationDenied},
			tc{"terminal agent on POST", terminalToken, good, 403, api.CodeAuthorizationDenied},
			tc{"unknown envelope field", h.token("acme/web", workflowRef), unknownField, 400, api.CodeInvalidRequest},
			tc{"unknown record field", h.token("acme/web", workflowRef), nestedUnknown, 400, api.CodeInvalidRequest},
			tc{"empty body", h.token("acme/web", workflowRef), nil, 400, api.CodeInvalidRequest},
			tc{"oversized body", h.token("acme/web", workflowRef), append(good[:len(good)-1], []byte(`,"pad":"`+strings.Repeat("x", api.MaxBodyBytes)+`"}`)...), 413, api.CodeRequestTooLarge},
		)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := h.do("POST", "/v1/evidence/deployments", c.bearer, c.body)
				if r.status != c.status || errorCode(r) != c.code || r.body["status"] != "rejected" {
					t.Errorf("got %d %s, want %d %s", r.status, r.raw, c.status, c.code)
				}
				if n := h.deploymentCount(); n != 0 {
					t.Errorf("rejected request stored %d deployments", n)
				}
			})
		}
	})
}

func TestRoutingErrorsAreJSON(t *testing.T) {
	eachEngine(t, func(t *testing.T, h *harness) {
		r := h.do("GET", "/v1/nope", "", nil)
		if r.status != 404 || errorCode(r) != api.CodeNotFound || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("unknown path: %d %q %s", r.status, r.header.Get("Content-Type"), r.raw)
		}
		r = h.do("DELETE", "/v1/evidence/deployments", "", nil)
		if r.status != 405 || errorCode(r) != api.CodeMethodNotAllowed || r.header.Get("Allow") != "POST" {
			t.Errorf("wrong method: %d allow=%q %s", r.status, r.header.Get("Allow"), r.raw)
		}
		r = h.do("GET", "/v1/health", "", nil)
		if r.status != 200 || r.body["storage_backend"] != h.store.Backend() {
			t.Errorf("health: %d %s", r.status, r.raw)
		}
		r = h.do("GET", "/v1/deployments/missing", h.token("acme/web", workflowRef), nil)
		if r.status != 404 || errorCode(r) != api.CodeNotFound {
			t.Errorf("missing record: %d %s", r.status, r.raw)
		}
	})
}

func TestTerminalAgentReadsOnly(t *testing.T) {
	eachEngine(t, func(t *testing.T, h *harness) {
		if r := h.do("POST", "/v1/evidence/deployments", h.token("acme/web", workflowRef), deploymentBody(t, "dep-1", "cm")); r.status != 202 {
			t.Fatalf("seed: %d %s", r.status, r.raw)
		}
		if r := h.do("GET", "/v1/deployments/dep-1", terminalToken, nil); r.status != 200 {
			t.Errorf("terminal agent GET: %d %s", r.status, r.raw)
		}
	})
}

func TestIdempotency(t *testing.T) {
	eachEngine(t, func(t *testing.T, h *harness) {
		tok := h.token("acme/web", workflowRef)
		body := deploymentBody(t, "dep-1", "cm")
		first := h.do("POST", "/v1/evidence/deployments", tok, body, "Idempotency-Key", "k1")
		again := h.do("POST", "/v1/evidence/deployments", tok, body, "Idempotency-Key", "k1")
		if first.status != 202 || again.status != 202 || again.body["replayed"] != true || again.body["original_trace_id"] != first.body["trace_id"] {
			t.Fatalf("replay: %s / %s", first.raw, again.raw)
		}
		if diff := cmp.Diff(first.body["records"], again.body["records"]); diff != "" {
			t.Errorf("replayed records differ:\n%s", diff)
		}
		other := h.do("POST", "/v1/evidence/deployments", tok, deploymentBody(t, "dep-2", "cm"), "Idempotency-Key", "k1")
		if other.status != 409 || errorCode(other) != api.CodeIdempotencyKeyReused {
			t.Errorf("reused key: %d %s", other.status, other.raw)
		}
		if n := h.deploymentCount(); n != 1 {
			t.Errorf("want 1 deployment after replay and conflict, got %d", n)
		}
		// The seeded policy is one entry; the deployment and its inventory two.
		if n := h.ledgerEntries(); n != 3 {
			t.Errorf("a replay must have no side effect: %d ledger entries", n)
		}
	})
}

func TestConcurrentDuplicatesHaveOneEffect(t *testing.T) {
	eachEngine(t, func(t *testing.T, h *harness) {
		tok := h.token("acme/web", workflowRef)
		body := deploymentBody(t, "dep-1", "cm")
		const n = 100
		var wg sync.WaitGroup
		statuses := make(chan int, n)
		replays := make(chan bool, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := h.do("POST", "/v1/evidence/deployments", tok, body, "Idempotency-Key", "same-key")
				statuses <- r.status
				replays <- r.body["replayed"] == true
			}()
		}
		wg.Wait()
		close(statuses)
		close(replays)
		for s := range statuses {
			if s != 202 {
				t.Errorf("status %d", s)
			}
		}
		fresh := 0
		for r := range replays {
			if !r {
				fresh++
			}
		}
		var idem int
		if err := h.store.DB().QueryRow("SELECT COUNT(*) FROM launchplane_idempotency_records").Scan(&idem); err != nil {
			t.Fatal(err)
		}
		entries := h.ledgerEntries()
		if fresh != 1 || h.deploymentCount() != 1 || entries != 3 || idem != 1 {
			t.Errorf("want exactly one effect: fresh=%d deployments=%d ledger=%d idempotency=%d", fresh, h.deploymentCount(), entries, idem)
		}
	})
}
