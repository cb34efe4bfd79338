package runtimeenv

import (
	"context"
	"fmt"
	"strings"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// DeleteOptions controls DeleteRecord.
type DeleteOptions struct {
	// DryRun reports what would be deleted and writes nothing.
	DryRun bool
	// Actor is recorded on the delete event; blank means "unknown".
	Actor string
	// AllowTrackedTarget consents to deleting a record that a tracked
	// provider target depends on.
	AllowTrackedTarget bool
	// Detail is free text recorded on the event.
	Detail string
}

// DeleteResult is the outcome of DeleteRecord: upstream's delete-record
// shape. Record and Event carry key names and counts, never values.
type DeleteResult struct {
	// Status is "dry_run" or "ok".
	Status string `json:"status"`
	// Action is always "delete".
	Action                     string                               `json:"action"`
	Record                     Summary                              `json:"record"`
	Event                      record.RuntimeEnvironmentDeleteEvent `json:"event"`
	ProtectedTrackedTargets    []string                             `json:"protected_tracked_targets"`
	RequiresAllowTrackedTarget bool                                 `json:"requires_allow_tracked_target"`
	Deleted                    bool                                 `json:"deleted"`
}

// DeleteRecord removes the route's whole record. It reads the record,
// checks tracked targets, then (unless DryRun) deletes it in one
// transaction with its delete event, only if the stored record still equals
// what was read: a record that changed or vanished meanwhile is refused,
// and nothing is written.
func (s *Service) DeleteRecord(ctx context.Context, route Route, opts DeleteOptions) (DeleteResult, error) {
	route, err := route.check()
	if err != nil {
		return DeleteResult{}, err
	}
	fail := func(err error) (DeleteResult, error) {
		return DeleteResult{}, fmt.Errorf("delete runtime environment %s: %w", route, err)
	}
	rec, err := s.store.RuntimeEnvGet(ctx, route.Scope, route.Context, route.Instance)
	if err != nil {
		return fail(err)
	}
	targets := []string{}
	if s.tracked != nil {
		found, err := s.tracked(ctx, route)
		if err != nil {
			return fail(fmt.Errorf("read tracked targets: %w", err))
		}
		for _, t := range found {
			targets = append(targets, t.String())
		}
	}
	actor := strings.TrimSpace(opts.Actor)
	if actor == "" {
		actor = "unknown"
	}
	now := s.now()
	recordedAt := record.FormatTime(now)
	keys := rec.EnvKeys()
	event := record.RuntimeEnvironmentDeleteEvent{
		EventID:       record.RuntimeEnvDeleteEventID(rec, actor, recordedAt, now.UnixNano()),
		EventType:     record.RuntimeEnvEventDeleted,
		RecordedAt:    recordedAt,
		Actor:         actor,
		Scope:         rec.Scope,
		Context:       rec.Context,
		Instance:      rec.Instance,
		SourceLabel:   rec.SourceLabel,
		EnvKeys:       keys,
		EnvValueCount: len(keys),
		Detail:        opts.Detail,
	}
	if err := event.Validate(); err != nil {
		return fail(err)
	}
	res := DeleteResult{
		Status: "dry_run", Action: "delete", Record: Summarize(rec), Event: event,
		ProtectedTrackedTargets: targets, RequiresAllowTrackedTarget: len(targets) > 0,
	}
	if opts.DryRun {
		return res, nil
	}
	if res.RequiresAllowTrackedTarget && !opts.AllowTrackedTarget {
		return fail(fmt.Errorf("the record feeds tracked target(s) %s; pass --allow-tracked-target to delete it anyway: %w",
			strings.Join(targets, ", "), ErrRefused))
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.Lock(ctx, route.lockKey()); err != nil {
			return err
		}
		outcome, err := tx.RuntimeEnvDeleteIf(ctx, rec)
		if err != nil {
			return err
		}
		switch outcome {
		case store.DeleteDeleted:
			return tx.RuntimeEnvDeleteEventPut(ctx, event)
		case store.DeleteMissing:
			return fmt.Errorf("the record was deleted after it was read; nothing to delete: %w", ErrRefused)
		default:
			return fmt.Errorf("the record changed after it was read; review it and re-run: %w", ErrRefused)
		}
	})
	if err != nil {
		return fail(err)
	}
	res.Status, res.Deleted = "ok", true
	return res, nil
}

// DeleteEvents lists delete events for a route filter, newest first.
func (s *Service) DeleteEvents(ctx context.Context, p store.RuntimeEnvDeleteEventListParams) ([]record.RuntimeEnvironmentDeleteEvent, error) {
	return s.store.RuntimeEnvDeleteEventList(ctx, p)
}
