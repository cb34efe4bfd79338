package api_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestOpenAPIGolden keeps /v1/openapi.json reviewable: any change to routes
// or shapes shows up as a diff of testdata/openapi.golden.json (refresh it
// with go test ./internal/api -run TestOpenAPIGolden -update).
func TestOpenAPIGolden(t *testing.T) {
	h := newHarness(t, sqltest.SQLiteURL(t))
	got, err := h.api.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "openapi.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)+"\n"); diff != "" {
		t.Errorf("OpenAPI document changed (-golden +got); rerun with -update if intended:\n%s", diff)
	}
	served := h.do("GET", "/v1/openapi.json", "", nil)
	if served.status != 200 || served.body["openapi"] == nil {
		t.Errorf("GET /v1/openapi.json: %d", served.status)
	}
}
