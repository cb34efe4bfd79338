// Command launchplane is the Launchplane CLI and service binary.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/launchplane/launchplane/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Env{
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Getenv: os.Getenv,
		Now:    time.Now,
	})
	stop()
	os.Exit(code)
}
