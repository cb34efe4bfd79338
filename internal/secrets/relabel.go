package secrets

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// RelabelResult reports a binding relabel: ids and key names only.
type RelabelResult struct {
	Action        string `json:"action"`
	SecretID      string `json:"secret_id"`
	OldBindingID  string `json:"old_binding_id"`
	OldBindingKey string `json:"old_binding_key"`
	NewBindingID  string `json:"new_binding_id"`
	NewBindingKey string `json:"new_binding_key"`
}

// RelabelBinding moves a configured binding to a new environment key: the
// old binding is disabled, a binding for the new key is upserted and a
// relabelled event names both, in one transaction. The same key is
// unchanged (nothing written); a disabled binding is ErrRefused.
func (s *Service) RelabelBinding(ctx context.Context, bindingID, newKey, actor string) (RelabelResult, error) {
	bindingID, newKey, actor = strings.TrimSpace(bindingID), strings.TrimSpace(newKey), strings.TrimSpace(actor)
	if actor == "" {
		actor = "unknown"
	}
	if err := record.ValidateBindingKey(newKey); err != nil {
		return RelabelResult{}, fmt.Errorf("relabel secret binding: %w", err)
	}
	var res RelabelResult
	err := s.store.Update(ctx, func(tx store.Tx) error {
		old, err := tx.SecretBindingGet(ctx, bindingID)
		if err != nil {
			return err
		}
		sec, err := tx.SecretGet(ctx, old.SecretID)
		if err != nil {
			return err
		}
		if err := tx.Lock(ctx, tupleLock(sec.Scope, sec.Integration, sec.Name, sec.Context, sec.Instance)); err != nil {
			return err
		}
		// Re-read under the lock: a concurrent put or relabel may have won.
		if old, err = tx.SecretBindingGet(ctx, bindingID); err != nil {
			return err
		}
		res = RelabelResult{Action: ActionUnchanged, SecretID: old.SecretID, OldBindingID: old.BindingID, OldBindingKey: old.BindingKey,
			NewBindingID: record.SecretBindingID(old.SecretID, newKey), NewBindingKey: newKey}
		if old.Status != record.SecretStatusConfigured {
			return fmt.Errorf("binding %s is %s; put the secret again to bind it: %w", old.BindingID, old.Status, ErrRefused)
		}
		if old.BindingKey == newKey {
			return nil
		}
		now := s.stamp()
		nb := old
		nb.BindingID, nb.BindingKey, nb.UpdatedAt, nb.CreatedAt = res.NewBindingID, newKey, now, now
		if nb.BindingID != old.BindingID {
			// The slug differs, so the old row stays as disabled evidence.
			disabled := old
			disabled.Status, disabled.UpdatedAt = record.SecretStatusDisabled, now
			if err := tx.SecretBindingPut(ctx, disabled); err != nil {
				return err
			}
			if prev, err := tx.SecretBindingGet(ctx, nb.BindingID); err == nil {
				nb.CreatedAt = prev.CreatedAt
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		} else {
			nb.CreatedAt = old.CreatedAt
		}
		if err := tx.SecretBindingPut(ctx, nb); err != nil {
			return err
		}
		res.Action = ActionRelabelled
		return s.appendEvent(ctx, tx, old.SecretID, record.SecretEventRelabelled, actor, "binding relabelled", map[string]string{
			"old_binding_id": old.BindingID, "old_binding_key": old.BindingKey,
			"new_binding_id": nb.BindingID, "new_binding_key": nb.BindingKey,
		}, now)
	})
	if err != nil {
		return RelabelResult{}, fmt.Errorf("relabel secret binding %s: %w", bindingID, err)
	}
	return res, nil
}
