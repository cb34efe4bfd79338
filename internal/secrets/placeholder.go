package secrets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Placeholder names a managed secret binding a product expects, without a
// value: product onboarding declares the keys and an operator writes the
// values later (launchplane secrets put, product-config apply).
//
// A placeholder is stored as a binding with status "disabled" and no
// secret record or version: nothing pretends a value exists, the overlay
// (which reads configured bindings only) delivers nothing, and the
// key-safety check reports it as binding_disabled until a value arrives.
// Its ids are the ones a secret named after its binding key at the same
// route derives, so writing that secret flips this very binding to
// configured instead of adding a second one.
type Placeholder struct {
	Integration string
	BindingKey  string
	Context     string
	Instance    string
}

// Scope is the secret scope of the placeholder's route.
func (p Placeholder) Scope() string {
	switch {
	case p.Instance != "":
		return record.SecretScopeContextInstance
	case p.Context != "":
		return record.SecretScopeContext
	}
	return record.SecretScopeGlobal
}

// SecretID is the id of the secret that will fill the placeholder.
func (p Placeholder) SecretID() string {
	return record.SecretID(p.Integration, p.BindingKey, p.Context, p.Instance)
}

// BindingID is the placeholder binding's id.
func (p Placeholder) BindingID() string { return record.SecretBindingID(p.SecretID(), p.BindingKey) }

func (p *Placeholder) normalize() error {
	for _, f := range []*string{&p.Integration, &p.BindingKey, &p.Context, &p.Instance} {
		*f = strings.TrimSpace(*f)
	}
	var problems []error
	if p.Integration == "" {
		problems = append(problems, errors.New("integration is required"))
	}
	if err := record.ValidateBindingKey(p.BindingKey); err != nil {
		problems = append(problems, err)
	}
	if err := record.CheckSecretScope(p.Scope(), p.Context, p.Instance); err != nil {
		problems = append(problems, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("secret placeholder: %w: %w", record.ErrInvalid, errors.Join(problems...))
	}
	return nil
}

// PlaceholderResult reports one placeholder: ids, route, the binding's
// status after the write and what was done. SatisfiedBy names the
// configured binding that already delivers the key, when one does.
type PlaceholderResult struct {
	BindingID   string `json:"binding_id"`
	Integration string `json:"integration"`
	BindingKey  string `json:"binding_key"`
	Context     string `json:"context"`
	Instance    string `json:"instance"`
	Status      string `json:"status"`
	Action      string `json:"action"`
	SatisfiedBy string `json:"satisfied_by_binding_id,omitempty"`
}

// LockPlaceholdersTx takes the tuple locks of the secrets the placeholders
// stand for, in sorted order: the same locks a secret write at those
// tuples takes, so a value written concurrently is never overwritten by a
// placeholder.
func LockPlaceholdersTx(ctx context.Context, tx store.Tx, ps []Placeholder) error {
	locks := make([]string, 0, len(ps))
	for _, p := range ps {
		if err := p.normalize(); err != nil {
			return err
		}
		locks = append(locks, tupleLock(p.Scope(), p.Integration, p.BindingKey, p.Context, p.Instance))
	}
	slices.Sort(locks)
	for _, key := range slices.Compact(locks) {
		if err := tx.Lock(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// PutPlaceholdersTx writes the placeholders inside the caller's
// transaction (after LockPlaceholdersTx). For each, in order:
//   - a binding with its id already exists (a placeholder, or the value
//     was written since): unchanged, whatever its status — a configured
//     binding is never turned back into a placeholder;
//   - a configured binding of the same integration and key already covers
//     the route (global, the context, or the exact lane): unchanged and
//     nothing written, so no disabled binding shadows a working one;
//   - otherwise a disabled binding is created.
func PutPlaceholdersTx(ctx context.Context, tx store.Tx, ps []Placeholder, now string) ([]PlaceholderResult, error) {
	if err := LockPlaceholdersTx(ctx, tx, ps); err != nil {
		return nil, err
	}
	out := make([]PlaceholderResult, len(ps))
	for i, p := range ps {
		_ = p.normalize() // checked by LockPlaceholdersTx
		res := PlaceholderResult{BindingID: p.BindingID(), Integration: p.Integration, BindingKey: p.BindingKey,
			Context: p.Context, Instance: p.Instance, Status: record.SecretStatusDisabled, Action: ActionUnchanged}
		stored, err := tx.SecretBindingGet(ctx, res.BindingID)
		switch {
		case err == nil:
			res.Status = stored.Status
			out[i] = res
			continue
		case !errors.Is(err, store.ErrNotFound):
			return nil, fmt.Errorf("read secret binding %s: %w", res.BindingID, err)
		}
		by, err := configuredCover(ctx, tx, p)
		if err != nil {
			return nil, err
		}
		if by != "" {
			res.Status, res.SatisfiedBy = record.SecretStatusConfigured, by
			out[i] = res
			continue
		}
		b := record.SecretBinding{BindingID: res.BindingID, SecretID: p.SecretID(), Integration: p.Integration,
			BindingKey: p.BindingKey, BindingType: record.SecretBindingTypeEnv, Context: p.Context, Instance: p.Instance,
			Status: record.SecretStatusDisabled, CreatedAt: now, UpdatedAt: now}
		if err := tx.SecretBindingPut(ctx, b); err != nil {
			return nil, fmt.Errorf("write secret binding %s: %w", b.BindingID, err)
		}
		res.Action = ActionCreated
		out[i] = res
	}
	return out, nil
}

// configuredCover returns the id of a configured binding of p's
// integration and key whose route covers p's (the first by id), or "".
func configuredCover(ctx context.Context, r store.Reader, p Placeholder) (string, error) {
	list, err := r.SecretBindingList(ctx, store.SecretBindingListParams{Integration: p.Integration,
		BindingKey: p.BindingKey, Status: record.SecretStatusConfigured})
	if err != nil {
		return "", fmt.Errorf("list secret bindings: %w", err)
	}
	var ids []string
	for _, b := range list {
		covers := b.Context == "" || (b.Context == p.Context && (b.Instance == "" || b.Instance == p.Instance))
		if covers {
			ids = append(ids, b.BindingID)
		}
	}
	if len(ids) == 0 {
		return "", nil
	}
	slices.Sort(ids)
	return ids[0], nil
}
