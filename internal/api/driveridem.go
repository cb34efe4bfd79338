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
	// process blocks its key. It is longer than any execution can run
	// (deploy and health timeouts are capped at an hour each, and the lane
	// reservation adds ten minutes), so a live run's key is never taken
	// over; finish also writes only a reservation it still owns.
	keyPendingTTL = 3 * time.Hour
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
		if err := tx.Lock(ctx, k.lockKey()); err != nil {
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
// it when body is nil (no effect to remember). It writes only while the
// row is still this request's reservation, and retries a failed write a
// few times; a final failure is logged (the effect happened and its answer
// goes out either way; the key then stays reserved until it expires).
func (k *keyReservation) finish(ctx context.Context, body *Accepted) {
	if k.rec == nil {
		return
	}
	rec := *k.rec
	rec.RecordedAt = record.FormatTime(k.api.deps.Now())
	rec.ResponseStatusCode, rec.ResponsePayload = keyReleased, []byte(`{"status":"released"}`)
	if body != nil {
		if done, err := k.api.idempotencyRecord(k.route, k.id, k.key, k.finger, *body); err != nil {
			k.api.log.ErrorContext(ctx, "encode driver idempotency record; releasing the key", slog.String("trace_id", TraceID(ctx)), slog.String("error", err.Error()))
		} else {
			done.RecordID = rec.RecordID
			rec = done
		}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	owner := k.rec.ResponseTraceID
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = k.api.deps.Store.Update(ctx, func(tx store.Tx) error {
			if err := tx.Lock(ctx, k.lockKey()); err != nil {
				return err
			}
			cur, err := tx.IdempotencyFind(ctx, rec.Scope, k.route, k.key)
			if err != nil {
				return err
			}
			if cur.ResponseStatusCode != keyPending || cur.ResponseTraceID != owner {
				return errKeyNotOurs
			}
			return tx.IdempotencyPut(ctx, rec)
		}); err == nil || errors.Is(err, errKeyNotOurs) {
			break
		}
	}
	if err != nil {
		k.api.log.ErrorContext(ctx, "store driver idempotency record", slog.String("trace_id", TraceID(ctx)), slog.String("error", err.Error()))
	}
}

// errKeyNotOurs: the reservation expired and another request took the key.
var errKeyNotOurs = errors.New("idempotency reservation taken over")

func (k *keyReservation) lockKey() string {
	return "idempotency:" + url.PathEscape(idempotencyScope(k.id)) + "/" + url.PathEscape(k.route) + "/" + url.PathEscape(k.key)
}
