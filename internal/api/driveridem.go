package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Driver routes act outside any one database transaction (a deploy takes
// minutes), so their Idempotency-Key is reserved before the handler acts:
// a pending row under the key's unique index, completed with the response
// afterwards. A duplicate that arrives while the first runs is refused as
// in progress; one that arrives after it replays the stored response; a
// handler that ends without an effect (an error, a dry run) releases the
// key so a retry can run.
const (
	keyPending  = http.StatusProcessing // 102: reserved, the handler runs
	keyReleased = http.StatusContinue   // 100: freed, as if never used
	// keyPendingTTL bounds how long a reservation left by a crashed
	// process blocks its key: longer than any execution's timeouts.
	keyPendingTTL = 30 * time.Minute
)

// errKeyInProgress refuses a duplicate while the first request runs.
var errKeyInProgress = errors.New("idempotency key in progress")

// errReplayed ends a handler whose request was already answered; the
// caller carries the stored response.
var errReplayed = errors.New("idempotency key replayed")

// keyReservation is one reserved Idempotency-Key of a driver request.
type keyReservation struct {
	api    *API
	route  string
	id     authn.Identity
	key    string
	finger string
	rec    *record.IdempotencyRecord // set once reserved
	replay *acceptedOutput           // set when the key was answered before
}

// reserve runs after the handler authorized the caller (so a revoked
// caller never gets a stored response): it replays an answered key,
// refuses one in progress, or reserves it for this request.
func (k *keyReservation) reserve(ctx context.Context) error {
	if k.key == "" || k.rec != nil || k.api.deps.Store == nil {
		return nil
	}
	now := k.api.deps.Now()
	scope := idempotencyScope(k.id)
	return k.api.deps.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.Lock(ctx, "idempotency:"+url.PathEscape(scope)+"/"+url.PathEscape(k.route)+"/"+url.PathEscape(k.key)); err != nil {
			return err
		}
		pending := record.IdempotencyRecord{RecordID: record.IdempotencyRecordID(TraceID(ctx)), Scope: scope, RoutePath: k.route,
			IdempotencyKey: k.key, RequestFingerprint: k.finger, ResponseStatusCode: keyPending, ResponseTraceID: TraceID(ctx),
			RecordedAt: record.FormatTime(now), ResponsePayload: []byte(`{"status":"pending"}`)}
		prev, err := tx.IdempotencyFind(ctx, scope, k.route, k.key)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		case prev.ResponseStatusCode == keyPending && !expired(prev.RecordedAt, now):
			return errKeyInProgress
		case prev.ResponseStatusCode == keyPending, prev.ResponseStatusCode == keyReleased:
			pending.RecordID = prev.RecordID // reuse the row the unique index holds
		case prev.RequestFingerprint != k.finger:
			return errIdempotencyReused
		default:
			if k.replay, err = replay(ctx, prev); err != nil {
				return err
			}
			return errReplayed
		}
		if err := tx.IdempotencyPut(ctx, pending); err != nil {
			return err
		}
		k.rec = &pending
		return nil
	})
}

func expired(recordedAt string, now time.Time) bool {
	t, err := record.ParseTime(recordedAt)
	return err != nil || now.Sub(t) > keyPendingTTL
}

// finish completes a reservation with the handler's response, or releases
// it when body is nil (no effect to remember). Failures are logged: the
// effect already happened and its answer goes out either way.
func (k *keyReservation) finish(ctx context.Context, body *Accepted) {
	if k.rec == nil {
		return
	}
	rec := *k.rec
	rec.RecordedAt = record.FormatTime(k.api.deps.Now())
	if body == nil {
		rec.ResponseStatusCode, rec.ResponsePayload = keyReleased, []byte(`{"status":"released"}`)
	} else {
		done, err := k.api.idempotencyRecord(k.route, k.id, k.key, k.finger, *body)
		if err != nil {
			k.api.log.ErrorContext(ctx, "encode driver idempotency record", slog.String("trace_id", TraceID(ctx)), slog.String("error", err.Error()))
			return
		}
		done.RecordID = rec.RecordID
		rec = done
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := k.api.deps.Store.Update(ctx, func(tx store.Tx) error { return tx.IdempotencyPut(ctx, rec) }); err != nil {
		k.api.log.ErrorContext(ctx, "store driver idempotency record", slog.String("trace_id", TraceID(ctx)), slog.String("error", err.Error()))
	}
}
