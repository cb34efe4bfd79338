package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

type healthOutput struct {
	Body struct {
		Status         string `json:"status"`
		TraceID        string `json:"trace_id"`
		StorageBackend string `json:"storage_backend"`
	}
}

// RuntimeInfo is the body of GET /v1/service/runtime.
type RuntimeInfo struct {
	AuthzPolicySHA256          string `json:"authz_policy_sha256"`
	AuthzPolicySource          string `json:"authz_policy_source"`
	BootstrapAuthzPolicySHA256 string `json:"bootstrap_authz_policy_sha256"`
	DockerImageReference       string `json:"docker_image_reference"`
	ServiceAudience            string `json:"service_audience"`
	StorageBackend             string `json:"storage_backend"`
}

type runtimeOutput struct {
	Body struct {
		Status  string      `json:"status"`
		TraceID string      `json:"trace_id"`
		Runtime RuntimeInfo `json:"runtime"`
	}
}

func (a *API) registerPlatform() {
	huma.Register(a.huma, huma.Operation{
		OperationID: "get-health", Method: http.MethodGet, Path: "/v1/health",
		Summary: "Liveness and storage backend (no authentication)", Tags: []string{"platform"},
		Security: []map[string][]string{},
	}, func(ctx context.Context, _ *struct{}) (*healthOutput, error) {
		out := &healthOutput{}
		out.Body.Status, out.Body.TraceID, out.Body.StorageBackend = "ok", TraceID(ctx), a.deps.Store.Backend()
		return out, nil
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "get-service-runtime", Method: http.MethodGet, Path: "/v1/service/runtime",
		Summary: "The running service's policy, audience and storage (launchplane_service.read)", Tags: []string{"platform"},
	}, func(ctx context.Context, _ *struct{}) (*runtimeOutput, error) {
		if err := a.authorize(ctx, http.MethodGet, "launchplane_service.read", "launchplane", "launchplane"); err != nil {
			return nil, err
		}
		out := &runtimeOutput{}
		rt := a.deps.Runtime
		out.Body.Status, out.Body.TraceID = "ok", TraceID(ctx)
		out.Body.Runtime = RuntimeInfo{
			BootstrapAuthzPolicySHA256: rt.BootstrapPolicySHA256,
			DockerImageReference:       rt.DockerImageReference,
			ServiceAudience:            rt.ServiceAudience,
			StorageBackend:             a.deps.Store.Backend(),
		}
		if rt.Policy != nil {
			sha, source, err := rt.Policy(ctx)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out.Body.Runtime.AuthzPolicySHA256, out.Body.Runtime.AuthzPolicySource = sha, source
		}
		return out, nil
	})
}
