package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/targets"
)

// Runtime identity verdicts.
const (
	IdentityMatch        = "match"
	IdentityMismatch     = "mismatch"
	IdentityMissing      = "missing"
	IdentityMalformed    = "malformed"
	IdentityUnverifiable = "unverifiable"
)

// identityKeys are the body keys a runtime may report its identity under.
var identityKeys = []string{"runtime_identity", "launchplane_runtime_identity", "launchplaneRuntimeIdentity", targets.EnvRuntimeIdentity}

// HealthOutcome is what the health verification found.
type HealthOutcome struct {
	Status   string `json:"status"` // pass, fail or skipped
	URL      string `json:"url,omitempty"`
	Identity string `json:"identity,omitempty"`
	// MismatchedFields names the identity fields that differed.
	MismatchedFields []string `json:"mismatched_fields,omitempty"`
	Attempts         int      `json:"attempts"`
	Detail           string   `json:"detail,omitempty"`
}

// probe is one answer from one health URL.
type probe struct {
	ok         bool // a 2xx
	identity   string
	mismatched []string
	detail     string
}

// CheckHealth polls urls until one answers 2xx (and does not report
// "ok": false) with the expected runtime identity, or the timeout passes.
// URLs are alternates: the first 2xx wins. An identity that is missing,
// malformed or mismatched keeps polling (a rolling update may still serve
// the old one) and is the failure reported at the deadline. With want nil
// no identity is expected (a lane whose inventory predates identities).
func (e *Executor) CheckHealth(ctx context.Context, urls []string, want *record.RuntimeIdentity, timeout time.Duration) HealthOutcome {
	deadline := e.cfg.Now().Add(timeout)
	out := HealthOutcome{Status: record.StatusFail}
	for {
		for _, u := range urls {
			out.Attempts++
			p := e.probe(ctx, u, want)
			if !p.ok {
				out.Detail = p.detail
				continue
			}
			out.URL, out.Identity, out.MismatchedFields, out.Detail = u, p.identity, p.mismatched, p.detail
			if p.identity == IdentityMatch || p.identity == "" {
				out.Status, out.Detail = record.StatusPass, ""
				return out
			}
			break // a 2xx with the wrong identity: the alternates would say the same
		}
		if !e.cfg.Now().Before(deadline) {
			if out.Detail == "" {
				out.Detail = "no health URL answered 2xx"
			}
			out.Detail = fmt.Sprintf("health not verified within %s: %s", timeout, out.Detail)
			return out
		}
		if err := e.cfg.Sleep(ctx, e.cfg.HealthInterval); err != nil {
			out.Detail = "health verification interrupted: " + err.Error()
			return out
		}
	}
}

func (e *Executor) probe(ctx context.Context, url string, want *record.RuntimeIdentity) probe {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.HealthRequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return probe{detail: fmt.Sprintf("health URL %s: %v", url, err)}
	}
	resp, err := e.cfg.HTTPClient.Do(req)
	if err != nil {
		return probe{detail: fmt.Sprintf("GET %s: %v", url, err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return probe{detail: fmt.Sprintf("GET %s: read body: %v", url, err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return probe{detail: fmt.Sprintf("GET %s: HTTP %d", url, resp.StatusCode)}
	}
	var status struct {
		OK *bool `json:"ok"`
	}
	if json.Unmarshal(body, &status) == nil && status.OK != nil && !*status.OK {
		return probe{detail: fmt.Sprintf("GET %s: the runtime reports ok:false", url)}
	}
	if want == nil {
		return probe{ok: true}
	}
	verdict, mismatched := compareIdentity(body, *want)
	p := probe{ok: true, identity: verdict, mismatched: mismatched}
	if verdict != IdentityMatch {
		p.detail = fmt.Sprintf("GET %s: runtime identity %s", url, verdict)
	}
	return p
}

// compareIdentity reads the runtime identity from a health body and
// compares the fields that identify a deployment.
func compareIdentity(body []byte, want record.RuntimeIdentity) (string, []string) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return IdentityUnverifiable, nil
	}
	var raw json.RawMessage
	for _, k := range identityKeys {
		if v, ok := doc[k]; ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			raw = v
			break
		}
	}
	if raw == nil {
		return IdentityMissing, nil
	}
	// The identity may be embedded as an object or as its JSON text.
	var text string
	if json.Unmarshal(raw, &text) == nil {
		raw = json.RawMessage(text)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		return IdentityMalformed, nil
	}
	expected := map[string]string{
		"product": want.Product, "context": want.Context, "instance": want.Instance,
		"environment_kind": want.EnvironmentKind, "deployment_record_id": want.DeploymentRecordID,
		"artifact_id": want.ArtifactID, "source_git_ref": want.SourceGitRef,
	}
	var mismatched []string
	for _, k := range []string{"product", "context", "instance", "environment_kind", "deployment_record_id", "artifact_id", "source_git_ref"} {
		v, _ := got[k].(string)
		if v != expected[k] {
			mismatched = append(mismatched, k)
		}
	}
	if len(mismatched) > 0 {
		return IdentityMismatch, mismatched
	}
	return IdentityMatch, nil
}
