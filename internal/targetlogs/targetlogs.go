// Package targetlogs reads the runtime logs of a tracked Dokploy target
// (application or compose), bounded and redacted, for the CLI
// (environments logs) and the service (GET .../instances/{i}/logs).
package targetlogs

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

// Line-count bounds (upstream's DEFAULT/MAX_DOKPLOY_LOG_LINE_COUNT).
const (
	DefaultLines = 200
	MaxLines     = 1000
)

// ErrInvalidOptions marks a bad lines, since or search value. It wraps
// record.ErrInvalid so surfaces map it to a validation failure.
var ErrInvalidOptions = fmt.Errorf("invalid log options: %w", record.ErrInvalid)

// ProviderError is a failed Dokploy call while reading logs. Op names the
// step (target-inspect, container-list, runtime-log-read); surfaces report
// it as "logs unavailable" without the provider's payload.
type ProviderError struct {
	Op  string
	Err error
}

func (e *ProviderError) Error() string { return "read target logs: " + e.Op + ": " + e.Err.Error() }
func (e *ProviderError) Unwrap() error { return e.Err }

// ErrNoContainer means a compose target has no container to read (it has
// never been deployed, or everything was removed).
var ErrNoContainer = errors.New("the compose target has no containers")

// Options bound a read. The zero value reads the last DefaultLines lines.
type Options struct {
	// Lines is how many of the newest lines to return: 0 means
	// DefaultLines; otherwise 1 to MaxLines.
	Lines int
	// Since is "all" or a duration like 10m, 2h, 1d ("" means all).
	Since string
	// Search keeps only lines containing it, case-insensitively: letters,
	// digits, spaces, '.', '_' and '-', at most 500.
	Search string
}

var (
	sinceRe  = regexp.MustCompile(`^(all|\d+[smhd])$`)
	searchRe = regexp.MustCompile(`^[a-zA-Z0-9 ._-]{0,500}$`)
)

// Normalize applies the defaults and checks the bounds. Messages name the
// rule, never the value.
func (o Options) Normalize() (Options, error) {
	if o.Lines == 0 {
		o.Lines = DefaultLines
	}
	if o.Lines < 1 || o.Lines > MaxLines {
		return o, fmt.Errorf("%w: lines must be 1 to %d", ErrInvalidOptions, MaxLines)
	}
	o.Since = strings.TrimSpace(o.Since)
	if o.Since == "" {
		o.Since = "all"
	}
	if !sinceRe.MatchString(o.Since) {
		return o, fmt.Errorf("%w: since must be all or a number followed by s, m, h or d (e.g. 10m)", ErrInvalidOptions)
	}
	o.Search = strings.TrimSpace(o.Search)
	if !searchRe.MatchString(o.Search) {
		return o, fmt.Errorf("%w: search may hold only letters, digits, spaces, dots, underscores and dashes (at most 500)", ErrInvalidOptions)
	}
	return o, nil
}

// ParseLines reads a lines query or flag value; "" means the default.
func ParseLines(s string) (int, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%w: lines must be a whole number", ErrInvalidOptions)
	}
	if n < 1 {
		return 0, fmt.Errorf("%w: lines must be 1 to %d", ErrInvalidOptions, MaxLines)
	}
	return n, nil
}

// Result is a redacted log read. Field names follow upstream's tracked
// target logs payload; it never carries credentials or env values.
type Result struct {
	Context  string  `json:"context"`
	Instance string  `json:"instance"`
	Target   Target  `json:"target"`
	Request  Request `json:"request"`
	Logs     Logs    `json:"logs"`
}

// Target identifies what was read.
type Target struct {
	TargetID    string `json:"target_id"`
	TargetType  string `json:"target_type"`
	TargetName  string `json:"target_name"`
	AppName     string `json:"app_name"`
	ServerID    string `json:"server_id"`
	SourceLabel string `json:"source_label"`
	// Container is the compose container read (its name); empty for an
	// application, whose single service Dokploy finds itself.
	Container string `json:"container,omitempty"`
}

// Request echoes the normalized options.
type Request struct {
	LineCount int    `json:"line_count"`
	Since     string `json:"since"`
	Search    string `json:"search"`
}

// Logs holds the newest lines, oldest first, each redacted.
type Logs struct {
	LineCount int      `json:"line_count"`
	Lines     []string `json:"lines"`
	Redacted  bool     `json:"redacted"`
	// Truncated is true when the provider returned more lines than
	// requested and older ones were dropped.
	Truncated bool `json:"truncated"`
}

// Provider is the part of *dokploy.Client a read uses.
type Provider interface {
	Application(ctx context.Context, id string) (*dokploy.Application, error)
	Compose(ctx context.Context, id string) (*dokploy.Compose, error)
	ApplicationLogs(ctx context.Context, id string, tail int, since, search string) (string, error)
	ComposeContainers(ctx context.Context, appName string) ([]dokploy.Container, error)
	ComposeLogs(ctx context.Context, composeID, containerID string, tail int, since, search string) (string, error)
}

// Read fetches the newest log lines of a tracked target and redacts them.
// An application is read with application.readLogs. A compose is read
// from one container: the one of the "web" service (named <app>-web-N),
// else the first that docker.getContainersByAppNameMatch lists. A search
// that matches nothing is an empty result, not an error (Dokploy reports
// grep's exit status 1 as a failed command).
func Read(ctx context.Context, p Provider, tr targets.Tracked, o Options) (Result, error) {
	o, err := o.Normalize()
	if err != nil {
		return Result{}, err
	}
	res := Result{
		Context:  tr.Target.Context,
		Instance: tr.Target.Instance,
		Target: Target{
			TargetID: tr.TargetID(), TargetType: tr.Target.TargetType, TargetName: tr.Target.TargetName,
			SourceLabel: tr.Target.SourceLabel,
		},
		Request: Request{LineCount: o.Lines, Since: o.Since, Search: o.Search},
		Logs:    Logs{Lines: []string{}, Redacted: true},
	}
	var raw string
	switch tr.Target.TargetType {
	case record.TargetApplication:
		app, err := p.Application(ctx, tr.TargetID())
		if err != nil {
			return Result{}, &ProviderError{Op: "target-inspect", Err: err}
		}
		res.Target.AppName, res.Target.ServerID = app.AppName, targets.Deref(app.ServerID)
		raw, err = p.ApplicationLogs(ctx, tr.TargetID(), o.Lines, o.Since, o.Search)
		if err != nil && !noMatch(err, o) {
			return Result{}, &ProviderError{Op: "runtime-log-read", Err: err}
		}
	case record.TargetCompose:
		cm, err := p.Compose(ctx, tr.TargetID())
		if err != nil {
			return Result{}, &ProviderError{Op: "target-inspect", Err: err}
		}
		res.Target.AppName, res.Target.ServerID = cm.AppName, targets.Deref(cm.ServerID)
		cs, err := p.ComposeContainers(ctx, cm.AppName)
		if err != nil {
			return Result{}, &ProviderError{Op: "container-list", Err: err}
		}
		c, ok := pickContainer(cs)
		if !ok {
			return Result{}, &ProviderError{Op: "container-list", Err: ErrNoContainer}
		}
		res.Target.Container = c.Name
		raw, err = p.ComposeLogs(ctx, cm.ComposeID, c.ContainerID, o.Lines, o.Since, o.Search)
		if err != nil && !noMatch(err, o) {
			return Result{}, &ProviderError{Op: "runtime-log-read", Err: err}
		}
	default:
		return Result{}, fmt.Errorf("read target logs: unsupported target type %q", tr.Target.TargetType)
	}
	lines := splitLines(raw)
	if len(lines) > o.Lines {
		lines, res.Logs.Truncated = lines[len(lines)-o.Lines:], true
	}
	for _, l := range lines {
		res.Logs.Lines = append(res.Logs.Lines, Redact(l))
	}
	res.Logs.LineCount = len(res.Logs.Lines)
	return res, nil
}

// ReadTracked resolves the tracked target of (context, instance), builds a
// Dokploy client from the managed dokploy secrets, and reads. base carries
// transport settings only.
func ReadTracked(ctx context.Context, r store.Reader, creds targets.IntegrationSecrets, base dokploy.Config, context, instance string, o Options) (Result, error) {
	o, err := o.Normalize()
	if err != nil {
		return Result{}, err
	}
	tr, err := targets.Resolve(ctx, r, context, instance)
	if err != nil {
		return Result{}, err
	}
	c, err := targets.DokployClient(ctx, creds, base)
	if err != nil {
		return Result{}, err
	}
	return Read(ctx, c, tr, o)
}

// noMatch reports Dokploy's answer to a search that matched nothing: grep
// exits 1, which the readLogs procedure reports as a failed command (500).
func noMatch(err error, o Options) bool {
	var e *dokploy.APIError
	return o.Search != "" && errors.As(err, &e) && e.Status == 500 && strings.HasPrefix(e.Message, "Command failed:")
}

// pickContainer prefers the compose "web" service, as Launchplane's
// products serve from it: a name <project>-web-<n> (or ..._web_<n>).
func pickContainer(cs []dokploy.Container) (dokploy.Container, bool) {
	for _, c := range cs {
		if isWebName(c.Name) {
			return c, true
		}
	}
	for _, c := range cs {
		if c.ContainerID != "" {
			return c, true
		}
	}
	return dokploy.Container{}, false
}

func isWebName(name string) bool {
	parts := strings.FieldsFunc(strings.ToLower(strings.Trim(name, "/ ")), func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	if len(parts) == 0 {
		return false
	}
	svc := parts[len(parts)-1]
	if _, err := strconv.Atoi(svc); err == nil && len(parts) > 1 {
		svc = parts[len(parts)-2]
	}
	return svc == "web"
}

// splitLines splits docker's output into lines, dropping the final
// newline's empty tail and carriage returns.
func splitLines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}
