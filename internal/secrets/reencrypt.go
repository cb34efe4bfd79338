package secrets

import (
	"context"
	"fmt"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
)

// Re-encryption modes.
const (
	ModeDryRun = "dry-run"
	ModeApply  = "apply"
)

// ReencryptReport counts versions by outcome. It holds ids and key ids only.
type ReencryptReport struct {
	Mode        string `json:"mode"`
	ActiveKeyID string `json:"active_key_id"`
	// VersionCount is every stored version; each one was opened.
	VersionCount int `json:"version_count"`
	// ChangedVersionIDs are the versions moved (apply) or to move (dry-run)
	// to the active key.
	ChangedVersionIDs []string `json:"changed_version_ids"`
	ChangedCount      int      `json:"changed_count"`
	UnchangedCount    int      `json:"unchanged_count"`
	// KeyIDsBefore counts versions per key id before the run.
	KeyIDsBefore map[string]int `json:"key_ids_before"`
}

// Reencrypt moves every secret version onto the ring's active key with
// crypto.Reseal. A dry run opens every version (proving each one decrypts
// with the configured ring) and writes nothing; apply rewrites the changed
// versions in one transaction. Any version that does not open fails the
// whole run. After an apply, keys other than the active one can be retired.
func (s *Service) Reencrypt(ctx context.Context, apply bool) (ReencryptReport, error) {
	if err := s.requireRing("reencrypt secrets"); err != nil {
		return ReencryptReport{}, err
	}
	rep := ReencryptReport{Mode: ModeDryRun, ActiveKeyID: s.ring.ActiveKeyID()}
	run := func(r store.Reader, write func(record.SecretVersion) error) error {
		rep.ChangedVersionIDs, rep.KeyIDsBefore = []string{}, map[string]int{}
		rep.VersionCount, rep.ChangedCount, rep.UnchangedCount = 0, 0, 0
		versions, err := r.SecretVersionList(ctx, "")
		if err != nil {
			return err
		}
		for _, v := range versions {
			rep.VersionCount++
			rep.KeyIDsBefore[v.KeyID]++
			sealed, changed, err := crypto.Reseal(s.ring, v.SecretID, v.VersionID, v.Sealed(), s.rand)
			if err != nil {
				return fmt.Errorf("version %s: %w", v.VersionID, err)
			}
			if !changed {
				rep.UnchangedCount++
				continue
			}
			rep.ChangedCount++
			rep.ChangedVersionIDs = append(rep.ChangedVersionIDs, v.VersionID)
			if write != nil {
				v.CipherAlg, v.KeyID, v.Ciphertext = sealed.CipherAlg, sealed.KeyID, sealed.Ciphertext
				if err := write(v); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if !apply {
		if err := run(s.store, nil); err != nil {
			return ReencryptReport{}, fmt.Errorf("reencrypt secrets (dry run): %w", err)
		}
		return rep, nil
	}
	rep.Mode = ModeApply
	err := s.store.Update(ctx, func(tx store.Tx) error {
		// One lock for all re-encryption runs; puts write new versions
		// under the active key already, so they need not wait for it.
		if err := tx.Lock(ctx, "secrets:reencrypt"); err != nil {
			return err
		}
		return run(tx, func(v record.SecretVersion) error { return tx.SecretVersionPut(ctx, v) })
	})
	if err != nil {
		return ReencryptReport{}, fmt.Errorf("reencrypt secrets: %w", err)
	}
	return rep, nil
}
