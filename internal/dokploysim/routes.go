package dokploysim

import "strings"

// routes builds the procedure table. Procedures not listed here answer 404
// in the real shape, so an unexpected call fails loudly.
func (s *Sim) routes() map[string]*procedure {
	appID := field{name: "applicationId", kind: kString, required: true}
	appIDNonopt := field{name: "applicationId", kind: kString, required: true, nonoptional: true}
	composeID := field{name: "composeId", kind: kString, required: true}
	scheduleID := field{name: "scheduleId", kind: kString, required: true, check: minLength(1)}
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
		{name: "application.readLogs", fields: append([]field{appID}, logFields()...), handle: s.applicationReadLogs},
		{name: "compose.readLogs", fields: append([]field{composeID,
			{name: "containerId", kind: kString, required: true, check: matches(containerIDRe, "Invalid container id.")}},
			logFields()...), handle: s.composeReadLogs},
		{name: "deployment.allByType", fields: []field{
			{name: "id", kind: kString, required: true},
			{name: "type", kind: kString, required: true, check: oneOf("application", "compose", "server", "schedule", "previewDeployment", "backup", "volumeBackup")},
		}, handle: s.deploymentAllByType},
		{name: "deployment.readLogs", fields: []field{
			{name: "deploymentId", kind: kString, required: true},
			{name: "tail", kind: kNumber, check: between(1, 10000, "", "")},
		}, handle: s.deploymentReadLogs},
		{name: "docker.getContainersByAppNameMatch", fields: []field{
			{name: "appName", kind: kString, required: true},
			{name: "appType", kind: kString, check: oneOf("stack", "docker-compose")},
			{name: "serverId", kind: kString, nullable: true},
		}, handle: s.dockerContainersByAppNameMatch},
		{name: "domain.byApplicationId", fields: []field{appID}, handle: s.domainByApplicationID},
		{name: "domain.byComposeId", fields: []field{composeID}, handle: s.domainByComposeID},
		{name: "domain.create", mutation: true, fields: append(domainFields(),
			field{name: "applicationId", kind: kString, nullable: true},
			field{name: "composeId", kind: kString, nullable: true},
			field{name: "previewDeploymentId", kind: kString, nullable: true},
		), handle: s.domainCreate},
		{name: "domain.update", mutation: true, fields: append([]field{
			{name: "domainId", kind: kString, required: true, nonoptional: true},
			{name: "enabled", kind: kBool},
		}, domainFields()...), handle: s.domainUpdate},
		{name: "domain.delete", mutation: true, fields: []field{{name: "domainId", kind: kString, required: true}}, handle: s.domainDelete},
		{name: "application.saveBuildType", mutation: true, fields: []field{
			appIDNonopt,
			{name: "buildType", kind: kString, required: true, nonoptional: true,
				check: oneOf("dockerfile", "heroku_buildpacks", "paketo_buildpacks", "nixpacks", "static", "railpack")},
			{name: "dockerfile", kind: kString, required: true, nullable: true, nonoptional: true},
			{name: "dockerContextPath", kind: kString, required: true, nullable: true, nonoptional: true},
			{name: "dockerBuildStage", kind: kString, required: true, nullable: true, nonoptional: true},
			{name: "herokuVersion", kind: kString, required: true, nullable: true, nonoptional: true},
			{name: "railpackVersion", kind: kString, required: true, nullable: true, nonoptional: true},
			{name: "publishDirectory", kind: kString, nullable: true},
			{name: "isStaticSpa", kind: kBool, nullable: true},
		}, handle: s.applicationSaveBuildType},
		{name: "application.delete", mutation: true, fields: []field{appID}, handle: s.applicationDelete},
		{name: "compose.delete", mutation: true, fields: []field{composeID, {name: "deleteVolumes", kind: kBool}},
			handle: s.composeDelete},
		{name: "schedule.list", fields: []field{
			{name: "id", kind: kString, required: true},
			{name: "scheduleType", kind: kString, required: true, check: oneOf(scheduleTypes...)},
		}, handle: s.scheduleList},
		{name: "schedule.create", mutation: true, fields: scheduleFields(), handle: s.scheduleCreate},
		{name: "schedule.update", mutation: true, fields: append([]field{scheduleID}, scheduleFields()...),
			handle: s.scheduleUpdate},
		{name: "schedule.runManually", mutation: true, fields: []field{scheduleID}, handle: s.scheduleRunManually},
		{name: "schedule.delete", mutation: true, fields: []field{scheduleID}, handle: s.scheduleDelete},
	}
	m := make(map[string]*procedure, len(list))
	for _, p := range list {
		// appName is ignored by compose.update upstream.
		delete(p.columns, "appName")
		m[strings.ToLower(p.name)] = p
	}
	return m
}
