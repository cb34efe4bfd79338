package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/targetlogs"
	"github.com/launchplane/launchplane/internal/targets"
)

// Tracked-target log codes (upstream names).
const (
	CodeTrackedTargetNotFound  = "tracked_target_not_found"
	CodeTargetLogsUnavailable  = "target_logs_unavailable"
	CodeProviderTargetStale    = "provider_target_stale"
	targetLogsCredentialsHint  = "Dokploy credentials are not configured: store global secrets of integration dokploy bound to DOKPLOY_HOST and DOKPLOY_TOKEN."
	targetLogsUnavailablePhase = "Tracked target logs are unavailable during "
)

type targetLogsInput struct {
	Context  string `path:"context"`
	Instance string `path:"instance"`
	Lines    string `query:"lines" doc:"How many of the newest lines (default 200, at most 1000)"`
	Since    string `query:"since" doc:"all (default), or a number followed by s, m, h or d"`
	Search   string `query:"search" doc:"Keep lines containing this text, case-insensitive (letters, digits, spaces, '.', '_', '-')"`
}

type targetLogsOutput struct {
	Body struct {
		Status  string `json:"status"`
		TraceID string `json:"trace_id"`
		targetlogs.Result
	}
}

// registerTargetLogs adds the tracked-target log read. The lines are
// redacted by targetlogs; the Dokploy token and target env never leave.
func (a *API) registerTargetLogs() {
	huma.Register(a.huma, huma.Operation{
		OperationID: "read-tracked-target-logs", Method: http.MethodGet, Path: "/v1/contexts/{context}/instances/{instance}/logs",
		Summary: "Redacted runtime logs of a lane's tracked Dokploy target (target_logs.read on launchplane/<context>)", Tags: []string{"targets"},
	}, func(ctx context.Context, in *targetLogsInput) (*targetLogsOutput, error) {
		if err := a.authorize(ctx, http.MethodGet, "target_logs.read", "launchplane", in.Context); err != nil {
			return nil, err
		}
		if a.deps.Store == nil {
			return nil, newError(ctx, http.StatusServiceUnavailable, CodeDatabaseRequired, "Tracked target logs require the SQL store.")
		}
		lines, err := targetlogs.ParseLines(in.Lines)
		if err != nil {
			return nil, invalid(ctx, "%s.", optionRule(err))
		}
		opts, err := targetlogs.Options{Lines: lines, Since: in.Since, Search: in.Search}.Normalize()
		if err != nil {
			return nil, invalid(ctx, "%s.", optionRule(err))
		}
		creds := secrets.New(a.deps.Store, a.deps.SecretKeys, a.deps.Now, nil).Integration
		res, err := targetlogs.ReadTracked(ctx, a.deps.Store, creds, dokploy.Config{}, in.Context, in.Instance, opts)
		if err != nil {
			return nil, a.targetLogsError(ctx, err)
		}
		out := &targetLogsOutput{}
		out.Body.Status, out.Body.TraceID, out.Body.Result = "ok", TraceID(ctx), res
		return out, nil
	})
}

// optionRule is the rule an invalid option broke, without the value.
func optionRule(err error) string {
	_, rule, _ := strings.Cut(err.Error(), targetlogs.ErrInvalidOptions.Error()+": ")
	if rule == "" {
		return "Invalid log query"
	}
	return "Invalid log query: " + rule
}

// noContainer is Dokploy's answer for a target with nothing running.
func noContainer(err error) bool {
	var e *dokploy.APIError
	return errors.As(err, &e) && strings.HasPrefix(e.Message, "No container or service found for:")
}

// targetLogsError maps read failures to safe answers: they name the step
// and the remedy, never provider payloads, hosts or tokens.
func (a *API) targetLogsError(ctx context.Context, err error) error {
	var pe *targetlogs.ProviderError
	switch {
	case errors.Is(err, targets.ErrNotTracked):
		return newError(ctx, http.StatusNotFound, CodeTrackedTargetNotFound, "No tracked Dokploy target (target and target-id records) for this context and instance.")
	case errors.Is(err, targets.ErrStale):
		return newError(ctx, http.StatusConflict, CodeProviderTargetStale, "The tracked target's provider-target row no longer matches its Dokploy records; run the provider-target audit.")
	case errors.Is(err, targets.ErrNoCredentials):
		return newError(ctx, http.StatusServiceUnavailable, CodeTargetLogsUnavailable, targetLogsCredentialsHint)
	case errors.Is(err, crypto.ErrNoKey):
		return newError(ctx, http.StatusServiceUnavailable, CodeSecretConfigurationRequired, "No secret encryption key is configured; the Dokploy credentials cannot be read.")
	case errors.Is(err, crypto.ErrDecrypt):
		a.log.ErrorContext(ctx, "target logs", slog.String("trace_id", TraceID(ctx)), slog.String("error", err.Error()))
		return newError(ctx, http.StatusServiceUnavailable, CodeSecretConfigurationRequired, "A Dokploy credential could not be decrypted with the configured keys; check the key ring.")
	case errors.As(err, &pe):
		a.log.WarnContext(ctx, "target logs", slog.String("trace_id", TraceID(ctx)), slog.String("op", pe.Op), slog.String("error", err.Error()))
		msg := targetLogsUnavailablePhase + pe.Op + "."
		switch {
		case dokploy.IsUnauthorized(err):
			msg += " Dokploy refused the configured token."
		case dokploy.IsNotFound(err):
			msg += " Dokploy does not know the tracked target id."
		case errors.Is(err, targetlogs.ErrNoContainer), noContainer(err):
			msg += " The target has no running container (has it been deployed?)."
		case errors.Is(err, dokploy.ErrTransient):
			msg += " Dokploy did not answer successfully; retry later."
		}
		return newError(ctx, http.StatusServiceUnavailable, CodeTargetLogsUnavailable, msg)
	}
	return a.fail(ctx, err)
}
