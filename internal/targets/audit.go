package targets

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Severities of audit findings and backfill items.
const (
	SeverityOK      = "ok"
	SeverityWarning = "warning"
	SeverityBlocked = "blocked"
)

// Report statuses.
const (
	ReportOK      = "ok"
	ReportBlocked = "blocked"
)

// StatusNoMatchingRoutes is the blocked item reported when filters were
// given but matched no route (audit and backfill alike).
const StatusNoMatchingRoutes = "no_matching_routes"

// Audit statuses (records.md §3.5).
const (
	AuditFutureProvider             = "future_provider"
	AuditMissingDokployPair         = "missing_dokploy_pair"
	AuditMissingDokployTarget       = "missing_dokploy_target"
	AuditMissingTargetID            = "missing_target_id"
	AuditMissingProviderTarget      = "missing_provider_target"
	AuditIdentityMismatch           = "identity_mismatch"
	AuditCategoryMismatch           = "category_mismatch"
	AuditDisplayNameMismatch        = "display_name_mismatch"
	AuditProviderTargetTypeMismatch = "provider_target_type_mismatch"
	AuditProviderEvidenceMismatch   = "provider_evidence_mismatch"
	AuditComplete                   = "complete"
)

// Backfill statuses (records.md §3.5).
const (
	BackfillUnsupportedProvider = "unsupported-provider"
	BackfillSkippedIncomplete   = "skipped-incomplete"
	BackfillWouldCreate         = "would-create"
	BackfillCreated             = "created"
	BackfillSkippedExists       = "skipped-exists"
	BackfillSkippedConflict     = "skipped-conflict"
)

// Filter narrows the audit and backfill to matching routes. Context and
// instance match exactly; a provider id matches an explicit row of that
// provider, and "dokploy" also matches a route with either Dokploy half.
// Empty fields match all.
type Filter struct {
	Context    string `json:"context"`
	Instance   string `json:"instance"`
	ProviderID string `json:"provider_id"`
}

func (f Filter) normalized() Filter {
	return Filter{Context: strings.TrimSpace(f.Context), Instance: strings.TrimSpace(f.Instance),
		ProviderID: strings.ToLower(strings.TrimSpace(f.ProviderID))}
}

func (f Filter) any() bool { return f.Context != "" || f.Instance != "" || f.ProviderID != "" }

func (f Filter) matches(rt route) bool {
	if f.Context != "" && rt.Context != f.Context || f.Instance != "" && rt.Instance != f.Instance {
		return false
	}
	if f.ProviderID == "" {
		return true
	}
	if rt.Row != nil && rt.Row.ProviderID == f.ProviderID {
		return true
	}
	return f.ProviderID == record.ProviderDokploy && (rt.Target != nil || rt.ID != nil)
}

// Finding is one audit observation about one route. Expected is what the
// Dokploy pair implies, Actual what the explicit row holds.
type Finding struct {
	Context    string `json:"context"`
	Instance   string `json:"instance"`
	ProviderID string `json:"provider_id"`
	Status     string `json:"status"`
	Severity   string `json:"severity"`
	Message    string `json:"message"`
	Field      string `json:"field,omitempty"`
	Expected   any    `json:"expected,omitempty"`
	Actual     any    `json:"actual,omitempty"`
}

// Report is the audit report; the backfill report extends it.
type Report struct {
	Status              string         `json:"status"`
	Filters             Filter         `json:"filters"`
	InspectedRouteCount int            `json:"inspected_route_count"`
	BlockedCount        int            `json:"blocked_count"`
	WarningCount        int            `json:"warning_count"`
	Counts              map[string]int `json:"counts"`
	Findings            []Finding      `json:"findings"`
}

// Blocked reports whether anything blocks (the CLI then exits 1).
func (r Report) Blocked() bool { return r.BlockedCount > 0 }

// tally fills the counts and status from the findings.
func (r *Report) tally() {
	r.Counts = map[string]int{}
	r.BlockedCount, r.WarningCount = 0, 0
	for _, f := range r.Findings {
		r.Counts[f.Status]++
		switch f.Severity {
		case SeverityBlocked:
			r.BlockedCount++
		case SeverityWarning:
			r.WarningCount++
		}
	}
	r.Status = ReportOK
	if r.BlockedCount > 0 {
		r.Status = ReportBlocked
	}
}

// loadRoutes reads the union of (context, instance) keys across explicit
// rows, Dokploy targets and target ids, filtered and in route order.
func loadRoutes(ctx context.Context, r store.Reader, f Filter) ([]route, error) {
	p := store.TargetListParams{Context: f.Context, Instance: f.Instance}
	targets, err := r.DokployTargetList(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list dokploy targets: %w", err)
	}
	ids, err := r.DokployTargetIDList(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list dokploy target ids: %w", err)
	}
	rows, err := r.ProviderTargetList(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list provider targets: %w", err)
	}
	byKey := map[[2]string]*route{}
	at := func(c, i string) *route {
		k := [2]string{c, i}
		if byKey[k] == nil {
			byKey[k] = &route{Context: c, Instance: i}
		}
		return byKey[k]
	}
	for _, t := range targets {
		at(t.Context, t.Instance).Target = &t
	}
	for _, id := range ids {
		at(id.Context, id.Instance).ID = &id
	}
	for _, row := range rows {
		at(row.Context, row.Instance).Row = &row
	}
	keys := slices.SortedFunc(maps.Keys(byKey), func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	var out []route
	for _, k := range keys {
		if rt := *byKey[k]; f.matches(rt) {
			out = append(out, rt)
		}
	}
	return out, nil
}

func noMatch(f Filter) Finding {
	return Finding{Context: f.Context, Instance: f.Instance, ProviderID: f.ProviderID, Status: StatusNoMatchingRoutes,
		Severity: SeverityBlocked, Message: "the filters matched no route: check --context, --instance and --provider-id"}
}

// Audit is the read-only provider-target parity report: every matching
// route's explicit row against the projection of its Dokploy pair.
func (s *Service) Audit(ctx context.Context, f Filter) (Report, error) {
	f = f.normalized()
	routes, err := loadRoutes(ctx, s.store, f)
	if err != nil {
		return Report{}, fmt.Errorf("audit provider targets: %w", err)
	}
	rep := Report{Filters: f, InspectedRouteCount: len(routes), Findings: []Finding{}}
	if len(routes) == 0 && f.any() {
		rep.Findings = append(rep.Findings, noMatch(f))
	}
	for _, rt := range routes {
		rep.Findings = append(rep.Findings, auditRoute(rt)...)
	}
	rep.tally()
	return rep, nil
}

// auditRoute applies the audit table of records.md §3.5 to one route.
func auditRoute(rt route) []Finding {
	finding := func(status, severity, msg string) Finding {
		return Finding{Context: rt.Context, Instance: rt.Instance, ProviderID: record.ProviderDokploy, Status: status, Severity: severity, Message: msg}
	}
	if rt.Row != nil && rt.Row.ProviderID != record.ProviderDokploy {
		f := finding(AuditFutureProvider, SeverityWarning, "explicit row of provider "+rt.Row.ProviderID+"; only dokploy rows are audited")
		f.ProviderID = rt.Row.ProviderID
		return []Finding{f}
	}
	switch {
	case rt.Row != nil && rt.Target == nil && rt.ID == nil:
		return []Finding{finding(AuditMissingDokployPair, SeverityBlocked, "explicit dokploy row, but neither the Dokploy target nor the target-id record exists")}
	case rt.Target == nil:
		return []Finding{finding(AuditMissingDokployTarget, SeverityBlocked, "target-id record without a Dokploy target record")}
	case rt.ID == nil:
		return []Finding{finding(AuditMissingTargetID, SeverityBlocked, "Dokploy target record without a target-id record")}
	case rt.Row == nil:
		return []Finding{finding(AuditMissingProviderTarget, SeverityBlocked, "complete Dokploy pair without an explicit provider-target row (backfill creates it)")}
	}
	want, got := rt.projection(), rt.Row
	var out []Finding
	mismatch := func(status, field string, expected, actual any) {
		f := finding(status, SeverityBlocked, field+" of the explicit row differs from the Dokploy projection")
		f.Field, f.Expected, f.Actual = field, expected, actual
		out = append(out, f)
	}
	if got.ProviderID != want.ProviderID {
		mismatch(AuditIdentityMismatch, "provider_id", want.ProviderID, got.ProviderID)
	}
	if got.TargetID != want.TargetID {
		mismatch(AuditIdentityMismatch, "target_id", want.TargetID, got.TargetID)
	}
	if got.TargetCategory != want.TargetCategory {
		mismatch(AuditCategoryMismatch, "target_category", want.TargetCategory, got.TargetCategory)
	}
	if got.DisplayName != want.DisplayName {
		mismatch(AuditDisplayNameMismatch, "display_name", want.DisplayName, got.DisplayName)
	}
	if got.ProviderTargetType != want.ProviderTargetType {
		mismatch(AuditProviderTargetTypeMismatch, "provider_target_type", want.ProviderTargetType, got.ProviderTargetType)
	}
	if !maps.Equal(got.ProviderEvidence, want.ProviderEvidence) {
		mismatch(AuditProviderEvidenceMismatch, "provider_evidence", want.ProviderEvidence, got.ProviderEvidence)
	}
	if len(out) == 0 {
		out = append(out, finding(AuditComplete, SeverityOK, "explicit row matches the Dokploy projection"))
	}
	return out
}

// BackfillItem is the backfill's decision for one route, with the explicit
// row as stored (physical) and the row the Dokploy pair implies
// (projected); either is null when absent.
type BackfillItem struct {
	Context          string                 `json:"context"`
	Instance         string                 `json:"instance"`
	Status           string                 `json:"status"`
	Severity         string                 `json:"severity"`
	Message          string                 `json:"message"`
	HasDokployTarget bool                   `json:"has_dokploy_target"`
	HasTargetID      bool                   `json:"has_target_id"`
	Physical         *record.ProviderTarget `json:"physical"`
	Projected        *record.ProviderTarget `json:"projected"`
}

// BackfillReport is the audit report shape plus the backfill's mode,
// whether it applied, and its items.
type BackfillReport struct {
	Report
	Mode    string         `json:"mode"`
	Applied bool           `json:"applied"`
	Items   []BackfillItem `json:"items"`
}

// Backfill modes.
const (
	BackfillDryRun = "dry-run"
	BackfillApply  = "apply"
)

// tally derives the findings, counts and status from the items.
func (r *BackfillReport) tally() {
	r.Findings = make([]Finding, 0, len(r.Items))
	for _, it := range r.Items {
		r.Findings = append(r.Findings, Finding{Context: it.Context, Instance: it.Instance, ProviderID: itemProvider(it),
			Status: it.Status, Severity: it.Severity, Message: it.Message})
	}
	r.Report.tally()
}

func itemProvider(it BackfillItem) string {
	if it.Physical != nil {
		return it.Physical.ProviderID
	}
	return record.ProviderDokploy
}

// planBackfill decides every matching route. bound maps each dokploy
// target id held by an explicit row to that row's route, across all routes,
// so a projection that would steal another route's id is a conflict.
func planBackfill(ctx context.Context, r store.Reader, f Filter) (BackfillReport, error) {
	routes, err := loadRoutes(ctx, r, f)
	if err != nil {
		return BackfillReport{}, err
	}
	all, err := r.ProviderTargetList(ctx, store.TargetListParams{ProviderID: record.ProviderDokploy})
	if err != nil {
		return BackfillReport{}, fmt.Errorf("list provider targets: %w", err)
	}
	bound := map[string]string{}
	for _, row := range all {
		bound[row.TargetID] = row.Context + "/" + row.Instance
	}
	rep := BackfillReport{Report: Report{Filters: f, InspectedRouteCount: len(routes)}, Mode: BackfillDryRun, Items: []BackfillItem{}}
	if len(routes) == 0 && f.any() {
		nm := noMatch(f)
		rep.Items = append(rep.Items, BackfillItem{Context: f.Context, Instance: f.Instance, Status: nm.Status, Severity: nm.Severity, Message: nm.Message})
	}
	creating := map[string][]int{} // projected target id -> would-create items
	for _, rt := range routes {
		it := backfillRoute(rt, bound)
		if it.Status == BackfillWouldCreate {
			creating[it.Projected.TargetID] = append(creating[it.Projected.TargetID], len(rep.Items))
		}
		rep.Items = append(rep.Items, it)
	}
	// Two routes whose pairs name the same live target cannot both get
	// a row; neither is guessed.
	for _, idx := range creating {
		if len(idx) < 2 {
			continue
		}
		for _, i := range idx {
			rep.Items[i].Status, rep.Items[i].Severity = BackfillSkippedConflict, SeverityBlocked
			rep.Items[i].Message = "another route in this backfill projects the same dokploy target id"
		}
	}
	rep.tally()
	return rep, nil
}

// backfillRoute applies the backfill table of records.md §3.5 to one route.
func backfillRoute(rt route, bound map[string]string) BackfillItem {
	it := BackfillItem{Context: rt.Context, Instance: rt.Instance, HasDokployTarget: rt.Target != nil, HasTargetID: rt.ID != nil,
		Physical: rt.Row, Projected: rt.projection()}
	set := func(status, severity, msg string) BackfillItem {
		it.Status, it.Severity, it.Message = status, severity, msg
		return it
	}
	switch {
	case rt.Row != nil && rt.Row.ProviderID != record.ProviderDokploy:
		return set(BackfillUnsupportedProvider, SeverityWarning, "explicit row of provider "+rt.Row.ProviderID+"; backfill only derives dokploy rows")
	case it.Projected == nil && rt.Row != nil:
		return set(BackfillSkippedIncomplete, SeverityBlocked, "explicit row exists but the Dokploy pair is incomplete")
	case it.Projected == nil:
		return set(BackfillSkippedIncomplete, SeverityWarning, "the Dokploy pair is incomplete; nothing to derive")
	case rt.Row == nil:
		if owner, taken := bound[it.Projected.TargetID]; taken {
			return set(BackfillSkippedConflict, SeverityBlocked, "the dokploy target id is already bound to route "+owner)
		}
		return set(BackfillWouldCreate, SeverityOK, "no explicit row; the projection would be created")
	case rt.Row.SameTarget(*it.Projected):
		return set(BackfillSkippedExists, SeverityOK, "explicit row already matches the projection")
	default:
		return set(BackfillSkippedConflict, SeverityBlocked, "explicit row differs from the projection; it is never overwritten")
	}
}

// ErrBackfillConflict means a create-if-absent of the apply lost a race:
// the caller must roll the transaction back. It wraps store.ErrConflict.
var ErrBackfillConflict = fmt.Errorf("provider-target backfill lost a create race: %w", store.ErrConflict)

// Backfill reports (dry run) or creates (apply) the explicit
// provider-target rows complete Dokploy pairs imply. Apply is
// all-or-nothing: it writes only when no item is blocked, only the
// would-create items, each as a create-if-absent; a create that loses a
// race turns into skipped-conflict and rolls the whole apply back. It never
// rewrites an existing row, so a second apply reports skipped-exists.
func (s *Service) Backfill(ctx context.Context, f Filter, apply bool) (BackfillReport, error) {
	if !apply {
		rep, err := planBackfill(ctx, s.store, f.normalized())
		if err != nil {
			return BackfillReport{}, fmt.Errorf("plan provider-target backfill: %w", err)
		}
		return rep, nil
	}
	var rep BackfillReport
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		rep, err = BackfillApplyTx(ctx, tx, f)
		return err
	})
	if err != nil && !errors.Is(err, ErrBackfillConflict) {
		return BackfillReport{}, err
	}
	// On a lost race the transaction rolled back and rep says so.
	return rep, nil
}

// BackfillApplyTx is the apply half of Backfill inside the caller's
// transaction (the service stores its idempotency record in the same one).
// With ErrBackfillConflict it still returns the report, which records the
// rollback: the caller must return the error from its transaction.
func BackfillApplyTx(ctx context.Context, tx store.Tx, f Filter) (BackfillReport, error) {
	f = f.normalized()
	// Lock every route first, in route order so two backfills cannot
	// deadlock, then plan on what the locks protect.
	routes, err := loadRoutes(ctx, tx, f)
	if err != nil {
		return BackfillReport{}, fmt.Errorf("apply provider-target backfill: %w", err)
	}
	for _, rt := range routes {
		if err := tx.Lock(ctx, lockKey(rt.Context, rt.Instance)); err != nil {
			return BackfillReport{}, fmt.Errorf("apply provider-target backfill: %w", err)
		}
	}
	rep, err := planBackfill(ctx, tx, f)
	if err != nil {
		return BackfillReport{}, fmt.Errorf("apply provider-target backfill: %w", err)
	}
	rep.Mode = BackfillApply
	if rep.Blocked() {
		return rep, nil
	}
	for i, it := range rep.Items {
		if it.Status != BackfillWouldCreate {
			continue
		}
		err := tx.ProviderTargetCreate(ctx, *it.Projected)
		if errors.Is(err, store.ErrConflict) {
			rep.Items[i].Status, rep.Items[i].Severity = BackfillSkippedConflict, SeverityBlocked
			rep.Items[i].Message = "create-if-absent lost: a row or its target id appeared since planning"
			// Everything created before this item rolls back with it.
			for j := range rep.Items[:i] {
				if rep.Items[j].Status == BackfillCreated {
					rep.Items[j].Status = BackfillWouldCreate
				}
			}
			rep.tally()
			return rep, ErrBackfillConflict
		}
		if err != nil {
			return BackfillReport{}, fmt.Errorf("create provider target %s/%s: %w", it.Context, it.Instance, err)
		}
		rep.Items[i].Status = BackfillCreated
	}
	rep.Applied = true
	rep.tally()
	return rep, nil
}
