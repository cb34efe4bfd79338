// Package cli is the launchplane command line: one file per command group,
// JSON on stdout, "Error: ..." on stderr, exit 0 (ok), 1 (refused or
// failed) and 2 (usage).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// Env is everything the CLI takes from its process, injected so tests can
// run it in-process with a fixed clock.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Now    func() time.Time
}

// Exit codes.
const (
	ExitOK      = 0
	ExitFailed  = 1
	ExitUsage   = 2
	envDatabase = "LAUNCHPLANE_DATABASE_URL"
)

// usageError marks a malformed invocation (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// reportedError is a failure whose details were already printed to stdout
// (e.g. a ledger report); it still exits 1 with a one-line summary.
type reportedError struct{ msg string }

func (e reportedError) Error() string { return e.msg }

// Main runs the CLI with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, env Env) int {
	root := newRoot(env)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(env.Stderr, "Error: %s\n", err)
	if isUsage(err) {
		fmt.Fprintf(env.Stderr, "Run 'launchplane %s --help' for usage.\n", commandPath(root, args))
		return ExitUsage
	}
	return ExitFailed
}

func isUsage(err error) bool {
	var ue usageError
	if errors.As(err, &ue) {
		return true
	}
	msg := err.Error()
	for _, prefix := range []string{"unknown command", "required flag", "accepts ", "unknown flag", "unknown shorthand", "invalid argument", "flag needs an argument", "if any flags in the group"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

func commandPath(root *cobra.Command, args []string) string {
	cmd, _, err := root.Find(args)
	if err != nil || cmd == root {
		return ""
	}
	return strings.TrimPrefix(cmd.CommandPath(), root.Name()+" ")
}

// app carries the resolved environment and global flags to every command.
type app struct {
	env         Env
	databaseURL string
	rehearsal   bool
	stateDir    string
}

func newRoot(env Env) *cobra.Command {
	a := &app{env: env}
	root := &cobra.Command{
		Use:   "launchplane",
		Short: "Deployment control plane: durable evidence, safe promotions, exact artifacts",
		Long: `Launchplane records every artifact, deployment, promotion, backup gate and
release tuple as durable, tamper-evident evidence, and keeps the current
inventory of what runs where.

Commands print JSON to stdout (sorted keys, two-space indent) and errors to
stderr as "Error: ...". Exit status: 0 ok, 1 refused or failed, 2 usage.

Authority: commands that read or write records need a database, named by
--database-url or LAUNCHPLANE_DATABASE_URL (postgres://..., postgresql://...
or sqlite:<path>). --local-rehearsal instead uses the embedded SQLite file
<state-dir>/launchplane.db for explicit, non-authoritative local rehearsal.
Nothing falls back silently.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.CompletionOptions.DisableDefaultCmd = true
	pf := root.PersistentFlags()
	pf.StringVar(&a.databaseURL, "database-url", "", "database URL (default $"+envDatabase+")")
	pf.BoolVar(&a.rehearsal, "local-rehearsal", false, "use the local rehearsal SQLite database in --state-dir")
	pf.StringVar(&a.stateDir, "state-dir", "state", "directory of the local rehearsal database")
	root.AddCommand(
		a.artifactsCommand(),
		a.backupGatesCommand(),
		a.deploymentsCommand(),
		a.promotionsCommand(),
		a.inventoryCommand(),
		a.releaseTuplesCommand(),
		a.ledgerCommand(),
		a.migrateCommand(),
		a.quickstartCommand(),
		a.serviceCommand(),
		a.devCommand(),
		a.secretsCommand(),
		a.environmentsCommand(),
		a.productConfigCommand(),
		a.dokployTargetsCommand(),
		a.productProfilesCommand(),
		a.productsCommand(),
		a.productOnboardingCommand(),
		a.storageCommand(),
		a.shipCommand(),
		a.promoteCommand(),
		a.rollbackCommand(),
	)
	root.AddCommand(a.authzCommands()...)
	return root
}

// group builds a command group that only holds subcommands.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	g := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError{fmt.Errorf("%s needs a subcommand (%s)", cmd.CommandPath(), subNames(cmd))}
		},
	}
	g.AddCommand(subs...)
	return g
}

func subNames(cmd *cobra.Command) string {
	var names []string
	for _, c := range cmd.Commands() {
		names = append(names, c.Name())
	}
	return strings.Join(names, ", ")
}
