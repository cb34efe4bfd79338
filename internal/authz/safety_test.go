package authz

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Each rule of the classifier, in order, including the cases where an
// earlier rule must win over a later one.
func TestSafetyClassRules(t *testing.T) {
	tests := []struct{ action, want string }{
		// 1. authz_policy prefix.
		{"authz_policy_grant.write", SafetyPolicyAdmin},
		{"authz_policy.read", SafetyPolicyAdmin},
		{"authz_policy_secret_delete", SafetyPolicyAdmin}, // beats 2 and 3
		// 2. secret part or .secret suffix.
		{"secret.read", SafetySecretBacked}, // beats 5
		{"secret.list", SafetySecretBacked},
		{"managed-secret.rotate", SafetySecretBacked},
		{"db.secret", SafetySecretBacked},
		{"secrets.read", SafetyRead},                    // "secrets" is not the part "secret"
		{"secret_rollback.execute", SafetySecretBacked}, // beats 3
		// 3. destroy, cleanup, delete, rollback.
		{"preview_destroy.execute", SafetyDestructive},
		{"preview_lifecycle.cleanup", SafetyDestructive},
		{"record-delete.write", SafetyDestructive},        // beats 6
		{"odoo_prod_rollback.execute", SafetyDestructive}, // beats 4
		{"preview_destroyed.write", SafetySafeWrite},      // "destroyed" is not "destroy"
		// 4. prod or promotion.
		{"verireel_prod_deploy.execute", SafetyProd},
		{"promotion.read", SafetyProd}, // beats 5
		{"promotion.write", SafetyProd},
		{"production.read", SafetyRead}, // "production" is not "prod"
		// 5. .read suffix or work_graph.rank.
		{"deployment.read", SafetyRead},
		{"work_graph.rank", SafetyRead},
		{"work_graph.ranked", SafetyMutation},
		// 6. .write suffix, rerun or reconcile.
		{"deployment.write", SafetySafeWrite},
		{"checks.rerun", SafetySafeWrite},
		{"grants-reconcile.run", SafetySafeWrite},
		// 7. everything else.
		{"product_config.apply", SafetyMutation},
		{"", SafetyMutation},
		{"  deployment.read  ", SafetyRead}, // trimmed
	}
	for _, tt := range tests {
		if got := SafetyClass(tt.action); got != tt.want {
			t.Errorf("SafetyClass(%q) = %s, want %s", tt.action, got, tt.want)
		}
	}
}

// Every action name the seed-era service knows, classified.
func TestSafetyClassKnownActions(t *testing.T) {
	want := map[string]string{
		// Reads.
		"driver.read": SafetyRead, "deployment.read": SafetyRead, "promotion.read": SafetyProd,
		"inventory.read": SafetyRead, "preview.read": SafetyRead, "operations.read": SafetyRead,
		"secret.read": SafetySecretBacked, "secret.list": SafetySecretBacked, "target_logs.read": SafetyRead,
		"launchplane_service.read": SafetyRead, "product_profile.read": SafetyRead, "product_environment.read": SafetyRead,
		"artifact_protection.read": SafetyRead, "verireel_stable_environment.read": SafetyRead,
		"verireel_preview_inventory.read": SafetyRead, "preview_inventory.read": SafetyRead,
		"odoo_artifact_publish_inputs.read": SafetyRead, "odoo_target_replacement_plan.read": SafetyRead,
		"preview_pr_feedback_notification_attempt.read": SafetyRead,
		// Evidence.
		"deployment.write": SafetySafeWrite, "backup_gate.write": SafetySafeWrite, "promotion.write": SafetyProd,
		"preview_generation.write": SafetySafeWrite, "preview_destroyed.write": SafetySafeWrite,
		"preview_pr_feedback.write": SafetySafeWrite,
		// Preview.
		"preview_desired_state.discover": SafetyMutation, "preview_lifecycle.plan": SafetyMutation,
		"preview_lifecycle.cleanup": SafetyDestructive, "preview_refresh.execute": SafetyMutation,
		"preview_destroy.execute": SafetyDestructive, "preview_readiness.evaluate": SafetyMutation,
		// Generic-web.
		"generic_web_deploy.execute": SafetyMutation, "generic_web_prod_promotion.execute": SafetyProd,
		"generic_web_prod_promotion.dispatch": SafetyProd,
		// VeriReel.
		"verireel_testing_deploy.execute": SafetyMutation, "verireel_prod_deploy.execute": SafetyProd,
		"verireel_prod_backup_gate.execute": SafetyProd, "verireel_prod_promotion.execute": SafetyProd,
		"verireel_prod_rollback.execute": SafetyDestructive, "verireel_preview_refresh.execute": SafetyMutation,
		"verireel_preview_destroy.execute": SafetyDestructive, "verireel_app_maintenance.execute": SafetyMutation,
		// Odoo.
		"odoo_post_deploy.execute": SafetyMutation, "odoo_artifact_publish.write": SafetySafeWrite,
		"odoo_prod_backup_gate.execute": SafetyProd, "odoo_prod_promotion.execute": SafetyProd,
		"odoo_prod_rollback.execute": SafetyDestructive, "odoo_config_parameter_override.write": SafetySafeWrite,
		"odoo_website_bootstrap_override.write": SafetySafeWrite, "odoo_target_replacement_apply.execute": SafetyMutation,
		"odoo_stable_bootstrap.execute": SafetyMutation, "odoo_preview_apply.execute": SafetyMutation,
		// Admin.
		"authz_policy_grant.write": SafetyPolicyAdmin, "product_profile.write": SafetySafeWrite,
		"product_onboarding.apply": SafetyMutation, "product_config.plan": SafetyMutation,
		"product_config.apply": SafetyMutation, "live_target_runtime.plan": SafetyMutation,
		"live_target_runtime.apply": SafetyMutation, "provider_target.audit": SafetyMutation,
		"provider_target.backfill": SafetyMutation, "runtime_key_safety.write": SafetySafeWrite,
		"public_ingress_monitor.run_once":               SafetyMutation,
		"public_ingress_notification_policy.apply":      SafetyMutation,
		"every_code_notification_policy.apply":          SafetyMutation,
		"preview_pr_feedback_notification_policy.apply": SafetyMutation,
		"dokploy_target.setup":                          SafetyMutation, "dokploy_target.inspect": SafetyMutation,
		"launchplane_service_deploy.execute": SafetyMutation, "merge_train.policy_import": SafetyMutation,
		"ingress_route.apply": SafetyMutation, "private_health_endpoint.apply": SafetyMutation,
	}
	got := map[string]string{}
	for action := range want {
		got[action] = SafetyClass(action)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("classes (-want +got):\n%s", diff)
	}
}
