package onboarding

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/targets"
)

// plan is a validated manifest turned into the records it writes.
type plan struct {
	at       time.Time
	profile  record.ProductProfile
	targets  []targets.PutInput
	runtime  []runtimeItem
	bindings []secrets.Placeholder
}

type runtimeItem struct {
	route runtimeenv.Route
	env   map[string]any
}

// problems collects validation problems of a manifest.
type problems struct{ list []record.FieldProblem }

func (p *problems) add(field, format string, args ...any) {
	p.list = append(p.list, record.FieldProblem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// nest adds a record's problems under prefix, renaming the record's own
// field names to the manifest's (rename maps record field → manifest field).
func (p *problems) nest(prefix string, err error, rename map[string]string) {
	var ve *record.ValidationError
	if !errors.As(err, &ve) {
		p.add(strings.TrimSuffix(prefix, "."), "is invalid: %v", err)
		return
	}
	for _, fp := range ve.Problems {
		field, public := fp.Field, fp.Public
		if to, ok := rename[field]; ok {
			field = to
		}
		if to, ok := rename[public]; ok {
			public = to
		}
		out := record.FieldProblem{Field: prefix + field, Message: fp.Message}
		if public != "" {
			out.Public = prefix + public
		}
		p.list = append(p.list, out)
	}
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &record.ValidationError{Record: manifestKind, Problems: p.list}
}

// Validate checks every rule of the manifest without a store: the
// profile's record rules and write contract, the tracked targets (stable
// lanes testing and prod only, each a lane of the manifest, with a target
// id, no secret-shaped env), the runtime records (context or instance
// scope, never global; routes owned by the product, no secret-shaped key)
// and the secret bindings (owned routes, no value, no configured status).
// now stamps the records.
func (m Manifest) Validate(now time.Time) error {
	_, err := m.plan(now, "")
	return err
}

// plan validates m and builds its records, stamped with updatedAt (the
// CLI's --updated-at), else the manifest's updated_at, else now.
func (m Manifest) plan(now time.Time, updatedAt string) (plan, error) {
	var p problems
	pl := plan{at: now}
	stamp := strings.TrimSpace(updatedAt)
	field := "updated_at"
	if stamp == "" {
		stamp = strings.TrimSpace(m.UpdatedAt)
	} else {
		field = "--updated-at"
	}
	if stamp != "" {
		t, err := record.ParseTime(stamp)
		if err != nil {
			p.add(field, "must be an RFC 3339 timestamp")
		} else {
			pl.at = t
		}
	}
	m.Product, m.SourceLabel = strings.TrimSpace(m.Product), strings.TrimSpace(m.SourceLabel)
	if m.SchemaVersion != 1 {
		p.add("schema_version", "must be 1 (got %d)", m.SchemaVersion)
	}
	if m.SourceLabel == "" {
		p.add("source_label", "is required and must not be blank")
	}
	if strings.TrimSpace(m.ImageRepository) == "" {
		p.add("image_repository", "is required and must not be blank")
	}
	if m.RuntimePort < 1 || m.RuntimePort > 65535 {
		p.add("runtime_port", "must be between 1 and 65535 (got %d)", m.RuntimePort)
	}
	if hp := strings.TrimSpace(m.HealthPath); !strings.HasPrefix(hp, "/") {
		p.add("health_path", "is required and must start with /")
	}
	if len(m.Lanes) == 0 {
		p.add("lanes", "must hold at least one stable lane")
	}
	routes := m.laneRoutes()
	if len(routes) != len(m.Lanes) {
		p.add("lanes", "must be unique by context and instance")
	}
	owned := m.ownedContexts()
	for i, h := range m.HistoricalContexts {
		if h = strings.TrimSpace(h); owned[h] {
			p.add(fmt.Sprintf("historical_contexts[%d]", i), "names a current context of the product (%s)", h)
		}
	}
	pl.profile = m.profile()
	if prof, err := products.Prepare(products.UpsertInput{Profile: pl.profile, UpdatedAt: record.FormatTime(pl.at)}, pl.at); err != nil {
		p.nest("", err, map[string]string{"image.repository": "image_repository", "source": "source_label"})
	} else {
		pl.profile = prof
	}
	pl.targets = m.planTargets(&p, routes, pl.at)
	pl.runtime = m.planRuntime(&p, routes, owned, pl.at)
	pl.bindings = m.planBindings(&p, routes, owned)
	m.checkExpected(&p, routes, owned)
	return pl, p.err()
}

// profile is the product profile the manifest describes. A lane without
// health_url gets base_url plus health_path, as upstream's onboarding did.
func (m Manifest) profile() record.ProductProfile {
	lanes := make([]record.ProductLaneProfile, len(m.Lanes))
	for i, l := range m.Lanes {
		if strings.TrimSpace(l.HealthURL) == "" && strings.TrimSpace(l.BaseURL) != "" {
			l.HealthURL = strings.TrimRight(strings.TrimSpace(l.BaseURL), "/") + strings.TrimSpace(m.HealthPath)
		}
		lanes[i] = l
	}
	return record.ProductProfile{SchemaVersion: 1, Product: m.Product, DisplayName: m.DisplayName, Repository: m.Repository,
		DriverID: m.DriverID, Image: record.ProductImageProfile{Repository: m.ImageRepository}, RuntimePort: m.RuntimePort,
		HealthPath: m.HealthPath, Lanes: lanes, HistoricalContexts: slices.Clone(m.HistoricalContexts), Preview: m.Preview,
		PromotionWorkflow: m.PromotionWorkflow, ExpectedConfig: m.ExpectedConfig, Source: m.SourceLabel}
}

func (m Manifest) planTargets(p *problems, routes map[[2]string]bool, at time.Time) []targets.PutInput {
	out := make([]targets.PutInput, 0, len(m.ProviderTargets))
	seen := map[[2]string]int{}
	for i, t := range m.ProviderTargets {
		prefix := fmt.Sprintf("provider_targets[%d].", i)
		route := [2]string{strings.TrimSpace(t.Context), strings.TrimSpace(t.Instance)}
		if !slices.Contains(record.TrackedLanes, route[1]) {
			p.add(prefix+"instance", "must be a tracked stable lane: %s", strings.Join(record.TrackedLanes, " or "))
		} else if !routes[route] {
			p.add(prefix+"context", "the route %s/%s is not a lane of the manifest", route[0], route[1])
		}
		if j, dup := seen[route]; dup {
			p.add(prefix+"instance", "duplicates provider_targets[%d]", j)
		} else {
			seen[route] = i
		}
		id := strings.TrimSpace(t.TargetID)
		if id == "" {
			p.add(prefix+"target_id", "is required and must not be blank")
		}
		healthPath := t.HealthcheckPath
		if strings.TrimSpace(healthPath) == "" {
			healthPath = m.HealthPath
		}
		in := targets.PutInput{Target: record.DokployTarget{SchemaVersion: 1, Context: t.Context, Instance: t.Instance,
			ProjectName: t.ProjectName, TargetType: t.TargetType, TargetName: t.TargetName, SourceGitRef: t.SourceGitRef,
			SourceType: t.SourceType, CustomGitURL: t.CustomGitURL, CustomGitBranch: t.CustomGitBranch, ComposePath: t.ComposePath,
			WatchPaths: slices.Clone(t.WatchPaths), EnableSubmodules: t.EnableSubmodules, RequireTestGate: t.RequireTestGate,
			RequireProdGate: t.RequireProdGate, DeployTimeoutSeconds: t.DeployTimeoutSeconds, HealthcheckEnabled: t.HealthcheckEnabled,
			HealthcheckPath: healthPath, HealthcheckTimeoutSeconds: t.HealthcheckTimeoutSeconds, Env: t.Env, Domains: slices.Clone(t.Domains),
			SourceLabel: m.SourceLabel}, TargetID: id, SourceLabel: m.SourceLabel}
		prepared, err := targets.PreparePut(in, at)
		if err != nil {
			p.nest(prefix, err, nil)
			continue
		}
		in.Target = prepared
		out = append(out, in)
	}
	return out
}

func (m Manifest) planRuntime(p *problems, routes map[[2]string]bool, owned map[string]bool, at time.Time) []runtimeItem {
	out := make([]runtimeItem, 0, len(m.RuntimeEnvironments))
	seen := map[runtimeenv.Route]int{}
	for i, r := range m.RuntimeEnvironments {
		prefix := fmt.Sprintf("runtime_environments[%d].", i)
		probe := record.RuntimeEnvironment{Scope: r.Scope, Context: r.Context, Instance: r.Instance, Env: r.Env,
			UpdatedAt: record.FormatTime(at), SourceLabel: m.SourceLabel}
		if err := probe.Validate(); err != nil {
			p.nest(prefix, err, nil)
			continue
		}
		route := runtimeenv.Route{Scope: probe.Scope, Context: probe.Context, Instance: probe.Instance}
		switch {
		case route.Scope == record.ScopeGlobal:
			// The global record applies to every product's lanes; one
			// product's manifest must not change what the others run with.
			p.add(prefix+"scope", "must be %s or %s: the %s record is shared by every product, so onboarding never writes it",
				record.ScopeContext, record.ScopeInstance, record.ScopeGlobal)
		case !owned[route.Context]:
			p.add(prefix+"context", "is not owned by the product (its key, a lane context or the preview context)")
		case route.Scope == record.ScopeInstance && !routes[[2]string{route.Context, route.Instance}]:
			p.add(prefix+"instance", "the route %s/%s is not a lane of the manifest", route.Context, route.Instance)
		}
		if j, dup := seen[route]; dup {
			p.add(prefix+"scope", "names the same record as runtime_environments[%d]", j)
			continue
		}
		seen[route] = i
		out = append(out, runtimeItem{route: route, env: probe.Env})
	}
	return out
}

func (m Manifest) planBindings(p *problems, routes map[[2]string]bool, owned map[string]bool) []secrets.Placeholder {
	out := make([]secrets.Placeholder, 0, len(m.SecretBindings))
	seen := map[string]int{}
	for i, b := range m.SecretBindings {
		prefix := fmt.Sprintf("secret_bindings[%d].", i)
		ph := secrets.Placeholder{Integration: strings.TrimSpace(b.Integration), BindingKey: strings.TrimSpace(b.BindingKey),
			Context: strings.TrimSpace(b.Context), Instance: strings.TrimSpace(b.Instance)}
		bad := false
		fail := func(field, format string, args ...any) { p.add(prefix+field, format, args...); bad = true }
		if ph.BindingKey == "" {
			fail("binding_key", "is required and must not be blank")
		} else if err := record.ValidateBindingKey(ph.BindingKey); err != nil {
			fail("binding_key", "must not contain '=', whitespace or NUL")
		}
		if ph.Integration == "" {
			fail("integration", "is required and must not be blank")
		}
		switch {
		case ph.Context == "":
			fail("context", "is required and must not be blank")
		case !owned[ph.Context]:
			fail("context", "is not owned by the product (its key, a lane context or the preview context)")
		case ph.Instance != "" && !routes[[2]string{ph.Context, ph.Instance}]:
			fail("instance", "the route %s/%s is not a lane of the manifest", ph.Context, ph.Instance)
		}
		if s := strings.TrimSpace(b.Status); s != record.SecretStatusDisabled {
			fail("status", "must be disabled: onboarding writes placeholders, and a binding becomes configured only when its value is written (launchplane secrets put or product-config apply)")
		}
		if bad {
			continue
		}
		if id := strings.TrimSpace(b.SecretID); id != "" && id != ph.SecretID() {
			fail("secret_id", "must be empty or %q, the id the binding's secret derives", ph.SecretID())
		}
		if id := strings.TrimSpace(b.BindingID); id != "" && id != ph.BindingID() {
			fail("binding_id", "must be empty or %q, the id the binding derives", ph.BindingID())
		}
		if j, dup := seen[ph.BindingID()]; dup {
			fail("binding_key", "names the same binding as secret_bindings[%d]", j)
		} else {
			seen[ph.BindingID()] = i
		}
		if !bad {
			out = append(out, ph)
		}
	}
	return out
}

// checkExpected refuses expected_config requirements for routes the
// product does not own (the record rules check the rest).
func (m Manifest) checkExpected(p *problems, routes map[[2]string]bool, owned map[string]bool) {
	check := func(field, ctx, inst string) {
		ctx, inst = strings.TrimSpace(ctx), strings.TrimSpace(inst)
		switch {
		case ctx == "":
		case !owned[ctx]:
			p.add(field+".context", "is not owned by the product (its key, a lane context or the preview context)")
		case inst != "" && !routes[[2]string{ctx, inst}]:
			p.add(field+".instance", "the route %s/%s is not a lane of the manifest", ctx, inst)
		}
	}
	for i, r := range m.ExpectedConfig.RuntimeEnvironmentKeys {
		check(fmt.Sprintf("expected_config.runtime_environment_keys[%d]", i), r.Context, r.Instance)
	}
	for i, s := range m.ExpectedConfig.ManagedSecretBindings {
		check(fmt.Sprintf("expected_config.managed_secret_bindings[%d]", i), s.Context, s.Instance)
	}
}
