// Package secrets manages encrypted secrets (records.md §2.3, §5): the
// write algorithm (created, rotated or unchanged, all in one transaction),
// binding relabels, re-encryption onto the active key, the runtime
// environment overlay with its "most specific wins" precedence, and
// metadata-only views. Plaintext leaves this package only through Overlay.
package secrets

import (
	"context"
	cryptorand "crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
)

// ErrRefused marks a request the secret rules decline (for example,
// relabelling a disabled binding).
var ErrRefused = errors.New("refused")

// Put actions.
const (
	ActionCreated    = "created"
	ActionRotated    = "rotated"
	ActionUnchanged  = "unchanged"
	ActionRelabelled = "relabelled"
)

// Service reads and writes managed secrets.
type Service struct {
	store store.Store
	ring  *crypto.KeyRing
	now   func() time.Time
	rand  io.Reader
}

// New returns a Service. ring may be nil: every operation that encrypts or
// decrypts then fails with crypto.ErrNoKey before touching the store, while
// metadata views still work. rand defaults to crypto/rand; now to time.Now.
func New(s store.Store, ring *crypto.KeyRing, now func() time.Time, rand io.Reader) *Service {
	if now == nil {
		now = time.Now
	}
	if rand == nil {
		rand = cryptorand.Reader
	}
	return &Service{store: s, ring: ring, now: now, rand: rand}
}

func (s *Service) stamp() string { return record.FormatTime(s.now()) }

func (s *Service) requireRing(op string) error {
	if s.ring == nil || s.ring.ActiveKeyID() == "" {
		return fmt.Errorf("%s: %w", op, crypto.ErrNoKey)
	}
	return nil
}

// PutInput is one secret write. Value is the plaintext; it prints as
// [redacted] everywhere.
type PutInput struct {
	Scope       string
	Integration string
	Name        string
	Context     string
	Instance    string
	BindingKey  string
	Value       crypto.Redacted
	Description string
	// Actor is recorded as updated_by, created_by and the event actor.
	Actor string
	// Source labels the write in the audit event metadata (e.g. "cli").
	Source string
}

// PutResult reports a write: ids and the action only.
type PutResult struct {
	Action    string `json:"action"`
	SecretID  string `json:"secret_id"`
	VersionID string `json:"version_id"`
	BindingID string `json:"binding_id"`
}

func (in *PutInput) normalize() error {
	for _, f := range []*string{&in.Scope, &in.Integration, &in.Name, &in.Context, &in.Instance, &in.BindingKey, &in.Description, &in.Actor, &in.Source} {
		*f = strings.TrimSpace(*f)
	}
	if in.Actor == "" {
		in.Actor = "unknown"
	}
	if in.Source == "" {
		in.Source = "launchplane"
	}
	var problems []error
	if in.Integration == "" {
		problems = append(problems, errors.New("integration is required"))
	}
	if in.Name == "" {
		problems = append(problems, errors.New("name is required"))
	}
	if err := record.CheckSecretScope(in.Scope, in.Context, in.Instance); err != nil {
		problems = append(problems, err)
	}
	if err := record.ValidateBindingKey(in.BindingKey); err != nil {
		problems = append(problems, err)
	}
	if strings.TrimSpace(in.Value.Reveal()) == "" {
		problems = append(problems, errors.New("the secret value must not be empty"))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %w", record.ErrInvalid, errors.Join(problems...))
	}
	return nil
}

// tupleLock is the lock key of one secret tuple.
func tupleLock(scope, integration, name, context, instance string) string {
	parts := []string{scope, integration, name, context, instance}
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return "secret:" + strings.Join(parts, "/")
}

// Put writes a secret value (records.md §2.3 write algorithm). When the
// current version already decrypts to the same value only the binding is
// re-upserted (action unchanged, no version, no event). Otherwise a new
// version, the binding, a created|rotated audit event and the record's
// pointer are written in one transaction. A missing key ring writes
// nothing; a current version that no longer decrypts fails closed.
func (s *Service) Put(ctx context.Context, in PutInput) (PutResult, error) {
	// Refuse bad input before opening a transaction.
	if _, err := s.prepare([]PutInput{in}); err != nil {
		return PutResult{}, err
	}
	var res []PutResult
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		res, err = s.PutAllTx(ctx, tx, []PutInput{in})
		return err
	})
	if err != nil {
		return PutResult{}, err
	}
	return res[0], nil
}

// PutAllTx writes several secrets inside the caller's transaction, each as
// Put would, so a caller can commit them together with other records. It
// takes every tuple lock up front in sorted order, so two transactions
// writing overlapping sets cannot deadlock. Results follow the input order.
func (s *Service) PutAllTx(ctx context.Context, tx store.Tx, ins []PutInput) ([]PutResult, error) {
	if err := s.LockTx(ctx, tx, ins); err != nil {
		return nil, err
	}
	out := make([]PutResult, len(ins))
	for i, in := range ins {
		res, err := s.putLocked(ctx, tx, in)
		if err != nil {
			return nil, fmt.Errorf("put secret %s: %w", res.SecretID, err)
		}
		out[i] = res
	}
	return out, nil
}

// LockTx validates ins (normalizing them in place) and takes their tuple
// locks in sorted order, so a caller can read the secrets it is about to
// write with nobody else changing them first. PutAllTx calls it; taking a
// lock twice in one transaction is harmless.
func (s *Service) LockTx(ctx context.Context, tx store.Tx, ins []PutInput) error {
	if len(ins) == 0 {
		return nil // nothing to write needs no key
	}
	locks, err := s.prepare(ins)
	if err != nil {
		return err
	}
	for _, key := range locks {
		if err := tx.Lock(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// prepare checks the key ring and normalizes ins in place, returning their
// tuple locks sorted and without repeats.
func (s *Service) prepare(ins []PutInput) ([]string, error) {
	if err := s.requireRing("put secret"); err != nil {
		return nil, err
	}
	locks := make([]string, len(ins))
	for i := range ins {
		if err := ins[i].normalize(); err != nil {
			return nil, fmt.Errorf("put secret: %w", err)
		}
		in := ins[i]
		locks[i] = tupleLock(in.Scope, in.Integration, in.Name, in.Context, in.Instance)
	}
	slices.Sort(locks)
	return slices.Compact(locks), nil
}

// putLocked is the write algorithm for one normalized input whose tuple
// lock tx already holds.
func (s *Service) putLocked(ctx context.Context, tx store.Tx, in PutInput) (PutResult, error) {
	secretID := record.SecretID(in.Integration, in.Name, in.Context, in.Instance)
	res := PutResult{SecretID: secretID, BindingID: record.SecretBindingID(secretID, in.BindingKey)}
	now := s.stamp()
	existing, err := tx.SecretFind(ctx, in.Scope, in.Integration, in.Name, in.Context, in.Instance)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return res, err
	}
	if found {
		same, err := s.currentEquals(ctx, tx, existing, in.Value)
		if err != nil {
			return res, err
		}
		if same && existing.Status == record.SecretStatusConfigured {
			res.Action, res.VersionID = ActionUnchanged, existing.CurrentVersionID
			return res, s.upsertBinding(ctx, tx, existing, in.BindingKey, now)
		}
	}
	versionID, err := record.NewSecretVersionID(secretID, s.rand)
	if err != nil {
		return res, err
	}
	sealed, err := crypto.Seal(s.ring, secretID, versionID, []byte(in.Value.Reveal()), s.rand)
	if err != nil {
		return res, err
	}
	version := record.SecretVersion{VersionID: versionID, SecretID: secretID, CreatedAt: now, CreatedBy: in.Actor,
		CipherAlg: sealed.CipherAlg, KeyID: sealed.KeyID, Ciphertext: sealed.Ciphertext}
	if err := tx.SecretVersionPut(ctx, version); err != nil {
		return res, err
	}
	rec := record.SecretRecord{SecretID: secretID, Scope: in.Scope, Integration: in.Integration, Name: in.Name,
		Context: in.Context, Instance: in.Instance, Policy: record.SecretPolicyWriteOnly, CreatedAt: now}
	action := ActionCreated
	if found {
		rec, action = existing, ActionRotated
	}
	rec.Status, rec.CurrentVersionID, rec.UpdatedAt, rec.UpdatedBy = record.SecretStatusConfigured, versionID, now, in.Actor
	if in.Description != "" {
		rec.Description = in.Description
	}
	if err := s.upsertBinding(ctx, tx, rec, in.BindingKey, now); err != nil {
		return res, err
	}
	if err := s.appendEvent(ctx, tx, secretID, action, in.Actor, "secret value "+action,
		map[string]string{"source": in.Source, "binding_key": in.BindingKey, "version_id": versionID}, now); err != nil {
		return res, err
	}
	// The pointer moves last, after everything it implies is written.
	if err := tx.SecretPut(ctx, rec); err != nil {
		return res, err
	}
	res.Action, res.VersionID = action, versionID
	return res, nil
}

// currentEquals decrypts the current version and compares it with value in
// constant time.
func (s *Service) currentEquals(ctx context.Context, r store.Reader, rec record.SecretRecord, value crypto.Redacted) (bool, error) {
	v, err := r.SecretVersionGet(ctx, rec.CurrentVersionID)
	if err != nil {
		return false, err
	}
	plaintext, err := crypto.Open(s.ring, v.SecretID, v.VersionID, v.Sealed())
	if err != nil {
		return false, fmt.Errorf("current version %s: %w", v.VersionID, err)
	}
	defer clear(plaintext)
	return subtle.ConstantTimeCompare(plaintext, []byte(value.Reveal())) == 1, nil
}

// upsertBinding makes the binding for key configured. An identical
// configured binding is left alone, so an unchanged put writes nothing.
func (s *Service) upsertBinding(ctx context.Context, tx store.Tx, rec record.SecretRecord, key, now string) error {
	b := record.SecretBinding{BindingID: record.SecretBindingID(rec.SecretID, key), SecretID: rec.SecretID,
		Integration: rec.Integration, BindingKey: key, BindingType: record.SecretBindingTypeEnv,
		Context: rec.Context, Instance: rec.Instance, Status: record.SecretStatusConfigured, CreatedAt: now, UpdatedAt: now}
	old, err := tx.SecretBindingGet(ctx, b.BindingID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	default:
		b.CreatedAt = old.CreatedAt
		same := old
		same.UpdatedAt = b.UpdatedAt
		if same == b {
			return nil
		}
	}
	return tx.SecretBindingPut(ctx, b)
}

func (s *Service) appendEvent(ctx context.Context, tx store.Tx, secretID, eventType, actor, detail string, metadata map[string]string, now string) error {
	id, err := record.NewSecretAuditEventID(secretID, eventType, s.rand)
	if err != nil {
		return err
	}
	return tx.SecretAuditEventPut(ctx, record.SecretAuditEvent{EventID: id, SecretID: secretID, EventType: eventType,
		RecordedAt: now, Actor: actor, Detail: detail, Metadata: metadata})
}
