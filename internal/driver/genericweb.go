package driver

// providerBoundary is every built-in driver's boundary statement.
const providerBoundary = "Launchplane exposes product capabilities and durable evidence; " +
	"runtime-provider details stay behind backend adapters and evidence records."

// post builds a POST driver action.
func post(id, label, description string, safety Safety, scope Scope, path, authz, input, output string, writes ...string) ActionDescriptor {
	return ActionDescriptor{
		ActionID: id, Label: label, Description: description,
		Safety: safety, Scope: scope, Method: "POST", RoutePath: RoutePrefix + path,
		AuthzAction: authz, OperatorVisible: true,
		InputSchema: BodyDescription{Description: input}, OutputSchema: BodyDescription{Description: output},
		WritesRecords: cloneStrings(writes),
	}
}

// hidden marks a machine-only action: product workflows call it, the UI
// does not offer it.
func hidden(a ActionDescriptor) ActionDescriptor {
	a.OperatorVisible = false
	return a
}

// genericWeb is the base driver every other driver builds on.
func genericWeb() Descriptor {
	return Descriptor{
		SchemaVersion: SchemaVersion,
		DriverID:      "generic-web",
		Label:         "Generic web",
		Product:       "generic-web",
		Description: "Reusable lifecycle for containerized web products: immutable image deploys, " +
			"testing-to-prod promotion, health checks, previews and pull-request feedback.",
		ContextPatterns:  []string{},
		ProviderBoundary: providerBoundary,
		Capabilities: []CapabilityDescriptor{
			{CapabilityID: "image_deployable", Label: "Image deployable",
				Description: "Deploy an exact image to a stable lane and promote testing to prod with recorded evidence.",
				Actions:     []string{"stable_deploy", "prod_promotion", "prod_promotion_workflow"},
				Panels:      []Panel{PanelSummary, PanelLaneHealth, PanelArtifactEvidence, PanelDeploymentEvidence, PanelPromotionEvidence, PanelBackupEvidence}},
			{CapabilityID: "health_checked", Label: "Health checked",
				Description: "Verify lane health endpoints and show evidence freshness in the read models.",
				Actions:     []string{"stable_verification"},
				Panels:      []Panel{PanelLaneHealth}},
			{CapabilityID: "previewable", Label: "Previewable",
				Description: "Model desired previews from pull-request labels, check readiness, create and refresh previews.",
				Actions:     []string{"preview_desired_state", "preview_readiness", "preview_refresh", "preview_verification"},
				Panels:      []Panel{PanelPreviewInventory, PanelDeploymentEvidence, PanelAudit}},
			{CapabilityID: "preview_inventory_managed", Label: "Preview inventory managed",
				Description: "Scan the running previews, record the inventory and destroy previews that are no longer wanted.",
				Actions:     []string{"preview_inventory", "preview_destroy"},
				Panels:      []Panel{PanelPreviewInventory, PanelAudit}},
			{CapabilityID: "pr_feedback", Label: "Pull-request feedback",
				Description: "Keep one status comment per pull request from preview and deploy records.",
				Actions:     []string{},
				Panels:      []Panel{PanelAudit}},
		},
		Actions: []ActionDescriptor{
			post("stable_deploy", "Deploy lane",
				"Deploy an exact image to a stable lane of the product and record the deployment.",
				SafetyMutation, ScopeInstance, "generic-web/deploy", "generic_web_deploy.execute",
				"{schema_version, product, deploy:{product, instance, artifact_id, source_git_ref, timeout_seconds?, no_cache}}; the lane context comes from the product profile.",
				"{deployment_record_id, deploy_status pass|fail, deploy_started_at, deploy_finished_at, product, context, instance, target_name, target_type, error_message}",
				"deployment", "inventory"),
			post("prod_promotion", "Promote testing to prod",
				"Check the backup gate and source health, deploy the testing artifact to prod, verify prod health and record the promotion.",
				SafetyMutation, ScopeInstance, "generic-web/prod-promotion", "generic_web_prod_promotion.execute",
				"{schema_version, product, promotion:{product, artifact_id, source_git_ref, from_instance=testing, to_instance=prod, backup_record_id, backup_required, wait=true, timeout_seconds, verify_health=true, health_timeout_seconds=60, dry_run=false, no_cache}}",
				"{promotion_record_id, deployment_record_id, promotion_status pending|pass|fail, deployment/backup/source-health/destination-health statuses, target, dry_run, error_message}",
				"deployment", "promotion", "inventory", "release_tuple"),
			post("prod_promotion_workflow", "Dispatch promotion workflow",
				"Dispatch the product's own promotion workflow and report the one new run it started.",
				SafetyMutation, ScopeInstance, "generic-web/prod-promotion-workflow", "generic_web_prod_promotion.dispatch",
				"{schema_version, product, workflow:{product, context, dry_run=true, bump?: patch|minor|major, observe_timeout_seconds 0..60 (12)}}",
				"{product, context, repository, workflow_id, ref, dry_run, bump, dispatch_status, run_id, run_url, run_status, run_conclusion}"),
			hidden(post("stable_verification", "Record stable verification",
				"Record the product's smoke verification of a stable deployment or promotion.",
				SafetySafeWrite, ScopeInstance, "generic-web/stable-verification", "deployment.write",
				"{schema_version, product, context, instance, deployment_record_id, promotion_record_id?, checked_urls[], verification_status pass|fail, verified_at, failure_summary, health_payload?}",
				"{deployment_record_id, promotion_record_id?, inventory_record_id?, verification_status}",
				"deployment", "promotion", "inventory")),
			post("preview_desired_state", "Discover desired previews",
				"Scan labelled pull requests of the product's repository and record which previews should exist.",
				SafetySafeWrite, ScopeContext, "generic-web/preview-desired-state", "preview_desired_state.discover",
				"{schema_version, product, desired_state:{product, source, label=preview, max_pages}}",
				"{preview_desired_state_id, desired_previews[]}",
				"preview_desired_state"),
			post("preview_refresh", "Refresh preview",
				"Create or update a pull-request preview from an exact image once readiness passes.",
				SafetyMutation, ScopePreview, "generic-web/preview-refresh", "preview_refresh.execute",
				"{schema_version, product, refresh:{product, preview_slug, preview_url?, image_reference, anchor_pr_number?, anchor_pr_url?, anchor_head_sha?, source, timeout_seconds=300, no_cache}}",
				"{preview_id, generation_id, refresh_status, preview_url, error_message}",
				"preview", "preview_generation"),
			post("preview_inventory", "Scan preview inventory",
				"Scan the running previews of the product and record the inventory.",
				SafetySafeWrite, ScopeContext, "generic-web/preview-inventory", "preview_inventory.read",
				"{schema_version, product, inventory:{product, source}}",
				"{preview_inventory_scan_id, previews[] (slug, app name, status)}",
				"preview_inventory_scan"),
			post("preview_readiness", "Evaluate preview readiness",
				"Check the preview template lane, settings and data transport before any runtime change.",
				SafetyRead, ScopeContext, "generic-web/preview-readiness", "preview_readiness.evaluate",
				"{schema_version, product, readiness:{product, source}}",
				"{ready, blockers[], warnings[]} naming settings, never values"),
			post("preview_destroy", "Destroy preview",
				"Destroy a pull-request preview and record the cleanup.",
				SafetyDestructive, ScopePreview, "generic-web/preview-destroy", "preview_destroy.execute",
				"{schema_version, product, destroy:{product, preview_slug | anchor_pr_number, destroy_reason, timeout_seconds}}",
				"{preview_id, destroy_status, error_message}",
				"preview"),
			hidden(post("preview_verification", "Record preview verification",
				"Record the product's smoke verification of the latest preview generation.",
				SafetySafeWrite, ScopePreview, "generic-web/preview-verification", "preview_generation.write",
				"{schema_version, product, context, anchor_repo, anchor_pr_number, verification_status pass|fail, verified_at, checked_urls[], timeout_seconds, failure_summary}",
				"{preview_id, generation_id, verification_status}",
				"preview", "preview_generation")),
		},
		RouteAliases: []RouteAliasDescriptor{},
		SettingGroups: []SettingGroupDescriptor{
			{GroupID: "runtime_environment", Label: "Runtime environment",
				Description:    "Stored runtime settings and managed secret bindings each lane expects (names and status only).",
				Scope:          ScopeInstance,
				Fields:         []string{"expected_config.runtime_environment_keys", "runtime_port", "health_path"},
				SecretBindings: []string{"expected_config.managed_secret_bindings"}},
			{GroupID: "promotion_workflow", Label: "Promotion workflow",
				Description:    "The product-owned workflow the promotion dispatch starts, and the token it is dispatched with.",
				Scope:          ScopeContext,
				Fields:         []string{"promotion_workflow.workflow_id", "promotion_workflow.ref", "promotion_workflow.dry_run_input", "promotion_workflow.bump_input", "promotion_workflow.default_bump"},
				SecretBindings: []string{"GITHUB_TOKEN"}},
			{GroupID: "preview_runtime_environment", Label: "Preview runtime environment",
				Description: "How previews copy, omit and override the template lane's settings.",
				Scope:       ScopePreview,
				Fields: []string{"preview.template_instance", "preview.required_template_env_keys", "preview.copied_env_keys",
					"preview.omitted_env_keys", "preview.override_env", "preview.preview_url_env_keys", "preview.preview_domain_env_keys"},
				SecretBindings: []string{"preview.copied_env_keys"}},
		},
	}
}
