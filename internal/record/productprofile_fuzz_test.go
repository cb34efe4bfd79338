package record_test

import (
	"testing"

	"github.com/launchplane/launchplane/internal/record"
)

const minProductProfile = `{"product":"web","display_name":"Web","repository":"acme/web","driver_id":"generic-web",` +
	`"updated_at":"2026-04-16T08:00:00Z","source":"t"}`

func FuzzDecodeProductProfile(f *testing.F) {
	f.Add([]byte(minProductProfile))
	f.Add([]byte(`{"product":"web","display_name":"Web","repository":"acme/web","driver_id":"odoo",` +
		`"image":{"repository":"ghcr.io/acme/web"},"runtime_port":8069,"health_path":"/web/health",` +
		`"lanes":[{"instance":"prod","context":"web","base_url":"https://web.example",` +
		`"odoo_stable_bootstrap":{"enabled":true,"approval_issue_url":"https://github.com/acme/web/issues/1","confirmation":" Reset ",` +
		`"expected_target_name":"web-prod","expected_domains":["HTTPS://Web.Example/","web.example"]},` +
		`"odoo_data_policy":{"data_authority":"resettable","allowed_rebuild_sources":["empty","empty"]},` +
		`"health_monitoring":{"checks":[{"name":"Public Ingress"},{"name":"db","kind":"private_http","private_endpoint_key":"k"}]}}],` +
		`"historical_contexts":["old"," old "],"preview":{"enabled":true,"context":"web-preview","override_env":{"A":"1"}},` +
		`"expected_config":{"runtime_environment_keys":[{"key":"A","context":"web","instance":"prod"}],` +
		`"managed_secret_bindings":[{"binding_key":"DB_PASSWORD"}]},"updated_at":"2026-04-16T08:00:00Z","source":"t"}`))
	f.Add([]byte(`{"product":"web","lanes":[{"instance":1}],"preview":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip[record.ProductProfile](t, data, record.DecodeProductProfile)
	})
}
