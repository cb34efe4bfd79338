package targets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"time"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// DefaultSourceLabel labels a target-id record when neither the command
// nor the target record names a source.
const DefaultSourceLabel = "cli:dokploy-targets"

// Mutation actions.
const (
	ActionCreated   = "created"
	ActionUpdated   = "updated"
	ActionUnchanged = "unchanged"
	// ActionSkippedIncomplete: the route has no target-id record yet, so
	// there is no pair to project a provider-target row from.
	ActionSkippedIncomplete = "skipped-incomplete"
	// ActionMissing: the pair is complete but has no provider-target row,
	// and an unchanged mutation writes nothing (the backfill creates it).
	ActionMissing = "missing"
)

// Service applies tracked-target mutations and the provider-target audit
// and backfill against a store, stamping times from an injected clock.
type Service struct {
	store store.Store
	now   func() time.Time
}

// New returns a Service on s.
func New(s store.Store, now func() time.Time) *Service {
	return &Service{store: s, now: now}
}

// Summary describes a tracked target without its env values: key names,
// counts and identity only, so it is safe to print and log.
type Summary struct {
	Context            string   `json:"context"`
	Instance           string   `json:"instance"`
	ProjectName        string   `json:"project_name"`
	TargetType         string   `json:"target_type"`
	TargetName         string   `json:"target_name"`
	TargetID           string   `json:"target_id"`
	Domains            []string `json:"domains"`
	EnvKeys            []string `json:"env_keys"`
	ProtectedStoreKeys []string `json:"protected_store_keys"`
	UpdatedAt          string   `json:"updated_at"`
	SourceLabel        string   `json:"source_label"`
}

// Summarize describes t (and its target id, "" when id is nil).
func Summarize(t record.DokployTarget, id *record.DokployTargetID) Summary {
	keys := make([]string, 0, len(t.Env))
	for k := range t.Env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	s := Summary{
		Context: t.Context, Instance: t.Instance, ProjectName: t.ProjectName, TargetType: t.TargetType,
		TargetName: t.TargetName, Domains: nonNil(t.Domains), EnvKeys: keys,
		ProtectedStoreKeys: nonNil(t.Policies.Shopify.ProtectedStoreKeys), UpdatedAt: t.UpdatedAt, SourceLabel: t.SourceLabel,
	}
	if id != nil {
		s.TargetID = id.TargetID
	}
	return s
}

// Result reports one target mutation: what happened to the Dokploy pair
// and to the provider-target row written alongside it.
type Result struct {
	Action               string                 `json:"action"`
	Target               Summary                `json:"target"`
	TargetIDAction       string                 `json:"target_id_action"`
	ProviderTarget       *record.ProviderTarget `json:"provider_target"`
	ProviderTargetAction string                 `json:"provider_target_action"`
	// Shopify store-key mutations only.
	AddedKeys   []string `json:"added_keys,omitempty"`
	RemovedKeys []string `json:"removed_keys,omitempty"`
	MissingKeys []string `json:"missing_keys,omitempty"`
}

// route is what the store holds for one (context, instance): either half
// of the Dokploy pair and the explicit provider-target row, each nil when
// absent.
type route struct {
	Context, Instance string
	Target            *record.DokployTarget
	ID                *record.DokployTargetID
	Row               *record.ProviderTarget
}

func (r route) complete() bool { return r.Target != nil && r.ID != nil }

// projection is the provider-target row the route's Dokploy pair implies;
// nil when the pair is incomplete.
func (r route) projection() *record.ProviderTarget {
	if !r.complete() {
		return nil
	}
	p, ok := record.ProjectProviderTarget(*r.Target, *r.ID)
	if !ok {
		return nil
	}
	return &p
}

// lockKey serializes every writer of one route's target records.
func lockKey(context, instance string) string {
	return "target:" + url.PathEscape(context) + "/" + url.PathEscape(instance)
}

// readRoute reads one route's three records.
func readRoute(ctx context.Context, r store.Reader, context, instance string) (route, error) {
	rt := route{Context: context, Instance: instance}
	t, err := r.DokployTargetGet(ctx, context, instance)
	switch {
	case err == nil:
		rt.Target = &t
	case !errors.Is(err, store.ErrNotFound):
		return route{}, fmt.Errorf("read dokploy target %s/%s: %w", context, instance, err)
	}
	id, err := r.DokployTargetIDGet(ctx, context, instance)
	switch {
	case err == nil:
		rt.ID = &id
	case !errors.Is(err, store.ErrNotFound):
		return route{}, fmt.Errorf("read dokploy target id %s/%s: %w", context, instance, err)
	}
	row, err := r.ProviderTargetGet(ctx, context, instance)
	switch {
	case err == nil:
		rt.Row = &row
	case !errors.Is(err, store.ErrNotFound):
		return route{}, fmt.Errorf("read provider target %s/%s: %w", context, instance, err)
	}
	return rt, nil
}

// View is everything stored for one route, each record null when absent.
type View struct {
	Target         *record.DokployTarget   `json:"target"`
	TargetID       *record.DokployTargetID `json:"target_id"`
	ProviderTarget *record.ProviderTarget  `json:"provider_target"`
}

// Show reads a route's three target records as stored, stale or not; a
// route with none of them is ErrNotTracked.
func Show(ctx context.Context, r store.Reader, context, instance string) (View, error) {
	rt, err := readRoute(ctx, r, context, instance)
	if err != nil {
		return View{}, err
	}
	if rt.Target == nil && rt.ID == nil && rt.Row == nil {
		return View{}, fmt.Errorf("show target %s/%s: %w", context, instance, ErrNotTracked)
	}
	return View{Target: rt.Target, TargetID: rt.ID, ProviderTarget: rt.Row}, nil
}

// List summarizes the Dokploy targets matching p, with their target ids.
func List(ctx context.Context, r store.Reader, p store.TargetListParams) ([]Summary, error) {
	list, err := r.DokployTargetList(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list dokploy targets: %w", err)
	}
	ids, err := r.DokployTargetIDList(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list dokploy target ids: %w", err)
	}
	byRoute := map[[2]string]*record.DokployTargetID{}
	for _, id := range ids {
		byRoute[[2]string{id.Context, id.Instance}] = &id
	}
	out := make([]Summary, 0, len(list))
	for _, t := range list {
		out = append(out, Summarize(t, byRoute[[2]string{t.Context, t.Instance}]))
	}
	return out, nil
}

// checkFresh is dual-write step 1: an explicit provider-target row must
// still match the current Dokploy pair, or the mutation stops. A mutation
// never overwrites a row it cannot vouch for.
func checkFresh(rt route) error {
	if rt.Row == nil {
		return nil
	}
	where := rt.Context + "/" + rt.Instance
	if rt.Row.ProviderID != record.ProviderDokploy {
		return fmt.Errorf("provider target %s belongs to provider %s, not dokploy: %w", where, rt.Row.ProviderID, ErrStale)
	}
	want := rt.projection()
	if want == nil {
		return fmt.Errorf("provider target %s exists but its Dokploy pair is incomplete (run launchplane storage provider-target-audit): %w", where, ErrStale)
	}
	if !rt.Row.SameTarget(*want) {
		return fmt.Errorf("provider target %s no longer matches its Dokploy records (run launchplane storage provider-target-audit): %w", where, ErrStale)
	}
	return nil
}

// change computes a mutation's next Dokploy pair from the current route.
// It returns the next target (nil: refuse as not tracked) and the next
// target-id record (nil: keep what is stored).
type change func(rt route, now string) (next record.DokployTarget, nextID *record.DokployTargetID, err error)

// mutate runs one dual-write mutation (mutateTx) in its own transaction.
// Any error rolls everything back.
func (s *Service) mutate(ctx context.Context, context, instance string, fn change) (Result, error) {
	var res Result
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		res, err = mutateTx(ctx, tx, context, instance, s.now, fn)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// mutateTx runs one dual-write mutation inside tx: lock the route,
// validate its explicit row against the current pair, write the changed
// Dokploy records, then write the matching provider-target row. now is
// read once, after the lock, to stamp what is written.
func mutateTx(ctx context.Context, tx store.Tx, context, instance string, now func() time.Time, fn change) (Result, error) {
	if err := tx.Lock(ctx, lockKey(context, instance)); err != nil {
		return Result{}, err
	}
	rt, err := readRoute(ctx, tx, context, instance)
	if err != nil {
		return Result{}, err
	}
	if err := checkFresh(rt); err != nil {
		return Result{}, err
	}
	stamp := record.FormatTime(now())
	next, nextID, err := fn(rt, stamp)
	if err != nil {
		return Result{}, err
	}
	if next.Context != context || next.Instance != instance {
		return Result{}, fmt.Errorf("mutate target %s/%s: the record names route %s/%s", context, instance, next.Context, next.Instance)
	}
	if err := next.Validate(); err != nil {
		return Result{}, err
	}
	var res Result
	targetChanged := rt.Target == nil || !sameTarget(*rt.Target, next)
	res.Action = ActionUnchanged
	if targetChanged {
		res.Action = ActionUpdated
		if rt.Target == nil {
			res.Action = ActionCreated
		}
		next.UpdatedAt = stamp
		if err := tx.DokployTargetPut(ctx, next); err != nil {
			return Result{}, fmt.Errorf("write dokploy target %s/%s: %w", context, instance, err)
		}
	} else {
		next = *rt.Target
	}
	res.TargetIDAction = ActionUnchanged
	id := rt.ID
	if nextID != nil && (rt.ID == nil || rt.ID.TargetID != nextID.TargetID || rt.ID.SourceLabel != nextID.SourceLabel) {
		res.TargetIDAction = ActionUpdated
		if rt.ID == nil {
			res.TargetIDAction = ActionCreated
		}
		nextID.UpdatedAt = stamp
		if err := nextID.Validate(); err != nil {
			return Result{}, err
		}
		if err := tx.DokployTargetIDPut(ctx, *nextID); err != nil {
			return Result{}, fmt.Errorf("write dokploy target id %s/%s: %w", context, instance, err)
		}
		id = nextID
	}
	res.Target = Summarize(next, id)
	written := route{Context: context, Instance: instance, Target: &next, ID: id, Row: rt.Row}
	row := written.projection()
	switch {
	case row == nil:
		res.ProviderTargetAction = ActionSkippedIncomplete
	case res.Action == ActionUnchanged && res.TargetIDAction == ActionUnchanged:
		// Nothing in the pair moved: the row (fresh, or absent and
		// left to the backfill) stays as it is.
		res.ProviderTarget, res.ProviderTargetAction = rt.Row, ActionUnchanged
		if rt.Row == nil {
			res.ProviderTargetAction = ActionSkippedIncomplete
			if rt.complete() {
				res.ProviderTargetAction = ActionMissing
			}
		}
	default:
		if err := tx.ProviderTargetPut(ctx, *row); err != nil {
			return Result{}, fmt.Errorf("write provider target %s/%s: %w", context, instance, err)
		}
		res.ProviderTarget, res.ProviderTargetAction = row, ActionUpdated
		if rt.Row == nil {
			res.ProviderTargetAction = ActionCreated
		}
	}
	return res, nil
}

// sameTarget compares two validated targets, ignoring updated_at.
func sameTarget(a, b record.DokployTarget) bool {
	a.UpdatedAt, b.UpdatedAt = "", ""
	return reflect.DeepEqual(a, b)
}

// requireTarget refuses a mutation of a route that has no Dokploy target.
func requireTarget(rt route) (record.DokployTarget, error) {
	if rt.Target == nil {
		return record.DokployTarget{}, fmt.Errorf("route %s/%s has no Dokploy target record (add one with launchplane dokploy-targets put): %w", rt.Context, rt.Instance, ErrNotTracked)
	}
	t := *rt.Target
	// Copy the slices a mutation edits, so the stored view stays intact
	// for the unchanged comparison.
	t.Policies.Shopify.ProtectedStoreKeys = slices.Clone(t.Policies.Shopify.ProtectedStoreKeys)
	return t, nil
}

// PutInput is a whole Dokploy target plus the live target id of its route.
type PutInput struct {
	Target record.DokployTarget
	// TargetID is the Dokploy application or compose id; "" keeps the
	// stored target-id record (a new route needs one).
	TargetID string
	// SourceLabel, when set, labels both records instead of the target's
	// own source_label.
	SourceLabel string
}

// Put replaces a route's Dokploy target metadata and, when given, its
// target id, and keeps the provider-target row in step. Env keys shaped
// like secrets are refused: they belong in managed secrets.
func (s *Service) Put(ctx context.Context, in PutInput) (Result, error) {
	t, err := PreparePut(in, s.now())
	if err != nil {
		return Result{}, err
	}
	return s.mutate(ctx, t.Context, t.Instance, putChange(t, in.TargetID, " (pass --target-id)"))
}

// putChange is the change of a whole-target write: t (already labelled,
// see PreparePut) replaces the stored target, and targetID, when set,
// the target-id record, labelled like t, else like the stored record,
// else DefaultSourceLabel. A route with no target-id record needs one;
// hint ends that refusal's message.
func putChange(t record.DokployTarget, targetID, hint string) change {
	return func(rt route, now string) (record.DokployTarget, *record.DokployTargetID, error) {
		if targetID == "" && rt.ID == nil {
			return record.DokployTarget{}, nil, &record.ValidationError{Record: "dokploy_target_id", Problems: []record.FieldProblem{{
				Field: "target_id", Message: "is required: route " + t.Context + "/" + t.Instance + " has no target-id record yet" + hint,
			}}}
		}
		next := t
		if next.UpdatedAt == "" {
			next.UpdatedAt = now
		}
		if targetID == "" {
			return next, nil, nil
		}
		label := t.SourceLabel
		if label == "" && rt.ID != nil {
			label = rt.ID.SourceLabel
		}
		if label == "" {
			label = DefaultSourceLabel
		}
		return next, &record.DokployTargetID{SchemaVersion: 1, Context: t.Context, Instance: t.Instance,
			TargetID: targetID, UpdatedAt: now, SourceLabel: label}, nil
	}
}

// refuseSecretShapedEnv keeps secrets out of target env, which feeds the
// runtime environment in plain text.
func refuseSecretShapedEnv(t record.DokployTarget) error {
	var problems []record.FieldProblem
	keys := make([]string, 0, len(t.Env))
	for k := range t.Env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if record.IsSecretShapedKey(k) {
			problems = append(problems, record.FieldProblem{Field: "env." + k, Public: "env",
				Message: "is secret-shaped and must be written with launchplane secrets put"})
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &record.ValidationError{Record: "dokploy_target", Problems: problems}
}

// Relabel changes the source label of a route's Dokploy target (and so of
// its provider-target row).
func (s *Service) Relabel(ctx context.Context, context, instance, label string) (Result, error) {
	if label == "" {
		return Result{}, &record.ValidationError{Record: "dokploy_target", Problems: []record.FieldProblem{{Field: "source_label", Message: "is required and must not be blank"}}}
	}
	return s.mutate(ctx, context, instance, func(rt route, _ string) (record.DokployTarget, *record.DokployTargetID, error) {
		t, err := requireTarget(rt)
		t.SourceLabel = label
		return t, nil, err
	})
}

// PutShopifyProtectedStoreKey adds Shopify store keys the target must never
// write to (trimmed, de-duplicated, order kept). label, when set, relabels
// the target.
func (s *Service) PutShopifyProtectedStoreKey(ctx context.Context, context, instance string, keys []string, label string) (Result, error) {
	keys = record.NormalizeStoreKeys(keys)
	if len(keys) == 0 {
		return Result{}, errNoKeys()
	}
	var added []string
	res, err := s.mutate(ctx, context, instance, func(rt route, _ string) (record.DokployTarget, *record.DokployTargetID, error) {
		t, err := requireTarget(rt)
		if err != nil {
			return t, nil, err
		}
		added = nil
		for _, k := range keys {
			if !slices.Contains(t.Policies.Shopify.ProtectedStoreKeys, k) {
				t.Policies.Shopify.ProtectedStoreKeys = append(t.Policies.Shopify.ProtectedStoreKeys, k)
				added = append(added, k)
			}
		}
		if len(added) > 0 && label != "" {
			t.SourceLabel = label
		}
		return t, nil, nil
	})
	res.AddedKeys = nonNil(added)
	return res, err
}

// UnsetShopifyProtectedStoreKey removes Shopify protected store keys,
// reporting which were removed and which were not set.
func (s *Service) UnsetShopifyProtectedStoreKey(ctx context.Context, context, instance string, keys []string) (Result, error) {
	keys = record.NormalizeStoreKeys(keys)
	if len(keys) == 0 {
		return Result{}, errNoKeys()
	}
	var removed, missing []string
	res, err := s.mutate(ctx, context, instance, func(rt route, _ string) (record.DokployTarget, *record.DokployTargetID, error) {
		t, err := requireTarget(rt)
		if err != nil {
			return t, nil, err
		}
		removed, missing = nil, nil
		for _, k := range keys {
			if slices.Contains(t.Policies.Shopify.ProtectedStoreKeys, k) {
				removed = append(removed, k)
			} else {
				missing = append(missing, k)
			}
		}
		t.Policies.Shopify.ProtectedStoreKeys = slices.DeleteFunc(t.Policies.Shopify.ProtectedStoreKeys, func(k string) bool {
			return slices.Contains(removed, k)
		})
		return t, nil, nil
	})
	res.RemovedKeys, res.MissingKeys = nonNil(removed), nonNil(missing)
	return res, err
}

func errNoKeys() error {
	return &record.ValidationError{Record: "dokploy_target", Problems: []record.FieldProblem{{
		Field: "policies.shopify.protected_store_keys", Message: "no non-blank key given"}}}
}

// DecodePutInput strictly decodes a Dokploy target record given as input.
// updated_at may be omitted: Put stamps the clock's time on write anyway.
func DecodePutInput(data []byte, now time.Time) (record.DokployTarget, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err == nil && fields != nil {
		if raw, ok := fields["updated_at"]; !ok || string(raw) == `""` {
			fields["updated_at"], _ = json.Marshal(record.FormatTime(now))
			if patched, err := json.Marshal(fields); err == nil {
				data = patched
			}
		}
	}
	return record.DecodeDokployTarget(data)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
