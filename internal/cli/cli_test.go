package cli_test

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/launchplane/launchplane/internal/cli"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"launchplane": func() {
			os.Exit(cli.Main(context.Background(), os.Args[1:], cli.Env{
				Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: time.Now,
			}))
		},
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// A developer's own database URL must not leak into the scripts.
			env.Setenv("LAUNCHPLANE_DATABASE_URL", "")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// sqlite-exec DBFILE STATEMENT runs raw SQL beneath the store,
			// the way an attacker with database access would.
			"sqlite-exec": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: sqlite-exec DBFILE STATEMENT")
				}
				db, err := sql.Open("sqlite", "file:"+ts.MkAbs(args[0]))
				ts.Check(err)
				defer db.Close()
				res, err := db.Exec(args[1])
				ts.Check(err)
				n, err := res.RowsAffected()
				ts.Check(err)
				if n == 0 {
					ts.Fatalf("sqlite-exec: statement changed no rows")
				}
			},
		},
	})
}
