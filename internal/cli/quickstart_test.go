package cli_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/cli"
)

// syncBuffer is a bytes.Buffer safe to read while the command writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestQuickstartCurlFlow runs the quickstart in-process and executes the
// exact curl commands it prints: the POST records evidence and the GET
// shows it. It also mints a second token with "dev token".
func TestQuickstartCurlFlow(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	dir := filepath.Join(t.TempDir(), ".launchplane")
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: stdout, Stderr: stderr, Getenv: func(string) string { return "" }, Now: time.Now}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- cli.Main(ctx, []string{"quickstart", "--dir", dir, "--port", "0"}, env) }()

	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stdout.String(), "Stop with Ctrl-C") {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("quickstart did not come up:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	banner := stdout.String()
	token := regexp.MustCompile(`export TOKEN=(\S+)`).FindStringSubmatch(banner)[1]
	post := regexp.MustCompile(`(?s)(curl -sS -X POST .*?}}}')`).FindString(banner)
	get := regexp.MustCompile(`curl -sS http\S+/v1/inventory/demo/testing -H "Authorization: Bearer \$TOKEN"`).FindString(banner)
	if post == "" || get == "" {
		t.Fatalf("banner lacks the curl examples:\n%s", banner)
	}
	run := func(script string) string {
		cmd := exec.Command("bash", "-c", script)
		cmd.Env = append(os.Environ(), "TOKEN="+token)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", script, err, out)
		}
		return string(out)
	}
	if out := run(post); !strings.Contains(out, `"status":"accepted"`) {
		t.Fatalf("printed POST was not accepted: %s", out)
	}
	if out := run(get); !strings.Contains(out, `"deployment_record_id":"deployment-quickstart-1"`) {
		t.Fatalf("printed GET does not show the deployment: %s", out)
	}

	tokenOut := &syncBuffer{}
	tokenEnv := env
	tokenEnv.Stdout = tokenOut
	if code := cli.Main(context.Background(), []string{"dev", "token", "--dir", dir, "--repository", "example/app"}, tokenEnv); code != 0 {
		t.Fatalf("dev token exited %d: %s", code, stderr)
	}
	apiURL := regexp.MustCompile(`API +(\S+)`).FindStringSubmatch(banner)[1]
	req, _ := http.NewRequest("GET", apiURL+"/v1/deployments/deployment-quickstart-1", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tokenOut.String()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("dev token rejected: %d %s", resp.StatusCode, body)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("quickstart exited %d after cancel (want a clean drain):\n%s", code, stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("quickstart did not stop")
	}
}

// TestQuickstartWalkthrough starts the quickstart from a fresh directory
// and runs its printed ship → gate → promote → ship → gate → promote →
// rollback walkthrough line by line: launchplane commands in-process (pipes
// feed stdout to the next stdin), curl lines through bash.
func TestQuickstartWalkthrough(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".launchplane")
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: stdout, Stderr: stderr, Getenv: func(string) string { return "" }, Now: time.Now}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- cli.Main(ctx, []string{"quickstart", "--dir", dir, "--port", "0"}, env) }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stdout.String(), "Stop with Ctrl-C") {
		if time.Now().After(deadline) {
			t.Fatalf("quickstart did not come up:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	banner := stdout.String()
	token := regexp.MustCompile(`export TOKEN=(\S+)`).FindStringSubmatch(banner)[1]
	section := banner[strings.Index(banner, "Ship, gate, promote and roll back"):]
	vars := map[string]string{"TOKEN": token}
	var last string
	ran := 0
	for _, line := range strings.Split(section, "\n")[1:] {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "export "):
			k, v, _ := strings.Cut(strings.TrimPrefix(line, "export "), "=")
			vars[k] = v
		case strings.HasPrefix(line, "curl "):
			if out := curl(t, line, token); !strings.Contains(out, `"status":"accepted"`) {
				t.Fatalf("%s:\n%s", line, out)
			}
			ran++
		case strings.HasPrefix(line, "go run ./cmd/launchplane "):
			var in string
			for _, part := range strings.Split(line, " | ") {
				args := shellWords(t, strings.TrimPrefix(part, "go run ./cmd/launchplane "))
				out, errOut := &syncBuffer{}, &syncBuffer{}
				cmdEnv := cli.Env{Stdin: strings.NewReader(in), Stdout: out, Stderr: errOut, Getenv: func(k string) string { return vars[k] }, Now: time.Now}
				if code := cli.Main(context.Background(), args, cmdEnv); code != 0 {
					t.Fatalf("%s exited %d:\nstdout:\n%s\nstderr:\n%s", part, code, out, errOut)
				}
				// Executions report progress on stderr as timestamped lines
				// when stderr is not a terminal.
				if slices.Contains(args, "execute") && !regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\S+Z \[6/6\] record evidence: `).MatchString(errOut.String()) {
					t.Errorf("%s: no progress lines on stderr:\n%s", part, errOut)
				}
				in = out.String()
			}
			last = in
			ran++
		}
	}
	if ran != 8 {
		t.Fatalf("ran %d walkthrough lines, want 8:\n%s", ran, section)
	}
	// The last line shows prod back on demo-1, with rollback provenance.
	for _, want := range []string{`"artifact_id": "demo-1"`, `"from_artifact_id": "demo-2"`, `"reason": "demo rollback"`} {
		if !strings.Contains(last, want) {
			t.Errorf("final prod inventory lacks %s:\n%s", want, last)
		}
	}

	// The demo product has a profile owning both lanes, so product reads
	// and the live-target runtime sync work on the walkthrough's store.
	launchplane := func(args ...string) string {
		t.Helper()
		out, errOut := &syncBuffer{}, &syncBuffer{}
		cmdEnv := cli.Env{Stdin: strings.NewReader(""), Stdout: out, Stderr: errOut, Getenv: func(k string) string { return vars[k] }, Now: time.Now}
		if code := cli.Main(context.Background(), args, cmdEnv); code != 0 {
			t.Fatalf("%v exited %d:\nstdout:\n%s\nstderr:\n%s", args, code, out, errOut)
		}
		return out.String()
	}
	simURL := regexp.MustCompile(`Dokploy simulator at (\S+)\)`).FindStringSubmatch(section)[1]
	profile := launchplane("product-profiles", "show", "--product", "demo")
	for _, want := range []string{`"driver_id": "generic-web"`, `"base_url": "` + simURL + `/`, `"key": "DEMO_GREETING"`, `"repository": "ghcr.io/example/demo"`} {
		if !strings.Contains(profile, want) {
			t.Errorf("demo profile lacks %s:\n%s", want, profile)
		}
	}
	for _, lane := range []string{"testing", "prod"} {
		plan := launchplane("environments", "apply-live-target", "--dry-run", "--context", "demo", "--instance", lane)
		if !strings.Contains(plan, `"changed_keys": [
      "DEMO_GREETING"
    ]`) {
			t.Errorf("live-target dry-run of demo/%s:\n%s", lane, plan)
		}
	}
	cancel()
	<-done
}

// curl performs a printed `curl -sS -X M URL -H ... -d '...'` line with
// net/http (so the test needs no curl binary), $TOKEN expanded.
func curl(t *testing.T, line, token string) string {
	t.Helper()
	args := shellWords(t, strings.ReplaceAll(line, "$TOKEN", token))
	method, url, body := http.MethodGet, "", ""
	header := http.Header{}
	for i := 1; i < len(args); i++ {
		switch args[i] {
		case "-sS":
		case "-X":
			i++
			method = args[i]
		case "-H":
			i++
			k, v, _ := strings.Cut(args[i], ":")
			header.Set(k, strings.TrimSpace(v))
		case "-d":
			i++
			body = args[i]
		default:
			url = args[i]
		}
	}
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return string(out)
}

// shellWords splits a command line on spaces, honouring double and single
// quotes.
func shellWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	var quote rune
	inWord := false
	for _, r := range s {
		switch {
		case quote == 0 && (r == '"' || r == '\''):
			quote, inWord = r, true
		case quote != 0 && r == quote:
			quote = 0
		case r == ' ' && quote == 0:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		t.Fatalf("unbalanced quotes in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
