package dokploysim_test

import (
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/dokploysim"
)

// TestGitComposeRetitledOnDone: a git-sourced compose's deployment keeps
// the caller's title while running and is renamed after the commit when it
// completes, as Dokploy does; a raw compose keeps its title.
func TestGitComposeRetitledOnDone(t *testing.T) {
	for _, tc := range []struct {
		source  string
		renamed bool
	}{{"github", true}, {"raw", false}} {
		t.Run(tc.source, func(t *testing.T) {
			h := newHarness(t, dokploysim.Config{QueueDelay: time.Second, BuildDuration: 2 * time.Second})
			var c struct {
				ComposeID string `json:"composeId"`
			}
			mustOK(t, h.post("/api/compose.create", map[string]any{"name": "web", "environmentId": h.sim.DefaultEnvironmentID()}), &c)
			if tc.source == "raw" {
				mustOK(t, h.post("/api/compose.update", map[string]any{"composeId": c.ComposeID, "sourceType": "raw", "composeFile": "services:\n  web:\n    image: x\n"}), nil)
			}
			mustOK(t, h.post("/api/compose.deploy", map[string]any{"composeId": c.ComposeID, "title": "lp-op-7"}), nil)
			title := func() (string, string) {
				var rows []struct {
					Title  string `json:"title"`
					Status string `json:"status"`
				}
				mustOK(t, h.get("/api/deployment.allByCompose?composeId="+c.ComposeID), &rows)
				if len(rows) != 1 {
					t.Fatalf("%d rows", len(rows))
				}
				return rows[0].Title, rows[0].Status
			}
			h.clock.Advance(1500 * time.Millisecond)
			if got, status := title(); got != "lp-op-7" || status != "running" {
				t.Errorf("running row = %q %s", got, status)
			}
			h.clock.Advance(2 * time.Second)
			got, status := title()
			if status != "done" || (got != "lp-op-7") != tc.renamed {
				t.Errorf("done row = %q %s, renamed want %v", got, status, tc.renamed)
			}
		})
	}
}
