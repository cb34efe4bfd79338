package cli

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/authz"
	"github.com/launchplane/launchplane/internal/canonical"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// authzCommands returns the top-level authorization groups: authz-policies
// (stored policy records) and authz (offline decisions).
func (a *app) authzCommands() []*cobra.Command {
	return []*cobra.Command{a.authzPoliciesCommand(), a.authzCommand()}
}

func (a *app) authzPoliciesCommand() *cobra.Command {
	var p store.AuthzPolicyListParams
	list := &cobra.Command{
		Use:   "list",
		Short: "List authz policy records, newest first (the first active one rules)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if p.Status != "" && p.Status != record.PolicyActive && p.Status != record.PolicySuperseded {
				return usageError{fmt.Errorf("--status must be %s or %s", record.PolicyActive, record.PolicySuperseded)}
			}
			s, err := a.openStore(cmd, authority)
			if err != nil {
				return err
			}
			defer s.Close()
			recs, err := s.AuthzPolicyList(cmd.Context(), p)
			if err != nil {
				return err
			}
			return a.printJSON(map[string]any{"authz_policies": recs})
		},
	}
	list.Flags().StringVar(&p.Status, "status", "", "filter by status (active or superseded)")
	list.Flags().IntVar(&p.Limit, "limit", 20, "maximum number of records (0 for all)")

	var file, label string
	importTOML := &cobra.Command{
		Use:   "import-toml --policy-file FILE",
		Short: "Write a TOML policy as the new active policy record",
		Long: `Strictly decode a bootstrap-format TOML policy and write it as the newest
active authz policy record, which rules from the next request on. Importing
the policy already in force writes nothing ("changed": false). The example
policy (*.example.toml, or carrying the example marker) is refused.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pol, _, err := authz.LoadBootstrap(authz.BootstrapSource{PolicyFile: file})
			if err != nil {
				return err
			}
			s, err := a.openStore(cmd, authority)
			if err != nil {
				return err
			}
			defer s.Close()
			rec, changed, err := authz.NewAuthority(s, a.env.Now).Import(cmd.Context(), pol, label)
			if err != nil {
				return err
			}
			return a.printOK(map[string]any{"changed": changed, "authz_policy": authz.Summarize(rec, pol)})
		},
	}
	importTOML.Flags().StringVar(&file, "policy-file", "", "TOML policy file")
	importTOML.Flags().StringVar(&label, "source-label", "cli:import-toml", "source recorded on the new policy record")
	importTOML.MarkFlagRequired("policy-file")

	subs := append([]*cobra.Command{list, importTOML}, a.authzClientCommands()...)
	return group("authz-policies", "Inspect and import authorization policy records; grant and remove rules through the service", subs...)
}

// renderAuthzPolicyCommand is "service render-authz-policy": it validates a
// TOML policy and renders it for the service's bootstrap inputs.
func (a *app) renderAuthzPolicyCommand() *cobra.Command {
	var file, format string
	cmd := &cobra.Command{
		Use:   "render-authz-policy --policy-file FILE [--format json|b64]",
		Short: "Validate a bootstrap policy and render it as JSON or as LAUNCHPLANE_POLICY_B64",
		Long: `Strictly decode a bootstrap TOML policy, then print either its canonical JSON
with the policy_sha256 a stored record of it would carry (--format json), or
a base64 value for LAUNCHPLANE_POLICY_B64 (--format b64: the policy re-encoded
as TOML, comments dropped, on one line). The example policy is refused.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "json" && format != "b64" {
				return usageError{fmt.Errorf("--format must be json or b64, got %q", format)}
			}
			pol, _, err := authz.LoadBootstrap(authz.BootstrapSource{PolicyFile: file})
			if err != nil {
				return err
			}
			if format == "b64" {
				text, err := authz.EncodeTOML(pol)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(a.env.Stdout, base64.StdEncoding.EncodeToString(text))
				return err
			}
			sha, err := policySHA(pol)
			if err != nil {
				return err
			}
			return a.printJSON(map[string]any{"policy": pol, "policy_sha256": sha, "warnings": orNone(pol.Warnings())})
		},
	}
	cmd.Flags().StringVar(&file, "policy-file", "", "TOML policy file")
	cmd.Flags().StringVar(&format, "format", "json", "output format: json or b64")
	cmd.MarkFlagRequired("policy-file")
	return cmd
}

func (a *app) authzCommand() *cobra.Command {
	var file, claims, action, product, context string
	explain := &cobra.Command{
		Use:   "explain --claims FILE --action A --product P --context C [--policy-file FILE]",
		Short: "Explain whether a principal may perform an action, rule by rule",
		Long: `Evaluate one request against a policy and print the decision: allowed or
not, the reason, the first matching rule, and for every rule of the
principal's family each selector with its patterns, the values tried and
whether it matched. Exits 0 either way; read "allowed".

The policy is --policy-file (any TOML policy, the example included) or, without
it, the active record in the database (--database-url, LAUNCHPLANE_DATABASE_URL
or --local-rehearsal).

--claims is a JSON file ('-' for stdin): either a principal
({"type": "github_human", "login": ..., "role": ...}; types github_actions,
github_human, terminal_agent, local_operator, local_admin) or a GitHub Actions
OIDC token payload (repository, workflow_ref, job_workflow_ref, event_name,
ref, ref_type, environment, sub).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := a.readInput(claims)
			if err != nil {
				return err
			}
			principal, err := authz.ParsePrincipal(raw)
			if err != nil {
				return err
			}
			var out explainOutput
			pol := authz.Policy{}
			if strings.TrimSpace(file) != "" {
				if a.databaseURL != "" || a.rehearsal {
					return usageError{fmt.Errorf("authz explain: choose one of --policy-file or a database")}
				}
				if pol, err = authz.ReadPolicyFile(file); err != nil {
					return err
				}
				if out.PolicySHA256, err = policySHA(pol); err != nil {
					return err
				}
				out.PolicySource = "file"
			} else {
				s, err := a.openStore(cmd, authority)
				if err != nil {
					return err
				}
				defer s.Close()
				act, err := authz.NewAuthority(s, a.env.Now).Active(cmd.Context())
				if err != nil {
					return err
				}
				pol = act.Policy
				out.PolicySource, out.PolicySHA256, out.PolicyRecordID = act.Source, act.Record.PolicySHA256, act.Record.RecordID
			}
			out.Decision = authz.Explain(pol, principal, action, product, context)
			return a.printJSON(out)
		},
	}
	f := explain.Flags()
	f.StringVar(&file, "policy-file", "", "TOML policy file (default: the active policy in the database)")
	f.StringVar(&claims, "claims", "", "principal or OIDC claims JSON file ('-' for stdin)")
	f.StringVar(&action, "action", "", "action name, e.g. deployment.write")
	f.StringVar(&product, "product", "", "product the request authorizes against")
	f.StringVar(&context, "context", "", "context the request authorizes against")
	for _, name := range []string{"claims", "action", "product", "context"} {
		explain.MarkFlagRequired(name)
	}
	return group("authz", "Explain authorization decisions", explain)
}

// explainOutput is a decision plus the policy that made it.
type explainOutput struct {
	authz.Decision
	PolicySource   string `json:"policy_source"`
	PolicySHA256   string `json:"policy_sha256"`
	PolicyRecordID string `json:"policy_record_id,omitempty"`
}

// policySHA is the policy_sha256 a stored record of pol would carry.
func policySHA(pol authz.Policy) (string, error) {
	body, err := canonical.JSON(pol)
	if err != nil {
		return "", err
	}
	return record.PolicySHA256(body)
}

func orNone(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
