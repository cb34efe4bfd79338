package dokploysim

// CreateProject adds a project with one default environment named
// "production" and returns both ids.
func (s *Sim) CreateProject(name string) (projectID, environmentID string) {
	s.lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	p := &project{ProjectID: s.newID("prj"), Name: name, CreatedAt: s.stamp(now), organizationID: s.cfg.OrganizationID}
	env := &environment{EnvironmentID: s.newID("env"), Name: "production", IsDefault: true, project: p}
	p.environments = append(p.environments, env)
	s.projects = append(s.projects, p)
	return p.ProjectID, env.EnvironmentID
}

// DefaultEnvironmentID returns the environment New seeds.
func (s *Sim) DefaultEnvironmentID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.projects[0].environments[0].EnvironmentID
}

func (s *Sim) findEnvironment(id string) *environment {
	for _, p := range s.projects {
		for _, e := range p.environments {
			if e.EnvironmentID == id {
				return e
			}
		}
	}
	return nil
}

func (s *Sim) userSession(input) (any, *apiError) {
	return map[string]any{
		"user":    map[string]any{"id": s.cfg.UserID},
		"session": map[string]any{"activeOrganizationId": s.cfg.OrganizationID},
	}, nil
}

// projectAll renders projects newest first with the trimmed v0.30 embedded
// application and compose entries.
func (s *Sim) projectAll(input) (any, *apiError) {
	out := []map[string]any{}
	for i := len(s.projects) - 1; i >= 0; i-- {
		p := s.projects[i]
		envs := []map[string]any{}
		for _, e := range p.environments {
			apps, composes := []map[string]any{}, []map[string]any{}
			for _, id := range e.targets {
				t := s.targets[id]
				if t.app != nil {
					apps = append(apps, map[string]any{"applicationId": t.app.ApplicationID, "name": t.app.Name, "applicationStatus": t.app.ApplicationStatus})
				} else {
					composes = append(composes, map[string]any{"composeId": t.compose.ComposeID, "name": t.compose.Name, "composeStatus": t.compose.ComposeStatus})
				}
			}
			envs = append(envs, map[string]any{
				"environmentId": e.EnvironmentID, "name": e.Name, "isDefault": e.IsDefault,
				"applications": apps, "compose": composes, "postgres": []any{}, "mysql": []any{},
				"mariadb": []any{}, "mongo": []any{}, "redis": []any{},
			})
		}
		out = append(out, map[string]any{
			"projectId": p.ProjectID, "name": p.Name, "description": nil, "createdAt": p.CreatedAt,
			"organizationId": p.organizationID, "env": "", "environments": envs, "projectTags": []any{},
		})
	}
	return out, nil
}

// environmentRelation is the environment{…,project{…}} relation embedded
// in application.one and compose.one.
func environmentRelation(e *environment) map[string]any {
	return map[string]any{
		"environmentId": e.EnvironmentID, "name": e.Name, "isDefault": e.IsDefault, "env": "",
		"projectId": e.project.ProjectID,
		"project": map[string]any{
			"projectId": e.project.ProjectID, "name": e.project.Name, "createdAt": e.project.CreatedAt,
			"organizationId": e.project.organizationID, "env": "",
		},
	}
}

func (s *Sim) environmentOrError(id string) (*environment, *apiError) {
	e := s.findEnvironment(id)
	if e == nil {
		return nil, notFound("Environment not found")
	}
	return e, nil
}
