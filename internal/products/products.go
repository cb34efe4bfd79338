// Package products is the product-profile authority: whole-profile upserts
// (validated, write contract included, stamped from an injected clock),
// reads, and the lookups other packages use to find the product that owns
// a context or lane and the configuration a lane expects.
package products

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Upsert actions.
const (
	ActionCreated   = "created"
	ActionUpdated   = "updated"
	ActionUnchanged = "unchanged"
)

// Default sources of profiles written without one.
const (
	SourceCLI     = "cli:product-profiles:upsert"
	SourceService = "service:product-profiles"
)

// Service writes product profiles to a store, stamping times from an
// injected clock.
type Service struct {
	store store.Store
	now   func() time.Time
}

// New returns a Service on s.
func New(s store.Store, now func() time.Time) *Service {
	return &Service{store: s, now: now}
}

// UpsertInput is one whole-profile write.
type UpsertInput struct {
	// Profile replaces the stored profile of Profile.Product. Its
	// updated_at is ignored: the write is stamped with UpdatedAt or the
	// clock.
	Profile record.ProductProfile
	// UpdatedAt, when set, is stamped instead of the clock's time (the
	// CLI's --updated-at, for imports that keep their history).
	UpdatedAt string
}

// Result reports one upsert.
type Result struct {
	Action  string                `json:"action"`
	Product string                `json:"product"`
	Profile record.ProductProfile `json:"profile"`
}

// Upsert validates in.Profile (record rules and the write contract) and
// replaces the stored profile in one transaction. A profile equal to the
// stored one apart from updated_at writes nothing (ActionUnchanged) and
// reports the stored profile.
func (s *Service) Upsert(ctx context.Context, in UpsertInput) (Result, error) {
	p, err := Prepare(in, s.now())
	if err != nil {
		return Result{}, err
	}
	var res Result
	err = s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		res, err = UpsertTx(ctx, tx, p)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// Prepare stamps in.Profile (in.UpdatedAt, else now) and checks it: the
// record rules and the write contract. Callers that write inside their
// own transaction (UpsertTx) call it before opening one, so a bad profile
// never touches the store.
func Prepare(in UpsertInput, now time.Time) (record.ProductProfile, error) {
	p := in.Profile
	p.UpdatedAt = record.FormatTime(now)
	if strings.TrimSpace(in.UpdatedAt) != "" {
		p.UpdatedAt = in.UpdatedAt
	}
	if err := p.Validate(); err != nil {
		return record.ProductProfile{}, err
	}
	if err := p.ValidateWriteContract(); err != nil {
		return record.ProductProfile{}, err
	}
	return p, nil
}

// UpsertTx replaces the stored profile with p (already Prepared) inside tx.
// It refuses (ErrLaneClaimed) a profile that claims a lane or preview
// context another product's profile holds (see checkClaims), even when p
// is otherwise unchanged: callers such as onboarding go on to write the
// lanes' targets on the strength of it.
func UpsertTx(ctx context.Context, tx store.Tx, p record.ProductProfile) (Result, error) {
	if err := LockTx(ctx, tx); err != nil {
		return Result{}, err
	}
	all, err := tx.ProductProfileList(ctx, store.ProductProfileListParams{})
	if err != nil {
		return Result{}, fmt.Errorf("list product profiles: %w", err)
	}
	if err := checkClaims(p, all); err != nil {
		return Result{}, err
	}
	action := ActionCreated
	prev, err := tx.ProductProfileGet(ctx, p.Product)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return Result{}, fmt.Errorf("read product profile %s: %w", p.Product, err)
	default:
		action = ActionUpdated
		same := prev
		same.UpdatedAt = p.UpdatedAt
		if reflect.DeepEqual(same, p) {
			return Result{Action: ActionUnchanged, Product: p.Product, Profile: prev}, nil
		}
	}
	if err := tx.ProductProfilePut(ctx, p); err != nil {
		return Result{}, err
	}
	return Result{Action: action, Product: p.Product, Profile: p}, nil
}

// DecodeInput strictly decodes a whole profile written by an operator or
// a workflow. updated_at may be omitted and is ignored (the write stamps
// it); a missing or blank source becomes defaultSource.
func DecodeInput(data []byte, defaultSource string) (record.ProductProfile, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err == nil && fields != nil {
		// A placeholder that validates; Prepare replaces it.
		fields["updated_at"] = json.RawMessage(`"1970-01-01T00:00:00Z"`)
		var src string
		if raw, ok := fields["source"]; !ok || (json.Unmarshal(raw, &src) == nil && strings.TrimSpace(src) == "") {
			fields["source"], _ = json.Marshal(defaultSource)
		}
		if patched, err := json.Marshal(fields); err == nil {
			data = patched
		}
	}
	return record.DecodeProductProfile(data)
}

// Get reads one product's profile (store.ErrNotFound when it has none).
func Get(ctx context.Context, r store.Reader, product string) (record.ProductProfile, error) {
	p, err := r.ProductProfileGet(ctx, strings.TrimSpace(product))
	if err != nil {
		return record.ProductProfile{}, fmt.Errorf("read product profile %q: %w", product, err)
	}
	return p, nil
}

// List lists profiles, newest first; a non-empty driverID filters.
func List(ctx context.Context, r store.Reader, driverID string) ([]record.ProductProfile, error) {
	ps, err := r.ProductProfileList(ctx, store.ProductProfileListParams{DriverID: strings.TrimSpace(driverID)})
	if err != nil {
		return nil, fmt.Errorf("list product profiles: %w", err)
	}
	return ps, nil
}
