package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
)

// withSecrets opens the store and runs fn with a secrets service. needKey
// loads the key ring from the process environment first, so a missing key
// refuses before the database is even opened.
func (a *app) withSecrets(cmd *cobra.Command, needKey bool, fn func(ctx context.Context, svc *secrets.Service) error) error {
	var ring *crypto.KeyRing
	if needKey {
		var err error
		if ring, err = crypto.LoadKeyRing(a.env.Getenv, nil); err != nil {
			return err
		}
	}
	s, err := a.openStore(cmd, authority)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(cmd.Context(), secrets.New(s, ring, a.env.Now, nil))
}

func (a *app) secretsCommand() *cobra.Command {
	return group("secrets", "Write, list and rotate encrypted managed secrets (values are never printed)",
		a.secretsPutCommand(), a.secretsListCommand(), a.secretsShowCommand(),
		a.secretsRelabelCommand(), a.secretsReencryptCommand())
}

func (a *app) secretsPutCommand() *cobra.Command {
	var in secrets.PutInput
	var value, valueFile string
	var valueStdin bool
	cmd := &cobra.Command{
		Use:   "put --scope SCOPE --integration I --name N --binding-key K (--value-file F | --value-stdin | --value V)",
		Short: "Encrypt and store a secret value, bound to an environment key",
		Long: `Encrypt a secret value with the active key of the key ring
(LAUNCHPLANE_MASTER_ENCRYPTION_KEY[_FILE] or LAUNCHPLANE_SECRET_KEYS_JSON[_FILE])
and store it as a new version, unless the current version already holds the
same value (action "unchanged": only the binding is refreshed).

Scopes: global (no --context, no --instance), context (--context), and
context_instance (--context and --instance).

Pass the value with --value-file F or --value-stdin. --value V also works,
but the value then lands in your shell history and the process list. One
trailing newline is dropped from file and stdin values.

Prints the action (created, rotated or unchanged) and the ids; never the value.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := a.secretValue(cmd, value, valueFile, valueStdin)
			if err != nil {
				return err
			}
			in.Value = v
			in.Source = "cli"
			return a.withSecrets(cmd, true, func(ctx context.Context, svc *secrets.Service) error {
				res, err := svc.Put(ctx, in)
				if err != nil {
					return err
				}
				return a.printOK(res)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Scope, "scope", "", "global, context or context_instance")
	f.StringVar(&in.Integration, "integration", "", "integration that consumes the secret (e.g. runtime_environment, dokploy)")
	f.StringVar(&in.Name, "name", "", "secret name")
	f.StringVar(&in.BindingKey, "binding-key", "", "environment key the secret is exposed as")
	f.StringVar(&in.Context, "context", "", "context (scopes context and context_instance)")
	f.StringVar(&in.Instance, "instance", "", "instance (scope context_instance)")
	f.StringVar(&in.Description, "description", "", "what the secret is for")
	f.StringVar(&in.Actor, "actor", "cli", "who is writing")
	f.StringVar(&valueFile, "value-file", "", "read the value from this file (preferred)")
	f.BoolVar(&valueStdin, "value-stdin", false, "read the value from standard input (preferred)")
	f.StringVar(&value, "value", "", "the value itself (lands in shell history; prefer --value-file or --value-stdin)")
	for _, name := range []string{"scope", "integration", "name", "binding-key"} {
		cmd.MarkFlagRequired(name)
	}
	return cmd
}

// secretValue reads the value from exactly one source.
func (a *app) secretValue(cmd *cobra.Command, value, file string, stdin bool) (crypto.Redacted, error) {
	n := 0
	for _, set := range []bool{cmd.Flags().Changed("value"), file != "", stdin} {
		if set {
			n++
		}
	}
	if n != 1 {
		return "", usageError{errors.New("secrets put: choose exactly one of --value-file, --value-stdin or --value")}
	}
	if cmd.Flags().Changed("value") {
		return crypto.Redacted(value), nil
	}
	var r io.Reader = a.env.Stdin
	source := "standard input"
	if file != "" {
		fh, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("read secret value file: %w", err)
		}
		defer fh.Close()
		r, source = fh, "--value-file"
	}
	const maxValue = 64 << 10
	b, err := io.ReadAll(io.LimitReader(r, maxValue+1))
	if err != nil {
		return "", fmt.Errorf("read secret value from %s: %w", source, err)
	}
	if len(b) > maxValue {
		return "", fmt.Errorf("read secret value from %s: larger than 64 KiB", source)
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	return crypto.Redacted(s), nil
}

func (a *app) secretsListCommand() *cobra.Command {
	var f secrets.ListFilter
	cmd := &cobra.Command{
		Use:   "list [--integration I] [--context C] [--instance I]",
		Short: "List secrets' metadata (never values)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withSecrets(cmd, false, func(ctx context.Context, svc *secrets.Service) error {
				list, err := svc.List(ctx, f)
				if err != nil {
					return err
				}
				return a.printJSON(map[string]any{"status": "ok", "count": len(list), "secrets": list})
			})
		},
	}
	cmd.Flags().StringVar(&f.Integration, "integration", "", "only this integration")
	cmd.Flags().StringVar(&f.Context, "context", "", "only this context")
	cmd.Flags().StringVar(&f.Instance, "instance", "", "only this instance")
	return cmd
}

func (a *app) secretsShowCommand() *cobra.Command {
	var id string
	cmd := &cobra.Command{
		Use:   "show --secret-id ID",
		Short: "Show a secret's metadata, bindings, versions and newest audit events (never the value)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withSecrets(cmd, false, func(ctx context.Context, svc *secrets.Service) error {
				v, err := svc.Show(ctx, id)
				if err != nil {
					return err
				}
				return a.printJSON(map[string]any{"status": "ok", "secret": v})
			})
		},
	}
	cmd.Flags().StringVar(&id, "secret-id", "", "secret id")
	cmd.MarkFlagRequired("secret-id")
	return cmd
}

func (a *app) secretsRelabelCommand() *cobra.Command {
	var id, key, actor string
	cmd := &cobra.Command{
		Use:   "relabel-binding --binding-id ID --binding-key K",
		Short: "Move a binding to a new environment key (the old binding is disabled)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withSecrets(cmd, false, func(ctx context.Context, svc *secrets.Service) error {
				res, err := svc.RelabelBinding(ctx, id, key, actor)
				if err != nil {
					return err
				}
				return a.printOK(res)
			})
		},
	}
	cmd.Flags().StringVar(&id, "binding-id", "", "binding to relabel")
	cmd.Flags().StringVar(&key, "binding-key", "", "new environment key")
	cmd.Flags().StringVar(&actor, "actor", "cli", "who is relabelling")
	cmd.MarkFlagRequired("binding-id")
	cmd.MarkFlagRequired("binding-key")
	return cmd
}

func (a *app) secretsReencryptCommand() *cobra.Command {
	var dryRun, apply bool
	cmd := &cobra.Command{
		Use:   "reencrypt --dry-run|--apply",
		Short: "Move every secret version onto the key ring's active key",
		Long: `Open every stored secret version with the configured key ring and seal
the ones not yet under the active key (AES-256-GCM) again. --dry-run opens
every version, proving each still decrypts, and writes nothing; --apply
rewrites the changed versions in one transaction. Afterwards, keys other
than the active one can be removed from the ring.

Prints counts and version ids only.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dryRun == apply {
				return usageError{errors.New("Choose exactly one of --dry-run or --apply.")}
			}
			return a.withSecrets(cmd, true, func(ctx context.Context, svc *secrets.Service) error {
				rep, err := svc.Reencrypt(ctx, apply)
				if err != nil {
					return err
				}
				return a.printOK(rep)
			})
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "report what would change; write nothing")
	cmd.Flags().BoolVar(&apply, "apply", false, "re-encrypt and write")
	return cmd
}
