package authn_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/authn"
)

func TestStaticTokens(t *testing.T) {
	f := newFixture(t)
	admin := authn.Identity{Type: authn.TypeLocalAdmin, Subject: "owner", TokenLabel: "local-owner-admin"}
	operator := authn.Identity{Type: authn.TypeLocalOperator, Subject: "owner", TokenLabel: "local-owner-write"}
	agent := authn.Identity{Type: authn.TypeTerminalAgent, Subject: "owner", TokenLabel: "local-owner-read"}

	tests := []struct {
		name    string
		method  string
		token   string
		want    authn.Identity
		wantErr error
	}{
		{"local admin GET", "GET", adminToken, admin, nil},
		{"local admin POST", "POST", adminToken, admin, nil},
		{"local operator GET", "GET", operatorToken, operator, nil},
		{"local operator POST", "POST", operatorToken, operator, nil},
		{"terminal agent GET", "GET", agentToken, agent, nil},
		// Refused with the identity, so the refusal can be logged.
		{"terminal agent POST", "POST", agentToken, agent, authn.ErrReadOnlyIdentity},
		{"terminal agent HEAD", "HEAD", agentToken, agent, authn.ErrReadOnlyIdentity},
		{"terminal agent DELETE", "DELETE", agentToken, agent, authn.ErrReadOnlyIdentity},
		{"terminal agent lowercase get", "get", agentToken, agent, authn.ErrReadOnlyIdentity},
		// Near misses fall through to JWT verification and fail there.
		{"wrong token", "GET", "lp-admin-not-the-configured-one", authn.Identity{}, authn.ErrUnauthenticated},
		{"token prefix", "GET", adminToken[:len(adminToken)-1], authn.Identity{}, authn.ErrUnauthenticated},
		{"token plus suffix", "GET", adminToken + "x", authn.Identity{}, authn.ErrUnauthenticated},
		{"case changed", "GET", strings.ToUpper(adminToken), authn.Identity{}, authn.ErrUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.auth.Authenticate(t.Context(), tt.method, "Bearer "+tt.token)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			if errors.Is(err, authn.ErrReadOnlyIdentity) && errors.Is(err, authn.ErrUnauthenticated) {
				t.Errorf("read-only refusal %v also wraps ErrUnauthenticated; it must map to 403, not 401", err)
			}
			if err != nil && strings.Contains(err.Error(), tt.token) {
				t.Errorf("error %q leaks the token", err)
			}
		})
	}
}

func TestStaticTokensAbsent(t *testing.T) {
	iss := newFixture(t).iss
	cfg := config(iss)
	cfg.LocalAdmin, cfg.TerminalAgent = nil, nil
	auth, err := authn.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{adminToken, agentToken} {
		if _, err := auth.Authenticate(t.Context(), "GET", "Bearer "+tok); !errors.Is(err, authn.ErrUnauthenticated) {
			t.Errorf("unconfigured token accepted: %v", err)
		}
	}
	if _, err := auth.Authenticate(t.Context(), "POST", "Bearer "+operatorToken); err != nil {
		t.Errorf("configured operator token refused: %v", err)
	}
}

func TestActor(t *testing.T) {
	tests := []struct {
		id   authn.Identity
		want string
	}{
		{authn.Identity{Type: authn.TypeGitHubActions, Repository: "acme/shop", WorkflowRef: "w@refs/heads/main", JobWorkflowRef: "j@x"},
			"github-actions:acme/shop:w@refs/heads/main"},
		{authn.Identity{Type: authn.TypeGitHubActions, Repository: "acme/shop", JobWorkflowRef: "j@x"},
			"github-actions:acme/shop:j@x"},
		{authn.Identity{Type: authn.TypeGitHubHuman, Login: "octocat"}, "github:octocat"},
		{authn.Identity{Type: authn.TypeLocalAdmin, Subject: "s", TokenLabel: "l"}, "local-admin:s:l"},
		{authn.Identity{Type: authn.TypeLocalOperator, Subject: "s", TokenLabel: "l"}, "local-operator:s:l"},
		{authn.Identity{Type: authn.TypeTerminalAgent, Subject: "s", TokenLabel: "l"}, "terminal-agent:s:l"},
		{authn.Identity{}, "unknown:"},
	}
	for _, tt := range tests {
		if got := tt.id.Actor(); got != tt.want {
			t.Errorf("%+v.Actor() = %q, want %q", tt.id, got, tt.want)
		}
	}
}

func TestLogValue(t *testing.T) {
	var buf strings.Builder
	id := authn.Identity{
		Type:        authn.TypeGitHubActions,
		Repository:  "acme/shop",
		WorkflowRef: "w",
		RawClaims:   []byte(`{"secretish":"do-not-log"}`),
	}
	slog.New(slog.NewTextHandler(&buf, nil)).Info("call", "identity", id)
	got := buf.String()
	if !strings.Contains(got, "identity.actor=github-actions:acme/shop:w") || strings.Contains(got, "do-not-log") {
		t.Errorf("log line %q: want the actor and no raw claims", got)
	}
}
