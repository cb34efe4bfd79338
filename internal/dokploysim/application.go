package dokploysim

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
)

func (s *Sim) app(id string) (*target, *apiError) {
	t := s.targets[id]
	if t == nil || t.app == nil {
		return nil, notFound("Application not found")
	}
	return t, nil
}

func (s *Sim) applicationOne(in input) (any, *apiError) {
	t, err := s.app(in.str("applicationId"))
	if err != nil {
		return nil, err
	}
	row, err := s.oneRow(t, t.app, t.app.EnvironmentID, "domains", "mounts", "redirects", "security", "ports")
	if err != nil {
		return nil, err
	}
	row["registry"] = nil
	return row, nil
}

// oneRow is the .one answer for an application or compose: the flat row
// plus its relations. Dokploy returns the embedded deployments unordered;
// insertion order is as good as any, since clients must sort by createdAt.
// Each named relation is an empty list.
func (s *Sim) oneRow(t *target, flat any, environmentID string, relations ...string) (map[string]any, *apiError) {
	row, encErr := rowMap(flat)
	if encErr != nil {
		return nil, newError("INTERNAL_SERVER_ERROR", encErr.Error())
	}
	row["deployments"] = append([]*deployment{}, t.deployments...)
	row["environment"] = environmentRelation(s.findEnvironment(environmentID))
	for _, k := range relations {
		row[k] = []any{}
	}
	row["domains"] = s.domainsOf(t.id())
	row["server"] = nil
	row["hasGitProviderAccess"] = true
	row["unauthorizedProvider"] = nil
	return row, nil
}

func (s *Sim) applicationCreate(in input) (any, *apiError) {
	env, err := s.environmentOrError(in.str("environmentId"))
	if err != nil {
		return nil, err
	}
	requested := in.optStr("appName")
	if requested != nil && strings.Contains(*requested, " ") {
		return nil, validationError([]zodIssue{{
			Code: "invalid_format", Expected: "string", Path: []string{"appName"},
			Message: "App name supports lowercase letters, numbers, '-' and can only start and end letters, and does not support continuous '-'",
		}})
	}
	a := &application{
		ApplicationID:     s.newID("app"),
		Name:              in.str("name"),
		AppName:           s.rewriteAppName(requested, "app"),
		Description:       in.optStr("description"),
		EnvironmentID:     env.EnvironmentID,
		ServerID:          in.optStr("serverId"),
		CreateEnvFile:     true,
		SourceType:        "github",
		BuildType:         "nixpacks",
		Dockerfile:        ptr("Dockerfile"),
		HerokuVersion:     ptr("24"),
		RailpackVersion:   ptr("0.15.4"),
		Replicas:          1,
		TriggerType:       ptr("push"),
		AutoDeploy:        ptr(true),
		ApplicationStatus: "idle",
		CreatedAt:         s.stamp(s.cfg.Now()),
	}
	if st := in.optStr("sourceType"); st != nil {
		a.SourceType = *st
	}
	s.targets[a.ApplicationID] = &target{app: a}
	env.targets = append(env.targets, a.ApplicationID)
	return a, nil
}

func (s *Sim) applicationUpdate(in input) (any, *apiError) {
	t := s.targets[in.str("applicationId")]
	if t == nil || t.app == nil {
		return nil, newError("BAD_REQUEST", "Error updating application")
	}
	if len(in) == 1 {
		return nil, newError("INTERNAL_SERVER_ERROR", "No values to set")
	}
	if err := overlay(t.app, in, "applicationId"); err != nil {
		return nil, typeError(err)
	}
	return true, nil
}

func (s *Sim) applicationSaveDockerProvider(in input) (any, *apiError) {
	t, err := s.app(in.str("applicationId"))
	if err != nil {
		return nil, err
	}
	a := t.app
	a.DockerImage, a.Username, a.Password, a.RegistryURL =
		in.optStr("dockerImage"), in.optStr("username"), in.optStr("password"), in.optStr("registryUrl")
	a.SourceType = "docker"
	a.ApplicationStatus = "idle"
	return true, nil
}

func (s *Sim) applicationSaveEnvironment(in input) (any, *apiError) {
	t, err := s.app(in.str("applicationId"))
	if err != nil {
		return nil, err
	}
	a := t.app
	// Each field is replaced whole; there is no per-key patch.
	a.Env, a.BuildArgs, a.BuildSecrets = in.optStr("env"), in.optStr("buildArgs"), in.optStr("buildSecrets")
	_ = json.Unmarshal(in["createEnvFile"], &a.CreateEnvFile)
	return true, nil
}

func (s *Sim) applicationDeployer(defaultTitle string) func(input) (any, *apiError) {
	return func(in input) (any, *apiError) {
		t, err := s.app(in.str("applicationId"))
		if err != nil {
			return nil, err
		}
		title := defaultTitle
		if v := in.str("title"); v != "" {
			title = v
		}
		s.enqueue(t, title, in.optStr("description"))
		// Self-hosted Dokploy returns nothing: 200 with an empty body.
		return emptyBody{}, nil
	}
}

func (s *Sim) deploymentAll(in input) (any, *apiError) {
	t, err := s.app(in.str("applicationId"))
	if err != nil {
		return nil, err
	}
	return newestFirst(t), nil
}

func rowMap(row any) (map[string]any, error) {
	b, err := json.Marshal(row)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// typeError reports an update whose column values have the wrong JSON type.
func typeError(err error) *apiError {
	var te *json.UnmarshalTypeError
	path := []string{}
	if errors.As(err, &te) && te.Field != "" {
		path = []string{te.Field}
	}
	return validationError([]zodIssue{{Code: "invalid_type", Path: path, Message: err.Error()}})
}

// applicationSaveBuildType sets the build columns. The keys Dokploy
// declares with .required() must be present but may be null (errata 4);
// publishDirectory and isStaticSpa may be left out, which keeps them.
func (s *Sim) applicationSaveBuildType(in input) (any, *apiError) {
	t, err := s.app(in.str("applicationId"))
	if err != nil {
		return nil, err
	}
	if e := overlay(t.app, in, "applicationId"); e != nil {
		return nil, typeError(e)
	}
	return true, nil
}

// applicationDelete removes an application with its domains, deployments,
// schedules and queued jobs, and returns it as application.one did.
// Dokploy swallows cleanup errors, so only an unknown id fails.
func (s *Sim) applicationDelete(in input) (any, *apiError) {
	t, err := s.app(in.str("applicationId"))
	if err != nil {
		return nil, err
	}
	row, err := s.applicationOne(in)
	if err != nil {
		return nil, err
	}
	s.removeTarget(t)
	return row, nil
}

// removeTarget forgets an application or compose and everything that
// references it. Its queued jobs are dropped; a build in progress is
// abandoned and frees the queue now.
func (s *Sim) removeTarget(t *target) {
	id := t.id()
	delete(s.targets, id)
	for _, p := range s.projects {
		for _, e := range p.environments {
			e.targets = slices.DeleteFunc(e.targets, func(x string) bool { return x == id })
		}
	}
	s.domains = slices.DeleteFunc(s.domains, func(d *domain) bool {
		return deref(d.ApplicationID) == id || deref(d.ComposeID) == id
	})
	s.schedules = slices.DeleteFunc(s.schedules, func(sc *schedule) bool {
		return deref(sc.ApplicationID) == id || deref(sc.ComposeID) == id
	})
	s.queue.pending = slices.DeleteFunc(s.queue.pending, func(j *job) bool { return j.target == t })
	if r := s.queue.running; r != nil && r.job.target == t {
		s.queue.running = nil
		s.queue.freeAt = s.cfg.Now()
	}
}
