package targets_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/targets"
)

func TestMutableAddonRepos(t *testing.T) {
	sha := "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		value string
		want  []string
	}{
		{"", nil},
		{"acme/addons@" + sha, nil},
		{"acme/addons@main", []string{"addons"}},
		{"https://x-access-token:ghp_SECRET@github.com/acme/private.git@" + sha, nil},
		{"https://x-access-token:ghp_SECRET@github.com/acme/private.git@main", []string{"private"}},
		{"git@github.com:acme/ssh-addons.git@" + sha + ", acme/other", []string{"other"}},
		{"acme/a@v1.2\nacme/b@" + sha[:7] + "\tacme/c@HEAD", []string{"a", "c"}},
	}
	for _, tc := range tests {
		got := targets.MutableAddonRepos(tc.value)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.value, diff)
		}
		for _, name := range got {
			if name == "ghp_SECRET" || len(name) > 40 {
				t.Errorf("%q: returned %q, which is not a bare repository name", tc.value, name)
			}
		}
	}
}
