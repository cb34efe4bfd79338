package authn_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/oidctest"
)

// FuzzAuthenticateHeader holds Authenticate to its contract on arbitrary
// input: it never panics, never authenticates anything but a configured
// static token, refuses with ErrUnauthenticated and the zero Identity, and
// never echoes the presented token in the error.
//
// The committed corpus holds fixed headers; hostile tokens minted against
// this run's fresh keys are added as seeds here.
func FuzzAuthenticateHeader(f *testing.F) {
	fx := newFixture(f)
	for _, a := range oidctest.Attacks() {
		tok, err := fx.iss.MintHostile(a, defaultClaims())
		if err != nil {
			f.Fatal(err)
		}
		f.Add("POST", "Bearer "+tok)
	}
	static := map[string]bool{adminToken: true, operatorToken: true, agentToken: true}

	f.Fuzz(func(t *testing.T, method, header string) {
		id, err := fx.auth.Authenticate(t.Context(), method, header)
		token, isBearer := strings.CutPrefix(header, "Bearer ")
		if isBearer && static[token] {
			// The fuzzer guessed a configured token: the one input allowed
			// to succeed.
			return
		}
		if err == nil {
			t.Fatalf("authenticated %q as %+v", header, id)
		}
		if !errors.Is(err, authn.ErrUnauthenticated) {
			t.Fatalf("error %v does not wrap ErrUnauthenticated", err)
		}
		if diff := cmp.Diff(authn.Identity{}, id); diff != "" {
			t.Fatalf("identity returned with an error (-want +got):\n%s", diff)
		}
		// Shorter tokens can collide with the fixed reason words.
		if len(token) >= 24 && strings.Contains(err.Error(), token) {
			t.Fatalf("error %q echoes the token", err)
		}
	})
}
