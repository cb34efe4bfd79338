package dokploysim

import "strings"

// routes builds the procedure table. Procedures not listed here answer 404
// in the real shape, so an unexpected call fails loudly.
func (s *Sim) routes() map[string]*procedure {
	appID := field{name: "applicationId", kind: kString, required: true}
	appIDNonopt := field{name: "applicationId", kind: kString, required: true, nonoptional: true}
	composeID := field{name: "composeId", kind: kString, required: true}
	title := field{name: "title", kind: kString}
	desc := field{name: "description", kind: kString, nullable: true}
	list := []*procedure{
		{name: "user.session", handle: s.userSession},
		{name: "project.all", handle: s.projectAll},
		{name: "application.one", fields: []field{appID}, handle: s.applicationOne},
		{name: "application.create", mutation: true, fields: []field{
			{name: "name", kind: kString, required: true},
			{name: "environmentId", kind: kString, required: true},
			{name: "appName", kind: kString},
			desc,
			{name: "serverId", kind: kString, nullable: true},
			{name: "sourceType", kind: kString},
		}, handle: s.applicationCreate},
		{name: "application.update", mutation: true, fields: []field{appID},
			columns: columnsOf(application{}, "applicationId"), handle: s.applicationUpdate},
		{name: "application.saveDockerProvider", mutation: true, fields: []field{
			appIDNonopt,
			{name: "dockerImage", kind: kString, required: true, nullable: true, nonoptional: true},
			{name: "username", kind: kString, required: true, nullable: true, nonoptional: true},
			{name: "password", kind: kString, required: true, nullable: true, nonoptional: true},
			{name: "registryUrl", kind: kString, required: true, nullable: true, nonoptional: true},
		}, handle: s.applicationSaveDockerProvider},
		{name: "application.saveEnvironment", mutation: true, fields: []field{
			appIDNonopt,
			{name: "env", kind: kString, required: true, nullable: true, nonoptional: true},
			{name: "buildArgs", kind: kString, required: true, nullable: true, nonoptional: true},
			{name: "buildSecrets", kind: kString, required: true, nullable: true, nonoptional: true},
			{name: "createEnvFile", kind: kBool, required: true, nonoptional: true},
		}, handle: s.applicationSaveEnvironment},
		{name: "application.deploy", mutation: true, fields: []field{appID, title, desc},
			handle: s.applicationDeployer("Manual deployment")},
		{name: "application.redeploy", mutation: true, fields: []field{appID, title, desc},
			handle: s.applicationDeployer("Rebuild deployment")},
		{name: "deployment.all", fields: []field{appID}, handle: s.deploymentAll},
		{name: "deployment.allByCompose", fields: []field{composeID}, handle: s.deploymentAllByCompose},
		{name: "compose.one", fields: []field{composeID}, handle: s.composeOne},
		{name: "compose.create", mutation: true, fields: []field{
			{name: "name", kind: kString, required: true},
			{name: "environmentId", kind: kString, required: true},
			desc,
			{name: "composeType", kind: kString},
			{name: "appName", kind: kString},
			{name: "serverId", kind: kString, nullable: true},
			{name: "composeFile", kind: kString},
		}, handle: s.composeCreate},
		{name: "compose.update", mutation: true, fields: []field{composeID},
			columns: columnsOf(compose{}, "composeId"), handle: s.composeUpdate},
		{name: "compose.deploy", mutation: true, fields: []field{composeID, title, desc},
			handle: s.composeDeployer("Manual deployment", "Deployment queued")},
		{name: "compose.redeploy", mutation: true, fields: []field{composeID, title, desc},
			handle: s.composeDeployer("Rebuild deployment", "Redeployment queued")},
	}
	m := make(map[string]*procedure, len(list))
	for _, p := range list {
		// appName is ignored by compose.update upstream.
		delete(p.columns, "appName")
		m[strings.ToLower(p.name)] = p
	}
	return m
}
