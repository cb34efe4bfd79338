package cli_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/cli"
)

// TestDevDokploySim starts the simulator command, calls it over HTTP with
// and without the key, and stops it by cancelling the context.
func TestDevDokploySim(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, stdout := io.Pipe()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, []string{"dev", "dokploy-sim", "--api-key", "cli-sim-key", "--queue-delay", "0s"}, cli.Env{
			Stdin: strings.NewReader(""), Stdout: stdout, Stderr: &stderr,
			Getenv: func(string) string { return "" }, Now: time.Now,
		})
		stdout.Close()
	}()
	var ready struct{ Status, URL string }
	if err := json.NewDecoder(bufio.NewReader(out)).Decode(&ready); err != nil || ready.Status != "ok" {
		t.Fatalf("ready line: %+v, %v (stderr %s)", ready, err, stderr.String())
	}
	get := func(key string) int {
		req, _ := http.NewRequest("GET", ready.URL+"/api/user.session", nil)
		if key != "" {
			req.Header.Set("x-api-key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("cli-sim-key"); code != 200 {
		t.Errorf("with the key: %d", code)
	}
	if code := get("wrong"); code != 401 {
		t.Errorf("wrong key: %d", code)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after interrupt: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("dokploy-sim did not stop")
	}
	if strings.Contains(stderr.String(), "cli-sim-key") {
		t.Error("the key was echoed")
	}
}

func TestDevDokploySimNeedsKey(t *testing.T) {
	var out, errb strings.Builder
	code := cli.Main(context.Background(), []string{"dev", "dokploy-sim"}, cli.Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Now: time.Now,
	})
	if code != 2 || !strings.Contains(errb.String(), "--api-key") {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}
