package dokploysim

func (s *Sim) composeTarget(id string) (*target, *apiError) {
	t := s.targets[id]
	if t == nil || t.compose == nil {
		return nil, notFound("Compose not found")
	}
	return t, nil
}

func (s *Sim) composeOne(in input) (any, *apiError) {
	t, err := s.composeTarget(in.str("composeId"))
	if err != nil {
		return nil, err
	}
	row, err := s.oneRow(t, t.compose, t.compose.EnvironmentID, "domains", "mounts", "backups")
	if err != nil {
		return nil, err
	}
	return row, nil
}

func (s *Sim) composeCreate(in input) (any, *apiError) {
	env, err := s.environmentOrError(in.str("environmentId"))
	if err != nil {
		return nil, err
	}
	c := &compose{
		ComposeID:     s.newID("cmp"),
		Name:          in.str("name"),
		AppName:       s.rewriteAppName(in.optStr("appName"), "compose"),
		Description:   in.optStr("description"),
		EnvironmentID: env.EnvironmentID,
		ServerID:      in.optStr("serverId"),
		ComposeFile:   in.str("composeFile"),
		SourceType:    "github",
		ComposeType:   "docker-compose",
		ComposePath:   "./docker-compose.yml",
		AutoDeploy:    ptr(true),
		TriggerType:   ptr("push"),
		ComposeStatus: "idle",
		CreatedAt:     s.stamp(s.cfg.Now()),
	}
	if v := in.str("composeType"); v != "" {
		c.ComposeType = v
	}
	s.targets[c.ComposeID] = &target{compose: c}
	env.targets = append(env.targets, c.ComposeID)
	return c, nil
}

// composeUpdate returns the updated flat row. An unknown id answers 200 with
// an empty body rather than 404 (errata 9).
func (s *Sim) composeUpdate(in input) (any, *apiError) {
	t := s.targets[in.str("composeId")]
	if t == nil || t.compose == nil {
		return emptyBody{}, nil
	}
	if err := overlay(t.compose, in, "composeId"); err != nil {
		return nil, typeError(err)
	}
	return t.compose, nil
}

func (s *Sim) composeDeployer(defaultTitle, message string) func(input) (any, *apiError) {
	return func(in input) (any, *apiError) {
		t, err := s.composeTarget(in.str("composeId"))
		if err != nil {
			return nil, err
		}
		title := defaultTitle
		if v := in.str("title"); v != "" {
			title = v
		}
		s.enqueue(t, title, in.optStr("description"))
		return map[string]any{"success": true, "message": message, "composeId": t.id()}, nil
	}
}

func (s *Sim) deploymentAllByCompose(in input) (any, *apiError) {
	t, err := s.composeTarget(in.str("composeId"))
	if err != nil {
		return nil, err
	}
	return newestFirst(t), nil
}

// composeDelete removes a compose like applicationDelete does, dropping
// its queued jobs. deleteVolumes may be left out (errata 2); the simulator
// has no volumes, so its value changes nothing.
func (s *Sim) composeDelete(in input) (any, *apiError) {
	t, err := s.composeTarget(in.str("composeId"))
	if err != nil {
		return nil, err
	}
	row, err := s.composeOne(in)
	if err != nil {
		return nil, err
	}
	s.removeTarget(t)
	return row, nil
}
