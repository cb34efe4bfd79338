package dokploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Schedule types accepted by schedule.list and schedule.create.
const (
	ScheduleApplication   = "application"
	ScheduleCompose       = "compose"
	ScheduleServer        = "server"
	ScheduleDokployServer = "dokploy-server"
)

// Schedule is a schedule row as schedule.list, create and update return it.
// Dokploy stores the submitted values verbatim.
type Schedule struct {
	ScheduleID     string  `json:"scheduleId"`
	Name           string  `json:"name"`
	Description    *string `json:"description"`
	CronExpression string  `json:"cronExpression"`
	AppName        string  `json:"appName"`
	ServiceName    *string `json:"serviceName"`
	ShellType      string  `json:"shellType"`
	ScheduleType   string  `json:"scheduleType"`
	Command        string  `json:"command"`
	Script         *string `json:"script"`
	ApplicationID  *string `json:"applicationId"`
	ComposeID      *string `json:"composeId"`
	ServerID       *string `json:"serverId"`
	OrganizationID *string `json:"organizationId"`
	Enabled        bool    `json:"enabled"`
	Timezone       *string `json:"timezone"`
	CreatedAt      string  `json:"createdAt"`
	// Deployments (schedule.list only) are the runs, newest first.
	Deployments []Deployment `json:"deployments"`
}

// ScheduleInput is the input of schedule.create and, with a schedule id,
// of schedule.update, which takes the whole schema again. Nullable fields
// are always sent, nil as JSON null, so an update resets what the input
// leaves unset. Empty AppName, ShellType and ScheduleType are left out:
// create then generates a schedule-… name and uses bash and application,
// and update keeps the stored value.
type ScheduleInput struct {
	Name           string  `json:"name"`
	CronExpression string  `json:"cronExpression"`
	Command        string  `json:"command"`
	AppName        string  `json:"appName,omitempty"`
	ShellType      string  `json:"shellType,omitempty"`
	ScheduleType   string  `json:"scheduleType,omitempty"`
	Script         *string `json:"script"`
	ApplicationID  *string `json:"applicationId"`
	ComposeID      *string `json:"composeId"`
	ServerID       *string `json:"serverId"`
	ServiceName    *string `json:"serviceName"`
	Enabled        bool    `json:"enabled"`
	Timezone       *string `json:"timezone"`
	Description    *string `json:"description"`
}

func (in ScheduleInput) check() error {
	if in.Name == "" || in.CronExpression == "" || in.Command == "" {
		return errors.New("name, cron expression and command are required")
	}
	return nil
}

// ScheduleRun is the answer of schedule.runManually.
type ScheduleRun struct {
	// Status is "done" or "error" (v0.30+, which answers 200 even when
	// the command failed), or "" for a legacy answer.
	Status       string `json:"status"`
	DeploymentID string `json:"deploymentId"`
	LogPath      string `json:"logPath"`
	// Legacy is set when Dokploy ≤0.29 answered true: the run succeeded,
	// and its row must be found with DeploymentsByType. (A failed legacy run
	// is an *APIError for which IsRemoteCommandFailed holds.)
	Legacy bool `json:"-"`
}

func validScheduleType(typ string) bool {
	switch typ {
	case ScheduleApplication, ScheduleCompose, ScheduleServer, ScheduleDokployServer:
		return true
	}
	return false
}

// Schedules lists schedules (schedule.list), oldest first, each with its
// runs newest first. id is the application, compose or server id the type
// names; for dokploy-server, Dokploy ≥0.29.7 ignores it and lists the
// key's organization's host schedules.
func (c *Client) Schedules(ctx context.Context, id, scheduleType string) ([]Schedule, error) {
	if id == "" {
		return nil, errors.New("list schedules: id is empty")
	}
	if !validScheduleType(scheduleType) {
		return nil, fmt.Errorf("list schedules: unknown schedule type %q", scheduleType)
	}
	var ss []Schedule
	q := url.Values{"id": {id}, "scheduleType": {scheduleType}}
	if err := c.query(ctx, "schedule.list", q, &ss); err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	return ss, nil
}

// CreateSchedule creates a schedule (schedule.create) and returns the row.
func (c *Client) CreateSchedule(ctx context.Context, in ScheduleInput) (*Schedule, error) {
	if err := in.check(); err != nil {
		return nil, fmt.Errorf("create schedule: %w", err)
	}
	var s Schedule
	if err := c.mutate(ctx, "schedule.create", in, &s); err != nil {
		return nil, fmt.Errorf("create schedule: %w", err)
	}
	if s.ScheduleID == "" {
		return nil, errors.New("create schedule: response has no scheduleId")
	}
	return &s, nil
}

// UpdateSchedule rewrites schedule id with the whole of in (schedule.update).
func (c *Client) UpdateSchedule(ctx context.Context, id string, in ScheduleInput) (*Schedule, error) {
	if id == "" {
		return nil, errors.New("update schedule: id is empty")
	}
	if err := in.check(); err != nil {
		return nil, fmt.Errorf("update schedule: %w", err)
	}
	body := struct {
		ScheduleID string `json:"scheduleId"`
		ScheduleInput
	}{id, in}
	var s Schedule
	if err := c.mutate(ctx, "schedule.update", body, &s); err != nil {
		return nil, fmt.Errorf("update schedule: %w", err)
	}
	return &s, nil
}

// DeleteSchedule deletes a schedule and its runs (schedule.delete).
func (c *Client) DeleteSchedule(ctx context.Context, id string) error {
	if id == "" {
		return errors.New("delete schedule: id is empty")
	}
	in := struct {
		ScheduleID string `json:"scheduleId"`
	}{id}
	if err := c.mutate(ctx, "schedule.delete", in, nil); err != nil {
		return fmt.Errorf("delete schedule: %w", err)
	}
	return nil
}

// RunSchedule runs a schedule now (schedule.runManually). Dokploy answers
// only when the command has finished, so the request's timeout is
// jobTimeout rather than the client's; a timeout leaves the run going on
// the server (effect unknown: read the schedule's runs to learn the
// outcome). Like every mutation it is never retried. A failed command is
// a result with Status "error" on v0.30+, and an *APIError for which
// IsRemoteCommandFailed holds on ≤0.29.
func (c *Client) RunSchedule(ctx context.Context, id string, jobTimeout time.Duration) (*ScheduleRun, error) {
	if id == "" {
		return nil, errors.New("run schedule: id is empty")
	}
	if jobTimeout <= 0 {
		return nil, errors.New("run schedule: job timeout must be positive")
	}
	in := struct {
		ScheduleID string `json:"scheduleId"`
	}{id}
	var raw json.RawMessage
	if err := c.mutateTimeout(ctx, "schedule.runManually", in, &raw, jobTimeout); err != nil {
		return nil, fmt.Errorf("run schedule: %w", err)
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("true")) {
		return &ScheduleRun{Legacy: true}, nil
	}
	var run ScheduleRun
	if err := json.Unmarshal(raw, &run); err != nil || run.Status == "" {
		return nil, fmt.Errorf("run schedule: unexpected response %s", snippet(raw, c.apiKey))
	}
	return &run, nil
}

// Sentinel errors of UpsertSchedule.
var (
	// ErrDuplicateSchedule: more than one schedule matches the input.
	ErrDuplicateSchedule = errors.New("duplicate schedules")
	// ErrScheduleMismatch: the schedule read back differs from the input.
	ErrScheduleMismatch = errors.New("schedule read back differs")
)

// UpsertSchedule creates or rewrites the schedule in describes (§10): it
// lists the owner's schedules, matches by name (and, for host schedules,
// by appName too), updates the one match or creates a schedule, then
// lists again and checks that name, cronExpression, scheduleType,
// shellType, command, applicationId, enabled and timezone read back as
// sent. More than one match is ErrDuplicateSchedule; a difference is
// ErrScheduleMismatch naming the fields (not their values, which may hold
// secrets). Empty ShellType and ScheduleType mean bash and application.
func (c *Client) UpsertSchedule(ctx context.Context, in ScheduleInput) (*Schedule, error) {
	if in.ShellType == "" {
		in.ShellType = "bash"
	}
	if in.ScheduleType == "" {
		in.ScheduleType = ScheduleApplication
	}
	if err := in.check(); err != nil {
		return nil, fmt.Errorf("upsert schedule: %w", err)
	}
	owner, err := scheduleOwner(in)
	if err != nil {
		return nil, fmt.Errorf("upsert schedule: %w", err)
	}
	find := func() (*Schedule, error) {
		ss, err := c.Schedules(ctx, owner, in.ScheduleType)
		if err != nil {
			return nil, err
		}
		matches := matchSchedules(ss, in)
		switch len(matches) {
		case 0:
			return nil, nil
		case 1:
			return &matches[0], nil
		}
		return nil, fmt.Errorf("%w: %d schedules match name %q", ErrDuplicateSchedule, len(matches), in.Name)
	}
	found, err := find()
	if err != nil {
		return nil, fmt.Errorf("upsert schedule: %w", err)
	}
	if found != nil {
		_, err = c.UpdateSchedule(ctx, found.ScheduleID, in)
	} else {
		_, err = c.CreateSchedule(ctx, in)
	}
	if err != nil {
		return nil, fmt.Errorf("upsert schedule: %w", err)
	}
	got, err := find()
	if err != nil {
		return nil, fmt.Errorf("upsert schedule: read back: %w", err)
	}
	if got == nil {
		return nil, fmt.Errorf("upsert schedule: read back: %w: schedule %q is not listed", ErrScheduleMismatch, in.Name)
	}
	if diff := scheduleMismatches(in, got); len(diff) > 0 {
		return nil, fmt.Errorf("upsert schedule: %w: %s", ErrScheduleMismatch, strings.Join(diff, ", "))
	}
	return got, nil
}

// dokployServerListID is sent as schedule.list's id for dokploy-server
// schedules, which Dokploy ≥0.29.7 filters by organization instead.
const dokployServerListID = "dokploy-server"

// scheduleOwner is the schedule.list id for in's schedule type.
func scheduleOwner(in ScheduleInput) (string, error) {
	var id *string
	switch in.ScheduleType {
	case ScheduleApplication:
		id = in.ApplicationID
	case ScheduleCompose:
		id = in.ComposeID
	case ScheduleServer:
		id = in.ServerID
	case ScheduleDokployServer:
		return dokployServerListID, nil
	default:
		return "", fmt.Errorf("unknown schedule type %q", in.ScheduleType)
	}
	if id == nil || *id == "" {
		return "", fmt.Errorf("a %s schedule needs its %s id", in.ScheduleType, in.ScheduleType)
	}
	return *id, nil
}

// matchSchedules returns the schedules that are in's: the same name, or,
// for host schedules, the same appName.
func matchSchedules(ss []Schedule, in ScheduleInput) []Schedule {
	host := in.ScheduleType == ScheduleServer || in.ScheduleType == ScheduleDokployServer
	var out []Schedule
	for _, s := range ss {
		if s.Name == in.Name || host && in.AppName != "" && s.AppName == in.AppName {
			out = append(out, s)
		}
	}
	return out
}

// scheduleMismatches names the compared fields where got differs from in.
func scheduleMismatches(in ScheduleInput, got *Schedule) []string {
	var diff []string
	check := func(name string, same bool) {
		if !same {
			diff = append(diff, name)
		}
	}
	check("name", got.Name == in.Name)
	check("cronExpression", got.CronExpression == in.CronExpression)
	check("scheduleType", got.ScheduleType == in.ScheduleType)
	check("shellType", got.ShellType == in.ShellType)
	check("command", got.Command == in.Command)
	check("applicationId", samePtr(got.ApplicationID, in.ApplicationID))
	check("enabled", got.Enabled == in.Enabled)
	check("timezone", samePtr(got.Timezone, in.Timezone))
	return diff
}

func samePtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
