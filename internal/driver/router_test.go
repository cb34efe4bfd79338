package driver

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
)

func TestNewRouterBuiltin(t *testing.T) {
	reg := Builtin()
	handlers := PendingHandlers(reg)
	deploy := HandlerFunc(func(context.Context, Call) (Outcome, error) { return Outcome{}, nil })
	handlers["/v1/drivers/generic-web/deploy"] = deploy
	rt, err := NewRouter(reg, handlers)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(rt.Routes()); got != 37 {
		t.Errorf("routes = %d, want 37", got)
	}
	r, ok := rt.Lookup("POST", "/v1/drivers/generic-web/deploy")
	if !ok || !r.Implemented || r.AuthzAction != "generic_web_deploy.execute" || r.DriverID != "generic-web" || r.ActionID != "stable_deploy" {
		t.Errorf("deploy route = %+v, %v", r, ok)
	}
	pending := rt.NotImplemented()
	if len(pending) != 36 {
		t.Errorf("not implemented = %d, want 36", len(pending))
	}
	for _, p := range pending {
		if p.Path == "/v1/drivers/generic-web/deploy" {
			t.Error("the registered route is listed as not implemented")
		}
	}
}

// TestNewRouterFailures covers every start-up failure of the router table.
func TestNewRouterFailures(t *testing.T) {
	reg := Builtin()
	noop := HandlerFunc(func(context.Context, Call) (Outcome, error) { return Outcome{}, nil })

	// A second driver describing a route another driver owns.
	thief := verireel()
	thief.DriverID, thief.Product, thief.ContextPatterns = "thief", "thief", nil
	thief.Actions[0].RoutePath = "/v1/drivers/generic-web/deploy"
	dupReg, err := NewRegistry(genericWeb(), odoo(), verireel(), thief)
	if err != nil {
		t.Fatal(err)
	}
	// One driver describing one route twice.
	twice := genericWeb()
	twice.Actions[1].RoutePath = twice.Actions[0].RoutePath
	twiceReg, err := NewRegistry(twice)
	if err != nil {
		t.Fatal(err)
	}
	// NewRegistry refuses a driver route without an authz action, so a
	// registry that slipped past it is built directly.
	noAuthz := genericWeb()
	noAuthz.Actions[2].AuthzAction = ""
	noAuthzReg := &Registry{drivers: []Descriptor{noAuthz}}

	without := func(reg *Registry, path string) map[string]Handler {
		h := PendingHandlers(reg)
		delete(h, path)
		return h
	}
	with := func(reg *Registry, path string, h Handler) map[string]Handler {
		hs := PendingHandlers(reg)
		hs[path] = h
		return hs
	}
	tests := []struct {
		name     string
		reg      *Registry
		handlers map[string]Handler
		want     string
	}{
		{"duplicate route across drivers", dupReg, PendingHandlers(dupReg), "route POST /v1/drivers/generic-web/deploy is declared twice: generic-web.stable_deploy and thief.testing_deploy"},
		{"duplicate route in one driver", twiceReg, PendingHandlers(twiceReg), "is declared twice"},
		{"missing authz action", noAuthzReg, PendingHandlers(noAuthzReg), "route POST /v1/drivers/generic-web/prod-promotion-workflow (generic-web.prod_promotion_workflow) has no authz_action"},
		{"POST route without a handler", reg, without(reg, "/v1/drivers/odoo/post-deploy"), "route POST /v1/drivers/odoo/post-deploy (odoo.post_deploy) has no handler"},
		{"nil handler", reg, with(reg, "/v1/drivers/odoo/post-deploy", nil), "has no handler"},
		{"handler for an undescribed route", reg, with(reg, "/v1/drivers/generic-web/deplyo", noop), "handler for /v1/drivers/generic-web/deplyo matches no described POST route"},
		{"no handlers at all", reg, nil, "has no handler"},
		{"no registry", nil, nil, "no registry"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt, err := NewRouter(tc.reg, tc.handlers)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewRouter() = %v, %v; want an error containing %q", rt, err, tc.want)
			}
		})
	}
}

type fakeCaller struct {
	deny  error
	calls [][2]string
}

func (f *fakeCaller) Authorize(_ context.Context, product, context string) error {
	f.calls = append(f.calls, [2]string{product, context})
	return f.deny
}

func (f *fakeCaller) Actor() string { return "test" }
func (f *fakeCaller) Browser() bool { return false }

func TestNotImplemented(t *testing.T) {
	reg := Builtin()
	rt, err := NewRouter(reg, PendingHandlers(reg))
	if err != nil {
		t.Fatal(err)
	}
	route, _ := rt.Lookup("POST", "/v1/drivers/odoo/post-deploy")
	denied := errors.New("denied")
	tests := []struct {
		name      string
		body      string
		deny      error
		wantErr   error
		wantScope [][2]string
	}{
		{"inner context", `{"schema_version":1,"product":"cm","post_deploy":{"context":"cm","instance":"testing"}}`, nil, ErrNotImplemented, [][2]string{{"cm", "cm"}}},
		{"top-level context", `{"product":"cm","context":"cm-testing","request_id":"r1"}`, nil, ErrNotImplemented, [][2]string{{"cm", "cm-testing"}}},
		{"no context", `{"product":"cm","instance":"prod"}`, nil, ErrNotImplemented, [][2]string{{"cm", "launchplane"}}},
		{"denied before 501", `{"product":"cm","post_deploy":{"context":"cm"}}`, denied, denied, [][2]string{{"cm", "cm"}}},
		{"no product", `{"post_deploy":{"context":"cm"}}`, nil, record.ErrInvalid, nil},
		{"not an object", `[1,2]`, nil, record.ErrInvalid, nil},
		{"empty", ``, nil, record.ErrInvalid, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			caller := &fakeCaller{deny: tc.deny}
			_, err := rt.Serve(context.Background(), route, Call{Body: []byte(tc.body), Caller: caller})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Serve() error = %v, want %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.wantScope, caller.calls); diff != "" {
				t.Errorf("authorized scopes (-want +got):\n%s", diff)
			}
			var ni *NotImplementedError
			if errors.As(err, &ni) && ni.Error() != "POST /v1/drivers/odoo/post-deploy (odoo.post_deploy) is described but not implemented in this build" {
				t.Errorf("message = %q", ni.Error())
			}
		})
	}
}

func TestServePassesTheRoute(t *testing.T) {
	reg := Builtin()
	var seen Route
	h := HandlerFunc(func(_ context.Context, call Call) (Outcome, error) {
		seen = call.Route
		return Outcome{Records: map[string]string{"deployment_record_id": "d1"}}, nil
	})
	rt, err := NewRouter(reg, func() map[string]Handler {
		hs := PendingHandlers(reg)
		hs["/v1/drivers/verireel/prod-deploy"] = h
		return hs
	}())
	if err != nil {
		t.Fatal(err)
	}
	out, err := rt.Serve(context.Background(), Route{Method: "POST", Path: "/v1/drivers/verireel/prod-deploy"}, Call{})
	if err != nil || out.Records["deployment_record_id"] != "d1" {
		t.Fatalf("Serve() = %v, %v", out, err)
	}
	if seen.AuthzAction != "verireel_prod_deploy.execute" || !seen.Implemented {
		t.Errorf("handler saw route %+v", seen)
	}
	if _, err := rt.Serve(context.Background(), Route{Method: "POST", Path: "/v1/drivers/none"}, Call{}); err == nil {
		t.Error("Serve of an unknown route succeeded")
	}
}
