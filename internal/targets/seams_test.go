package targets_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/targets"
)

// TestRuntimeSeams: the tracked-route seam lists the targets a runtime
// route feeds by scope, and the target-env layer reads a complete route's
// env and skips a lane without one.
func TestRuntimeSeams(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store, _ *targets.Service) {
		ctx := context.Background()
		cmTesting := dokployTarget("cm", "testing")
		cmTesting.Env = map[string]string{"WORKERS": "2"}
		seed(t, s, putTarget(cmTesting), putID(targetID("cm", "testing", "app-1")),
			putTarget(dokployTarget("cm", "prod")), putTarget(dokployTarget("opw", "prod")))
		tracked := targets.TrackedRoutes(s)
		for _, tc := range []struct {
			route runtimeenv.Route
			want  []string
		}{
			{runtimeenv.Route{Scope: "global"}, []string{"cm/prod", "cm/testing", "opw/prod"}},
			{runtimeenv.Route{Scope: "context", Context: "cm"}, []string{"cm/prod", "cm/testing"}},
			{runtimeenv.Route{Scope: "instance", Context: "cm", Instance: "testing"}, []string{"cm/testing"}},
			{runtimeenv.Route{Scope: "instance", Context: "cm", Instance: "dev"}, []string{}},
		} {
			got, err := tracked(ctx, tc.route)
			if err != nil {
				t.Fatal(err)
			}
			names := []string{}
			for _, g := range got {
				names = append(names, g.String())
				if g.TargetType == "" || g.TargetName == "" {
					t.Errorf("%s: target without type or name: %+v", tc.route, g)
				}
			}
			if diff := cmp.Diff(tc.want, names); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.route, diff)
			}
		}
		env := targets.TargetEnv(s)
		got, err := env(ctx, "cm", "testing")
		if err != nil || got["WORKERS"] != "2" {
			t.Errorf("target env = %v, %v", got, err)
		}
		// cm/prod has no target-id record: not a complete tracked target.
		if got, err := env(ctx, "cm", "prod"); err != nil || got != nil {
			t.Errorf("incomplete route: %v, %v", got, err)
		}
		if _, err := targets.Resolve(ctx, s, "cm", "prod"); !errors.Is(err, targets.ErrNotTracked) {
			t.Errorf("resolve incomplete route: %v", err)
		}
	})
}
