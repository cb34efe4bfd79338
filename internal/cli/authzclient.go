package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// envToken holds the bearer token the service clients send. It is read
// from the environment only, never from a flag (flags end up in shell
// history and process listings), and never printed.
const envToken = "LAUNCHPLANE_TOKEN"

// serviceTimeout bounds one request to the service, connection included.
const serviceTimeout = 30 * time.Second

// maxServiceResponse caps how much of a response the client reads.
const maxServiceResponse = 4 << 20

// serviceWrite holds the flags every policy-maintenance client shares.
type serviceWrite struct {
	serviceURL     string
	dryRun, apply  bool
	reason         string
	relatedIssue   string
	idempotencyKey string
}

func (w *serviceWrite) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&w.serviceURL, "service-url", "", "base URL of the Launchplane service (http or https)")
	f.BoolVar(&w.dryRun, "dry-run", false, "report what would change and write nothing")
	f.BoolVar(&w.apply, "apply", false, "write the change (needs --reason)")
	f.StringVar(&w.reason, "reason", "", "why, recorded in the policy record's audit (required with --apply)")
	f.StringVar(&w.relatedIssue, "related-issue", "", "issue or ticket reference recorded in the audit")
	f.StringVar(&w.idempotencyKey, "idempotency-key", "", "Idempotency-Key: a retry with the same key and body replays the first response")
}

// envelope validates the shared flags and builds the request envelope
// around part ("grant" or "removal").
func (w *serviceWrite) envelope(part string, rule map[string]any) (map[string]any, error) {
	if strings.TrimSpace(w.serviceURL) == "" {
		return nil, usageError{errors.New("--service-url is required")}
	}
	u, err := url.Parse(strings.TrimSpace(w.serviceURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usageError{errors.New("--service-url must be an http:// or https:// URL")}
	}
	if w.dryRun == w.apply {
		return nil, usageError{errors.New("choose exactly one of --dry-run or --apply")}
	}
	mode := "dry_run"
	if w.apply {
		mode = "apply"
		if strings.TrimSpace(w.reason) == "" {
			return nil, usageError{errors.New("--apply needs --reason")}
		}
	}
	return map[string]any{
		"schema_version": 1,
		"product":        "launchplane",
		"mode":           mode,
		"reason":         strings.TrimSpace(w.reason),
		"related_issue":  strings.TrimSpace(w.relatedIssue),
		part:             rule,
	}, nil
}

// workflowRule holds the github_actions rule flags.
type workflowRule struct {
	repository      string
	workflowRefs    []string
	jobWorkflowRefs []string
	eventNames      []string
	refs            []string
	environments    []string
	products        []string
	contexts        []string
	actions         []string
	sourceLabel     string
}

func (r *workflowRule) register(cmd *cobra.Command, withSource bool) {
	f := cmd.Flags()
	f.StringVar(&r.repository, "repository", "", "repository (owner/name, exact)")
	f.StringArrayVar(&r.workflowRefs, "workflow-ref", nil, "workflow ref glob (repeatable)")
	f.StringArrayVar(&r.jobWorkflowRefs, "job-workflow-ref", nil, "job workflow ref glob (repeatable)")
	f.StringArrayVar(&r.eventNames, "event-name", nil, "event name (repeatable)")
	f.StringArrayVar(&r.refs, "ref", nil, "git ref, e.g. refs/heads/main (repeatable)")
	f.StringArrayVar(&r.environments, "environment", nil, "GitHub environment (repeatable)")
	f.StringArrayVar(&r.products, "product", nil, "product glob (repeatable)")
	f.StringArrayVar(&r.contexts, "context", nil, "context glob (repeatable)")
	f.StringArrayVar(&r.actions, "action", nil, "action name (repeatable)")
	if withSource {
		f.StringVar(&r.sourceLabel, "source-label", "", "source recorded on the new policy record (default: the service's)")
	}
}

func (r *workflowRule) body() map[string]any {
	b := map[string]any{
		"repository":        r.repository,
		"workflow_refs":     list(r.workflowRefs),
		"job_workflow_refs": list(r.jobWorkflowRefs),
		"event_names":       list(r.eventNames),
		"refs":              list(r.refs),
		"environments":      list(r.environments),
		"products":          list(r.products),
		"contexts":          list(r.contexts),
		"actions":           list(r.actions),
	}
	if r.sourceLabel != "" {
		b["source_label"] = r.sourceLabel
	}
	return b
}

// list keeps an unset repeatable flag as [] (the service refuses null).
func list(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// authzClientCommands are the authz-policies subcommands that change
// policy through the running service rather than the database.
func (a *app) authzClientCommands() []*cobra.Command {
	const tokenHelp = `
The bearer token comes from $` + envToken + ` (a GitHub Actions OIDC token for the
service audience, or a local operator/admin token); the caller needs
authz_policy_grant.write on launchplane/launchplane. The service's response
envelope is printed as JSON; a rejected request exits 1.`

	var gw serviceWrite
	var gr workflowRule
	grantWorkflow := &cobra.Command{
		Use:   "grant-workflow --service-url URL (--dry-run | --apply --reason R) --repository R --action A [rule flags]",
		Short: "Grant a GitHub Actions rule through the service",
		Long: `Ask the service to add a github_actions rule to the active policy. An
identical rule already present changes nothing ("changed": false). The new
policy rules from the service's next request; no restart.` + tokenHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := gw.envelope("grant", gr.body())
			if err != nil {
				return err
			}
			return a.postService(cmd.Context(), gw, "/v1/authz-policies/github-actions/grants", env)
		},
	}
	gw.register(grantWorkflow)
	gr.register(grantWorkflow, true)

	var rw serviceWrite
	var rr workflowRule
	removeWorkflow := &cobra.Command{
		Use:   "remove-workflow-rule --service-url URL (--dry-run | --apply --reason R) --repository R [rule flags]",
		Short: "Remove a GitHub Actions rule through the service (complete-rule match)",
		Long: `Ask the service to remove every github_actions rule exactly equal to the one
described by the flags: give every selector the rule has, or nothing
matches ("matched_rule_count": 0). A removal that would leave no principal
able to administer policy is refused.` + tokenHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := rw.envelope("removal", rr.body())
			if err != nil {
				return err
			}
			return a.postService(cmd.Context(), rw, "/v1/authz-policies/github-actions/removals", env)
		},
	}
	rw.register(removeWorkflow)
	rr.register(removeWorkflow, false)

	var hw serviceWrite
	var logins, orgs, teams, roles, products, contexts, actions []string
	var humanSource string
	grantHuman := &cobra.Command{
		Use:   "grant-human --service-url URL (--dry-run | --apply --reason R) (--login L | --organization O | --team T) --action A [rule flags]",
		Short: "Grant a GitHub human rule through the service",
		Long: `Ask the service to add a github_humans rule to the active policy. Roles are
read_only or admin; a read_only session is held to read and safe_write
actions whatever the rule says.` + tokenHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rule := map[string]any{
				"logins": list(logins), "organizations": list(orgs), "teams": list(teams), "roles": list(roles),
				"products": list(products), "contexts": list(contexts), "actions": list(actions),
			}
			if humanSource != "" {
				rule["source_label"] = humanSource
			}
			env, err := hw.envelope("grant", rule)
			if err != nil {
				return err
			}
			return a.postService(cmd.Context(), hw, "/v1/authz-policies/github-humans/grants", env)
		},
	}
	hw.register(grantHuman)
	f := grantHuman.Flags()
	f.StringArrayVar(&logins, "login", nil, "GitHub login glob (repeatable)")
	f.StringArrayVar(&orgs, "organization", nil, "organization glob (repeatable)")
	f.StringArrayVar(&teams, "team", nil, "team glob, org/team (repeatable)")
	f.StringArrayVar(&roles, "role", nil, "session role: read_only or admin (repeatable)")
	f.StringArrayVar(&products, "product", nil, "product (repeatable)")
	f.StringArrayVar(&contexts, "context", nil, "context (repeatable)")
	f.StringArrayVar(&actions, "action", nil, "action name (repeatable)")
	f.StringVar(&humanSource, "source-label", "", "source recorded on the new policy record (default: the service's)")

	return []*cobra.Command{grantWorkflow, grantHuman, removeWorkflow}
}

// postService sends envelope to the service and prints the response
// envelope. A rejected envelope (or any non-2xx status) exits 1 after the
// response is printed.
func (a *app) postService(ctx context.Context, w serviceWrite, path string, envelope map[string]any) error {
	token := strings.TrimSpace(a.env.Getenv(envToken))
	if token == "" {
		return fmt.Errorf("%s is not set: export the bearer token for the service (a GitHub Actions OIDC token or an owner-agent token)", envToken)
	}
	payload, err := json.Marshal(envelope)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, serviceTimeout)
	defer cancel()
	endpoint := strings.TrimRight(strings.TrimSpace(w.serviceURL), "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
	if err != nil {
		return usageError{fmt.Errorf("--service-url: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if key := strings.TrimSpace(w.idempotencyKey); key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	client := &http.Client{
		Timeout: serviceTimeout,
		// A redirected policy write is a misconfiguration; do not carry the
		// token anywhere else.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post %s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxServiceResponse))
	if err != nil {
		return fmt.Errorf("post %s: read response: %w", path, err)
	}
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil || out == nil {
		return fmt.Errorf("post %s: HTTP %d with a response that is not a JSON envelope", path, resp.StatusCode)
	}
	if err := a.printJSON(out); err != nil {
		return err
	}
	if out["status"] == "rejected" || resp.StatusCode < 200 || resp.StatusCode > 299 {
		e, _ := out["error"].(map[string]any)
		code, _ := e["code"].(string)
		msg, _ := e["message"].(string)
		return reportedError{fmt.Sprintf("service rejected the request (HTTP %d, %s): %s", resp.StatusCode, orUnknown(code), msg)}
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "no error code"
	}
	return s
}
