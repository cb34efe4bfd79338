package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/launchplane/launchplane/internal/canonical"
)

// printJSON writes v as sorted, indented JSON.
func (a *app) printJSON(v any) error {
	b, err := canonical.Indent(v)
	if err != nil {
		return err
	}
	_, err = a.env.Stdout.Write(b)
	return err
}

// printOK prints a mutation result with "status": "ok" merged in.
func (a *app) printOK(result any) error {
	raw, err := json.Marshal(result)
	if err != nil {
		return err
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return fmt.Errorf("print result: %w", err)
	}
	fields["status"] = json.RawMessage(`"ok"`)
	return a.printJSON(fields)
}

// readInput reads --input-file; "-" means standard input.
func (a *app) readInput(path string) ([]byte, error) {
	var r io.Reader = a.env.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("read input file: %w", err)
		}
		defer f.Close()
		r = f
	}
	// Evidence records are small; the cap keeps a wrong file from eating memory.
	const maxInput = 1 << 20
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("read input file: %w", err)
	}
	if len(b) > maxInput {
		return nil, fmt.Errorf("read input file: larger than 1 MiB")
	}
	return b, nil
}
