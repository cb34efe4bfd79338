package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/store"
)

type secretsOutput struct {
	Body struct {
		Status  string               `json:"status"`
		TraceID string               `json:"trace_id"`
		Secrets []secrets.SecretView `json:"secrets"`
	}
}

type secretOutput struct {
	Body struct {
		Status  string             `json:"status"`
		TraceID string             `json:"trace_id"`
		Secret  secrets.SecretView `json:"secret"`
	}
}

// registerSecrets adds the managed-secret metadata reads. They never return
// a value or ciphertext: the views hold ids, names, statuses and times.
func (a *API) registerSecrets() {
	// Metadata needs no key ring; writes do not go through these routes.
	views := secrets.New(a.deps.Store, nil, a.deps.Now, nil)
	list := func(ctx context.Context, context, instance string) (*secretsOutput, error) {
		if err := a.authorize(ctx, http.MethodGet, "secret.list", "launchplane", context); err != nil {
			return nil, err
		}
		all, err := views.List(ctx, secrets.ListFilter{Context: context})
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		// A lane's view holds what applies to it: the context's secrets
		// and those of that instance.
		found := make([]secrets.SecretView, 0, len(all))
		for _, v := range all {
			if instance == "" || v.Instance == "" || v.Instance == instance {
				found = append(found, v)
			}
		}
		out := &secretsOutput{}
		out.Body.Status, out.Body.TraceID, out.Body.Secrets = "ok", TraceID(ctx), found
		return out, nil
	}
	huma.Register(a.huma, huma.Operation{
		OperationID: "list-context-secrets", Method: http.MethodGet, Path: "/v1/contexts/{context}/secrets",
		Summary: "Managed-secret metadata of a context (secret.list on launchplane/<context>); never values", Tags: []string{"secrets"},
	}, func(ctx context.Context, in *contextInput) (*secretsOutput, error) {
		return list(ctx, in.Context, "")
	})
	huma.Register(a.huma, huma.Operation{
		OperationID: "list-instance-secrets", Method: http.MethodGet, Path: "/v1/contexts/{context}/instances/{instance}/secrets",
		Summary: "Managed-secret metadata that applies to one lane: the context's and that instance's (secret.list on launchplane/<context>); never values", Tags: []string{"secrets"},
	}, func(ctx context.Context, in *laneInput) (*secretsOutput, error) {
		return list(ctx, in.Context, in.Instance)
	})
	huma.Register(a.huma, huma.Operation{
		OperationID: "get-secret", Method: http.MethodGet, Path: "/v1/secrets/{id}",
		Summary: "One secret's metadata, versions and recent audit events (secret.read on launchplane/<stored context>; an unknown id is 403 like a forbidden one)", Tags: []string{"secrets"},
	}, func(ctx context.Context, in *idInput) (*secretOutput, error) {
		id, err := a.authenticate(ctx, http.MethodGet)
		if err != nil {
			return nil, err
		}
		v, err := views.Show(ctx, in.ID)
		if errors.Is(err, store.ErrNotFound) {
			// Secret ids are predictable: an unknown id answers exactly as
			// a forbidden one, so callers cannot probe which secrets exist.
			return nil, a.fail(ctx, errDenied)
		}
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		if err := a.check(ctx, id, "secret.read", "launchplane", v.Context); err != nil {
			return nil, err
		}
		out := &secretOutput{}
		out.Body.Status, out.Body.TraceID, out.Body.Secret = "ok", TraceID(ctx), v
		return out, nil
	})
}
