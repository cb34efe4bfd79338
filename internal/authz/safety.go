package authz

import (
	"slices"
	"strings"
)

// Action safety classes, from least to most sensitive in spirit.
const (
	SafetyRead         = "read"
	SafetySafeWrite    = "safe_write"
	SafetyMutation     = "mutation"
	SafetyProd         = "prod"
	SafetyDestructive  = "destructive"
	SafetySecretBacked = "secret_backed"
	SafetyPolicyAdmin  = "policy_admin"
)

// SafetyClass classifies an action name. The name is split on '_', '.'
// and '-', and the first rule that holds decides:
//
//  1. starts with "authz_policy" → policy_admin
//  2. has the part "secret", or ends in ".secret" → secret_backed
//  3. has destroy, cleanup, delete or rollback → destructive
//  4. has prod or promotion → prod
//  5. ends in ".read", or is "work_graph.rank" → read
//  6. ends in ".write", or has rerun or reconcile → safe_write
//  7. otherwise → mutation
//
// Rule order matters: "promotion.read" is prod and "secret.read" is
// secret_backed. An empty action is a mutation (upstream called it read;
// no real action is empty, so the stricter class costs nothing).
func SafetyClass(action string) string {
	action = strings.TrimSpace(action)
	parts := strings.FieldsFunc(action, func(r rune) bool { return r == '_' || r == '.' || r == '-' })
	has := func(words ...string) bool {
		return slices.ContainsFunc(parts, func(p string) bool { return slices.Contains(words, p) })
	}
	switch {
	case strings.HasPrefix(action, "authz_policy"):
		return SafetyPolicyAdmin
	case has("secret") || strings.HasSuffix(action, ".secret"):
		return SafetySecretBacked
	case has("destroy", "cleanup", "delete", "rollback"):
		return SafetyDestructive
	case has("prod", "promotion"):
		return SafetyProd
	case strings.HasSuffix(action, ".read") || action == "work_graph.rank":
		return SafetyRead
	case strings.HasSuffix(action, ".write") || has("rerun", "reconcile"):
		return SafetySafeWrite
	}
	return SafetyMutation
}

// readOnlyAllows reports whether a read_only human may use an action of
// the given class at all.
func readOnlyAllows(class string) bool {
	return class == SafetyRead || class == SafetySafeWrite
}
