package dokploysim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrNoContainer is returned when runtime logs are appended to a resource
// that has never finished a deploy, so nothing runs that could log.
var ErrNoContainer = errors.New("no running container (no deploy has finished done)")

// logLine is one line a container wrote, stamped with the sim clock.
type logLine struct {
	at   time.Time
	text string
}

// container is a synthetic Docker container running a live snapshot.
type container struct {
	id        string // short (12 hex) id, as docker ps prints it
	name      string
	service   string // compose service; "" for an application
	startedAt time.Time
	logs      []logLine
}

func (c *container) log(at time.Time, text string) {
	for line := range strings.SplitSeq(strings.TrimRight(text, "\n"), "\n") {
		c.logs = append(c.logs, logLine{at: at, text: line})
	}
}

func (s *Sim) newContainer(t *target, service, name string, at time.Time) *container {
	return &container{id: s.containerID(t.appName(), service), name: name, service: service, startedAt: at}
}

// containerID derives a stable, unique short id.
func (s *Sim) containerID(appName, service string) string {
	s.seq++
	sum := sha256.Sum256([]byte(appName + "/" + service + "/" + strconv.Itoa(s.seq)))
	return hex.EncodeToString(sum[:])[:12]
}

// composeServicesRe finds the service keys of a compose file: lines
// indented once under a top-level "services:" key.
var composeServiceRe = regexp.MustCompile(`^([ \t]+)([A-Za-z0-9][A-Za-z0-9._-]*)[ \t]*:[ \t]*(#.*)?$`)

// composeServices lists the services of a compose file in file order. It
// reads only the shape compose files use (a top-level services: map), not
// YAML in general; a file without one (a git source, whose file the
// simulator never sees) runs a single "web" service.
func composeServices(file string) []string {
	var out []string
	in, indent := false, ""
	for line := range strings.SplitSeq(file, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			in, indent = strings.HasPrefix(line, "services:"), ""
			continue
		}
		if !in {
			continue
		}
		m := composeServiceRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if indent == "" {
			indent = m[1]
		}
		if m[1] == indent {
			out = append(out, m[2])
		}
	}
	if len(out) == 0 {
		return []string{"web"}
	}
	return out
}

// primaryContainer is where AppendLog writes: the application's container,
// or a compose's "web" service (else its first).
func (t *target) primaryContainer() *container {
	if len(t.containers) == 0 {
		return nil
	}
	for _, c := range t.containers {
		if c.service == "web" {
			return c
		}
	}
	return t.containers[0]
}

// AppendLog appends runtime log lines (split on newlines) to the running
// container of the application or compose id, stamped with the sim clock;
// for a compose it is the "web" service's container, else the first.
// Tests use it to plant lines, e.g. secret-looking ones.
func (s *Sim) AppendLog(id, line string) error { return s.AppendServiceLog(id, "", line) }

// AppendServiceLog is AppendLog for one compose service; an empty service
// means the primary container.
func (s *Sim) AppendServiceLog(id, service, line string) error {
	s.lock()
	defer s.mu.Unlock()
	t := s.targets[id]
	if t == nil {
		return fmt.Errorf("append log %q: %w", id, ErrUnknownTarget)
	}
	c := t.primaryContainer()
	if service != "" {
		c = nil
		for _, cc := range t.containers {
			if cc.service == service {
				c = cc
			}
		}
	}
	if c == nil {
		return fmt.Errorf("append log %q: %w", id, ErrNoContainer)
	}
	c.log(s.cfg.Now(), line)
	return nil
}

// readLogsInput is the shared tail/since/search input after zod defaults.
type readLogsInput struct {
	tail   int
	since  string
	search string
}

func logsInput(in input) readLogsInput {
	r := readLogsInput{tail: 100, since: "all"}
	if raw, ok := in["tail"]; ok {
		var n float64
		if json.Unmarshal(raw, &n) == nil {
			r.tail = int(n)
		}
	}
	if v := in.str("since"); v != "" {
		r.since = v
	}
	r.search = in.str("search")
	return r
}

// containerLogs renders what Dokploy's getContainerLogs returns: the
// output of `docker container logs --timestamps --tail N [--since S]`,
// piped through `grep -iF SEARCH` when a search is given. grep finding
// nothing exits 1 with empty output, which Dokploy reports as a failed
// command (500), not as an empty string.
func (s *Sim) containerLogs(c *container, r readLogsInput) (any, *apiError) {
	lines := c.logs
	if r.since != "all" {
		n, _ := strconv.Atoi(r.since[:len(r.since)-1])
		unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[r.since[len(r.since)-1]]
		cutoff := s.cfg.Now().Add(-time.Duration(n) * unit)
		var kept []logLine
		for _, l := range lines {
			if !l.at.Before(cutoff) {
				kept = append(kept, l)
			}
		}
		lines = kept
	}
	if len(lines) > r.tail {
		lines = lines[len(lines)-r.tail:]
	}
	var b strings.Builder
	needle := strings.ToLower(r.search)
	for _, l := range lines {
		out := l.at.UTC().Format("2006-01-02T15:04:05.000000000Z") + " " + l.text
		if r.search != "" && !strings.Contains(strings.ToLower(out), needle) {
			continue
		}
		b.WriteString(out)
		b.WriteByte('\n')
	}
	if r.search != "" && b.Len() == 0 {
		cmd := fmt.Sprintf("docker container logs --timestamps --tail %d", r.tail)
		if r.since != "all" {
			cmd += " --since " + r.since
		}
		return nil, newError("INTERNAL_SERVER_ERROR",
			fmt.Sprintf("Command failed: %s %s 2>&1 | grep -iF '%s'", cmd, c.id, r.search))
	}
	return b.String(), nil
}

// applicationReadLogs finds the application's container by name, as
// Dokploy does (docker ps --filter name=^<appName>); before any deploy
// finished there is none.
func (s *Sim) applicationReadLogs(in input) (any, *apiError) {
	t, err := s.app(in.str("applicationId"))
	if err != nil {
		return nil, err
	}
	c := t.primaryContainer()
	if c == nil {
		return nil, newError("INTERNAL_SERVER_ERROR", "No container or service found for: "+t.app.AppName)
	}
	return s.containerLogs(c, logsInput(in))
}

// composeReadLogs reads one container of the compose's server. Dokploy
// looks the given value up as a container name prefix; the simulator
// also accepts the short container id that docker.getContainersByAppNameMatch
// returns.
func (s *Sim) composeReadLogs(in input) (any, *apiError) {
	if _, err := s.composeTarget(in.str("composeId")); err != nil {
		return nil, err
	}
	want := in.str("containerId")
	for _, id := range s.targetOrder() {
		for _, c := range s.targets[id].containers {
			if c.id == want || strings.HasPrefix(c.name, want) {
				return s.containerLogs(c, logsInput(in))
			}
		}
	}
	return nil, newError("INTERNAL_SERVER_ERROR", "No container or service found for: "+want)
}

// targetOrder lists target ids in creation order, for deterministic scans.
func (s *Sim) targetOrder() []string {
	var ids []string
	for _, p := range s.projects {
		for _, e := range p.environments {
			ids = append(ids, e.targets...)
		}
	}
	return ids
}

// dockerContainersByAppNameMatch answers docker.getContainersByAppNameMatch:
// with appType docker-compose or stack, the containers labelled with the
// compose project (or stack namespace) appName; without it, containers
// whose name starts with appName.
func (s *Sim) dockerContainersByAppNameMatch(in input) (any, *apiError) {
	appName, appType := in.str("appName"), in.str("appType")
	out := []map[string]any{}
	now := s.cfg.Now()
	for _, id := range s.targetOrder() {
		t := s.targets[id]
		for _, c := range t.containers {
			match := strings.HasPrefix(c.name, appName)
			if appType != "" {
				match = t.compose != nil && t.compose.AppName == appName
			}
			if match {
				out = append(out, map[string]any{
					"containerId": c.id, "name": c.name, "state": "running", "status": "Up " + humanDuration(now.Sub(c.startedAt)),
				})
			}
		}
	}
	return out, nil
}

// humanDuration is docker's "Up …" wording.
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return "Less than a second"
	case d < time.Minute:
		return fmt.Sprintf("%d seconds", int(d.Seconds()))
	case d < 2*time.Minute:
		return "About a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	case d < 2*time.Hour:
		return "About an hour"
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

// deploymentReadLogs is `tail -n N` of the deployment's log file.
func (s *Sim) deploymentReadLogs(in input) (any, *apiError) {
	dep := s.findDeployment(in.str("deploymentId"))
	if dep == nil {
		return nil, notFound("Deployment not found")
	}
	if dep.LogPath == "" || len(dep.logs) == 0 {
		return "", nil
	}
	lines := dep.logs
	if r := logsInput(in); len(lines) > r.tail {
		lines = lines[len(lines)-r.tail:]
	}
	return strings.Join(lines, "\n") + "\n", nil
}

func (s *Sim) findDeployment(id string) *deployment {
	for _, t := range s.targets {
		for _, d := range t.deployments {
			if d.DeploymentID == id {
				return d
			}
		}
	}
	for _, sc := range s.schedules {
		for _, d := range sc.deployments {
			if d.DeploymentID == id {
				return d
			}
		}
	}
	return nil
}

// deploymentAllByType lists a resource's deployments newest first, each
// with its rollback relation. An unknown id is an empty list, as the
// query is a plain filter; the simulator keeps rows only for
// applications, composes and schedules.
func (s *Sim) deploymentAllByType(in input) (any, *apiError) {
	type withRollback struct {
		*deployment
		Rollback any `json:"rollback"`
	}
	out := []withRollback{}
	id, typ := in.str("id"), in.str("type")
	var rows []*deployment
	switch t := s.targets[id]; {
	case typ == "schedule":
		if sc, _ := s.scheduleOf(id); sc != nil {
			rows = newestFirstRows(sc.deployments)
		}
	case t == nil:
	case typ == "application" && t.app != nil, typ == "compose" && t.compose != nil:
		rows = newestFirst(t)
	}
	for _, d := range rows {
		out = append(out, withRollback{deployment: d})
	}
	return out, nil
}
