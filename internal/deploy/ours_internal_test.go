package deploy

import (
	"testing"

	"github.com/launchplane/launchplane/internal/dokploy"
)

// TestOurs pins which deployment row the wait follows.
func TestOurs(t *testing.T) {
	const title = "Launchplane ship deployment-1"
	before := existing{"old": true}
	row := func(id, title, status string) dokploy.Deployment {
		return dokploy.Deployment{DeploymentID: id, Title: title, Status: status}
	}
	tests := []struct {
		name    string
		ds      []dokploy.Deployment
		seen    string
		renames bool
		want    string // "" = none
	}{
		{"our titled row", []dokploy.Deployment{row("new", title, "running"), row("old", title, "done")}, "", false, "new"},
		{"an old titled row is not ours", []dokploy.Deployment{row("old", title, "done")}, "", true, ""},
		{"a foreign finished row, not renaming", []dokploy.Deployment{row("f", "webhook", "done")}, "", false, ""},
		{"followed by id after a rename", []dokploy.Deployment{row("new", "Commit: abc", "done")}, "new", true, "new"},
		{"our titled row beats a finished foreign one", []dokploy.Deployment{row("f", "webhook", "done"), row("new", title, "running")}, "", true, "new"},
		{"a running untitled row is never ours", []dokploy.Deployment{row("f", "webhook", "running")}, "", true, ""},
		{"renamed before seen: the one finished new row", []dokploy.Deployment{row("new", "Commit: abc", "done"), row("old", "x", "done")}, "", true, "new"},
		{"two finished new rows: no guess", []dokploy.Deployment{row("a", "Commit: a", "done"), row("b", "Commit: b", "error")}, "", true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := ours(tc.ds, tc.seen, title, before, tc.renames)
			got := ""
			if ok {
				got = d.DeploymentID
			}
			if got != tc.want {
				t.Errorf("ours = %q, want %q", got, tc.want)
			}
		})
	}
}
