package authz

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func policyDoc(repo string) string {
	return "schema_version = 1\n[[github_actions]]\nrepository = \"" + repo + "\"\nactions = [\"deployment.write\"]\n"
}

func TestLoadBootstrap(t *testing.T) {
	flagFile := writeFile(t, "flag.toml", policyDoc("from/flag"))
	envFile := writeFile(t, "env.toml", policyDoc("from/file"))
	b64 := base64.StdEncoding.EncodeToString([]byte(policyDoc("from/b64")))
	example := policyDoc("from/example") + "# " + ExampleMarker + "\n"
	exampleNamed := writeFile(t, "authz-policy.example.toml", policyDoc("ok/content"))
	exampleBare := writeFile(t, "policy.example", policyDoc("ok/content"))
	exampleContent := writeFile(t, "copied.toml", example)

	tests := []struct {
		name      string
		src       BootstrapSource
		wantRepo  string
		wantLabel string
		wantErr   error
		errText   string
	}{
		{name: "flag wins over everything", src: BootstrapSource{PolicyFile: flagFile, TOML: policyDoc("from/toml"), B64: b64, File: envFile}, wantRepo: "from/flag", wantLabel: LabelPolicyFileFlag},
		{name: "toml text next", src: BootstrapSource{TOML: policyDoc("from/toml"), B64: b64, File: envFile}, wantRepo: "from/toml", wantLabel: LabelPolicyTOML},
		{name: "b64 next", src: BootstrapSource{TOML: "  \n", B64: b64, File: envFile}, wantRepo: "from/b64", wantLabel: LabelPolicyB64},
		{name: "b64 line-wrapped and unpadded", src: BootstrapSource{B64: wrap(strings.TrimRight(b64, "="), 20)}, wantRepo: "from/b64", wantLabel: LabelPolicyB64},
		{name: "file last", src: BootstrapSource{File: envFile}, wantRepo: "from/file", wantLabel: LabelPolicyFile},
		{name: "nothing set", src: BootstrapSource{PolicyFile: " ", TOML: "", B64: "\t"}, wantErr: ErrNoBootstrapPolicy, errText: "--policy-file, LAUNCHPLANE_POLICY_TOML, LAUNCHPLANE_POLICY_B64 or LAUNCHPLANE_POLICY_FILE"},
		{name: "example by .example.toml name", src: BootstrapSource{PolicyFile: exampleNamed}, wantErr: ErrExamplePolicy},
		{name: "example by .example name", src: BootstrapSource{File: exampleBare}, wantErr: ErrExamplePolicy},
		{name: "example marker in a file", src: BootstrapSource{File: exampleContent}, wantErr: ErrExamplePolicy},
		{name: "example marker in toml text", src: BootstrapSource{TOML: example}, wantErr: ErrExamplePolicy},
		{name: "example marker in b64", src: BootstrapSource{B64: base64.StdEncoding.EncodeToString([]byte(example))}, wantErr: ErrExamplePolicy},
		{name: "bad b64", src: BootstrapSource{B64: "%%%"}, errText: "LAUNCHPLANE_POLICY_B64: value is not valid base64"},
		{name: "missing file", src: BootstrapSource{File: filepath.Join(t.TempDir(), "nope.toml")}, errText: "LAUNCHPLANE_POLICY_FILE"},
		{name: "invalid policy names the source", src: BootstrapSource{TOML: "schema_version = 1\nbogus = 1\n"}, wantErr: ErrInvalidPolicy, errText: `bootstrap-env:LAUNCHPLANE_POLICY_TOML: invalid authz policy: unknown key "bogus"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, label, err := LoadBootstrap(tt.src)
			if tt.wantErr != nil || tt.errText != "" {
				if err == nil {
					t.Fatalf("got policy from %s, want an error", label)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.errText) {
					t.Errorf("err = %v, want it to contain %q", err, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if label != tt.wantLabel || len(p.GitHubActions) != 1 || p.GitHubActions[0].Repository != tt.wantRepo {
				t.Errorf("got %s from %s, want %s from %s", p.GitHubActions, label, tt.wantRepo, tt.wantLabel)
			}
		})
	}
}

func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + "\n")
		s = s[n:]
	}
	return b.String() + s
}

func TestBootstrapSourceFromEnv(t *testing.T) {
	env := map[string]string{EnvPolicyTOML: "t", EnvPolicyB64: "b", EnvPolicyFile: "f"}
	got := BootstrapSourceFromEnv(func(k string) string { return env[k] })
	if got != (BootstrapSource{TOML: "t", B64: "b", File: "f"}) {
		t.Errorf("got %+v", got)
	}
}
