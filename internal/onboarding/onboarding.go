// Package onboarding applies product onboarding manifests (records.md
// §2.3, service.md §2.5): one operator-approved document that upserts a
// product's profile, the tracked Dokploy target and target-id records of
// its stable lanes with their provider-target rows, its non-secret
// runtime-environment records and placeholders for the secrets it expects.
//
// Apply validates the whole manifest before it opens a transaction, then
// takes every lock it needs (secret tuples, runtime routes, target routes,
// the profile — the order product-config and the target commands use),
// refuses a stale provider-target row, and writes everything in that one
// transaction: a failure anywhere writes nothing. Each part reuses its
// authority's rules (products, targets, runtimeenv, secrets), so an
// unchanged manifest writes nothing and reports every item unchanged.
//
// Results are sanitized: record ids, route names, key names, counts and
// actions. They never hold runtime or target env values, secret values or
// target ids (target_id_recorded says one is stored).
package onboarding

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/canonical"
	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

// Actions of result items.
const (
	ActionCreated   = "created"
	ActionUpdated   = "updated"
	ActionUnchanged = "unchanged"
)

// Modes of a result.
const (
	ModeDryRun = "dry-run"
	ModeApply  = "apply"
)

// Service applies manifests to a store, stamping times from an injected clock.
type Service struct {
	store store.Store
	now   func() time.Time
}

// New returns a Service on s.
func New(s store.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, now: now}
}

// Options tune one apply.
type Options struct {
	// DryRun computes the result inside a transaction that is rolled
	// back: every check runs against the stored state, nothing is written.
	DryRun bool
	// UpdatedAt, when set, stamps the records instead of the manifest's
	// updated_at or the clock (the CLI's --updated-at).
	UpdatedAt string
}

// Result reports one apply, sanitized.
type Result struct {
	Product                       string                      `json:"product"`
	Mode                          string                      `json:"mode"`
	Changed                       bool                        `json:"changed"`
	ProductProfile                ProfileSummary              `json:"product_profile"`
	ProviderTargetCount           int                         `json:"provider_target_count"`
	ProviderTargetIDCount         int                         `json:"provider_target_id_count"`
	RuntimeEnvironmentRecordCount int                         `json:"runtime_environment_record_count"`
	SecretBindingCount            int                         `json:"secret_binding_count"`
	ProviderTargets               []TargetSummary             `json:"provider_targets"`
	ProviderTargetIDs             []TargetIDSummary           `json:"provider_target_ids"`
	RuntimeEnvironmentRecords     []RuntimeSummary            `json:"runtime_environment_records"`
	SecretBindings                []secrets.PlaceholderResult `json:"secret_bindings"`
}

// ProfileSummary describes the written profile by identity and lanes.
type ProfileSummary struct {
	Product            string        `json:"product"`
	Action             string        `json:"action"`
	DriverID           string        `json:"driver_id"`
	Lanes              []LaneSummary `json:"lanes"`
	HistoricalContexts []string      `json:"historical_contexts"`
	UpdatedAt          string        `json:"updated_at"`
	Source             string        `json:"source"`
}

// LaneSummary names one lane.
type LaneSummary struct {
	Instance string `json:"instance"`
	Context  string `json:"context"`
}

// TargetSummary describes a tracked target without env values or its id.
type TargetSummary struct {
	Context              string                 `json:"context"`
	Instance             string                 `json:"instance"`
	Action               string                 `json:"action"`
	TargetType           string                 `json:"target_type"`
	TargetName           string                 `json:"target_name"`
	ProjectName          string                 `json:"project_name"`
	EnvKeys              []string               `json:"env_keys"`
	DomainCount          int                    `json:"domain_count"`
	UpdatedAt            string                 `json:"updated_at"`
	SourceLabel          string                 `json:"source_label"`
	ProviderTargetAction string                 `json:"provider_target_action"`
	ProviderTarget       *ProviderTargetSummary `json:"provider_target"`
}

// ProviderTargetSummary is a provider-target row without its target id
// and evidence.
type ProviderTargetSummary struct {
	ProviderID         string `json:"provider_id"`
	TargetCategory     string `json:"target_category"`
	ProviderTargetType string `json:"provider_target_type"`
	DisplayName        string `json:"display_name"`
}

// TargetIDSummary says whether a route's target id is recorded, never the id.
type TargetIDSummary struct {
	Context          string `json:"context"`
	Instance         string `json:"instance"`
	Action           string `json:"action"`
	TargetIDRecorded bool   `json:"target_id_recorded"`
	SourceLabel      string `json:"source_label"`
}

// RuntimeSummary describes one runtime record by its keys: the manifest's
// keys and the stored record's key count after the apply.
type RuntimeSummary struct {
	Scope         string   `json:"scope"`
	Context       string   `json:"context"`
	Instance      string   `json:"instance"`
	Action        string   `json:"action"`
	EnvKeys       []string `json:"env_keys"`
	EnvValueCount int      `json:"env_value_count"`
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("onboarding dry run")

// Apply validates m and, when every rule passes, writes it in one
// transaction (see the package doc). A dry run returns what an apply
// would do and writes nothing.
func (s *Service) Apply(ctx context.Context, m Manifest, opt Options) (Result, error) {
	pl, err := m.plan(s.now(), opt.UpdatedAt)
	if err != nil {
		return Result{}, err
	}
	var res Result
	err = s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		res, err = applyPlan(ctx, tx, pl, opt.DryRun)
		if err == nil && opt.DryRun {
			return errDryRun
		}
		return err
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return Result{}, err
	}
	return res, nil
}

// ApplyTx is Apply inside the caller's transaction (the service stores
// its Idempotency-Key record in the same one). It always writes; a dry run
// goes through Apply.
func (s *Service) ApplyTx(ctx context.Context, tx store.Tx, m Manifest, opt Options) (Result, error) {
	pl, err := m.plan(s.now(), opt.UpdatedAt)
	if err != nil {
		return Result{}, err
	}
	return applyPlan(ctx, tx, pl, false)
}

// applyPlan locks, checks and writes a validated plan.
func applyPlan(ctx context.Context, tx store.Tx, pl plan, dryRun bool) (Result, error) {
	// Locks first, in the order other writers take them.
	if err := secrets.LockPlaceholdersTx(ctx, tx, pl.bindings); err != nil {
		return Result{}, err
	}
	now := func() time.Time { return pl.at }
	runtime := runtimeenv.New(nil, now, nil)
	for _, r := range sortedRoutes(pl.runtime) {
		if err := runtime.LockTx(ctx, tx, r); err != nil {
			return Result{}, err
		}
	}
	for _, t := range sortedTargets(pl.targets) {
		if err := targets.LockRouteTx(ctx, tx, t[0], t[1]); err != nil {
			return Result{}, err
		}
	}
	if err := products.LockTx(ctx, tx); err != nil {
		return Result{}, err
	}

	// Checks against the stored state, before any write.
	for _, in := range pl.targets {
		if err := targets.CheckFreshTx(ctx, tx, in.Target.Context, in.Target.Instance); err != nil {
			return Result{}, err
		}
	}
	profile, err := mergeHistorical(ctx, tx, pl.profile, pl.at)
	if err != nil {
		return Result{}, err
	}
	if err := productKeyContextFree(ctx, tx, pl); err != nil {
		return Result{}, err
	}

	res := Result{Product: profile.Product, Mode: ModeApply, ProviderTargets: []TargetSummary{},
		ProviderTargetIDs: []TargetIDSummary{}, RuntimeEnvironmentRecords: []RuntimeSummary{}}
	if dryRun {
		res.Mode = ModeDryRun
	}
	up, err := products.UpsertTx(ctx, tx, profile)
	if err != nil {
		return Result{}, err
	}
	res.ProductProfile = summarizeProfile(up)

	for _, in := range pl.targets {
		stored, err := targets.StoredTarget(ctx, tx, in.Target.Context, in.Target.Instance)
		if err != nil {
			return Result{}, err
		}
		if stored != nil {
			// Fields the manifest cannot express stay as stored.
			in.Target.GitBranch, in.Target.Policies = stored.GitBranch, stored.Policies
		}
		put, err := targets.PutTx(ctx, tx, in, pl.at)
		if err != nil {
			return Result{}, err
		}
		res.ProviderTargets = append(res.ProviderTargets, summarizeTarget(put))
		res.ProviderTargetIDs = append(res.ProviderTargetIDs, TargetIDSummary{Context: put.Target.Context,
			Instance: put.Target.Instance, Action: put.TargetIDAction, TargetIDRecorded: put.Target.TargetID != "",
			SourceLabel: in.SourceLabel})
	}

	for _, item := range pl.runtime {
		sum, err := putRuntime(ctx, tx, runtime, item, profile.Source)
		if err != nil {
			return Result{}, err
		}
		res.RuntimeEnvironmentRecords = append(res.RuntimeEnvironmentRecords, sum)
	}

	bindings, err := secrets.PutPlaceholdersTx(ctx, tx, pl.bindings, record.FormatTime(pl.at))
	if err != nil {
		return Result{}, err
	}
	res.SecretBindings = bindings
	if res.SecretBindings == nil {
		res.SecretBindings = []secrets.PlaceholderResult{}
	}

	res.ProviderTargetCount, res.ProviderTargetIDCount = len(res.ProviderTargets), len(res.ProviderTargetIDs)
	res.RuntimeEnvironmentRecordCount, res.SecretBindingCount = len(res.RuntimeEnvironmentRecords), len(res.SecretBindings)
	res.Changed = res.changed()
	return res, nil
}

func (r Result) changed() bool {
	actions := []string{r.ProductProfile.Action}
	for _, t := range r.ProviderTargets {
		actions = append(actions, t.Action, t.ProviderTargetAction)
	}
	for _, t := range r.ProviderTargetIDs {
		actions = append(actions, t.Action)
	}
	for _, e := range r.RuntimeEnvironmentRecords {
		actions = append(actions, e.Action)
	}
	for _, b := range r.SecretBindings {
		actions = append(actions, b.Action)
	}
	for _, a := range actions {
		if a == ActionCreated || a == ActionUpdated {
			return true
		}
	}
	return false
}

// mergeHistorical keeps the stored profile's historical contexts (evidence
// from before a cutover) ahead of the manifest's, as upstream did, except
// those the manifest now uses as a lane or preview context: a context is
// current or historical, never both (the manifest's own list is checked
// for the same rule).
func mergeHistorical(ctx context.Context, r store.Reader, p record.ProductProfile, at time.Time) (record.ProductProfile, error) {
	prev, err := r.ProductProfileGet(ctx, p.Product)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return p, nil
	case err != nil:
		return record.ProductProfile{}, err
	}
	current := map[string]bool{p.Preview.Context: true}
	for _, l := range p.Lanes {
		current[l.Context] = true
	}
	merged := []string{}
	for _, h := range append(slices.Clone(prev.HistoricalContexts), p.HistoricalContexts...) {
		if h = strings.TrimSpace(h); h != "" && !current[h] && !slices.Contains(merged, h) {
			merged = append(merged, h)
		}
	}
	if slices.Equal(merged, p.HistoricalContexts) {
		return p, nil
	}
	p.HistoricalContexts = merged
	return products.Prepare(products.UpsertInput{Profile: p, UpdatedAt: record.FormatTime(at)}, at)
}

// putRuntime merges the manifest's keys into the route's record unless
// every key already holds the same value under the same label.
func putRuntime(ctx context.Context, tx store.Tx, svc *runtimeenv.Service, item runtimeItem, label string) (RuntimeSummary, error) {
	keys := make([]string, 0, len(item.env))
	for k := range item.env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	sum := RuntimeSummary{Scope: item.route.Scope, Context: item.route.Context, Instance: item.route.Instance,
		Action: ActionUnchanged, EnvKeys: keys}
	stored, err := tx.RuntimeEnvGet(ctx, item.route.Scope, item.route.Context, item.route.Instance)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return RuntimeSummary{}, err
	default:
		same := stored.SourceLabel == label
		for _, k := range keys {
			v, ok := stored.Env[k]
			same = same && ok && sameScalar(v, item.env[k])
		}
		if same {
			sum.EnvValueCount = len(stored.Env)
			return sum, nil
		}
	}
	put, err := svc.PutTx(ctx, tx, item.route, item.env, label)
	if err != nil {
		return RuntimeSummary{}, err
	}
	sum.Action, sum.EnvValueCount = put.Action, put.EnvValueCount
	return sum, nil
}

func sameScalar(a, b any) bool {
	x, errA := canonical.JSON(a)
	y, errB := canonical.JSON(b)
	return errA == nil && errB == nil && string(x) == string(y)
}

func summarizeProfile(up products.Result) ProfileSummary {
	p := up.Profile
	lanes := make([]LaneSummary, len(p.Lanes))
	for i, l := range p.Lanes {
		lanes[i] = LaneSummary{Instance: l.Instance, Context: l.Context}
	}
	hist := slices.Clone(p.HistoricalContexts)
	if hist == nil {
		hist = []string{}
	}
	return ProfileSummary{Product: p.Product, Action: up.Action, DriverID: p.DriverID, Lanes: lanes,
		HistoricalContexts: hist, UpdatedAt: p.UpdatedAt, Source: p.Source}
}

func summarizeTarget(put targets.Result) TargetSummary {
	t := put.Target
	out := TargetSummary{Context: t.Context, Instance: t.Instance, Action: put.Action, TargetType: t.TargetType,
		TargetName: t.TargetName, ProjectName: t.ProjectName, EnvKeys: t.EnvKeys, DomainCount: len(t.Domains),
		UpdatedAt: t.UpdatedAt, SourceLabel: t.SourceLabel, ProviderTargetAction: put.ProviderTargetAction}
	if row := put.ProviderTarget; row != nil {
		out.ProviderTarget = &ProviderTargetSummary{ProviderID: row.ProviderID, TargetCategory: row.TargetCategory,
			ProviderTargetType: row.ProviderTargetType, DisplayName: row.DisplayName}
	}
	return out
}

func sortedRoutes(items []runtimeItem) []runtimeenv.Route {
	out := make([]runtimeenv.Route, len(items))
	for i, it := range items {
		out[i] = it.route
	}
	slices.SortFunc(out, func(a, b runtimeenv.Route) int {
		return strings.Compare(a.Scope+"\x00"+a.Context+"\x00"+a.Instance, b.Scope+"\x00"+b.Context+"\x00"+b.Instance)
	})
	return out
}

func sortedTargets(ins []targets.PutInput) [][2]string {
	out := make([][2]string, len(ins))
	for i, in := range ins {
		out[i] = [2]string{in.Target.Context, in.Target.Instance}
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) })
	return out
}

// productKeyContextFree refuses runtime records or placeholders in the
// context named like the product when that context is not one of the
// manifest's lane or preview contexts and another product holds it: the
// product key is the manifest's own context only while nobody else's
// lanes or previews live there (profile writes enforce the rest).
func productKeyContextFree(ctx context.Context, tx store.Tx, pl plan) error {
	key := pl.profile.Product
	if products.Ownership(pl.profile, key) == products.OwnedByLane || (pl.profile.Preview.Context == key && key != "") {
		return nil
	}
	used := false
	for _, r := range pl.runtime {
		used = used || r.route.Context == key
	}
	for _, b := range pl.bindings {
		used = used || b.Context == key
	}
	if !used {
		return nil
	}
	others, err := products.List(ctx, tx, "")
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.Product == key {
			continue
		}
		if own := products.Ownership(o, key); own == products.OwnedByLane || own == products.OwnedByPreview {
			return fmt.Errorf("product %s: context %s holds the lanes or previews of product %s: %w", key, key, o.Product, products.ErrLaneClaimed)
		}
	}
	return nil
}
