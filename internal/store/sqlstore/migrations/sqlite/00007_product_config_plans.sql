-- Bound product-config plans: what a dry-run read (digests only, never a
-- secret value), so an apply citing plan_id is refused when an input
-- changed or the plan expired. They double as owner-agent dry-run markers
-- (identity + payload fingerprint). Bookkeeping, not evidence: no ledger.

-- +goose Up
CREATE TABLE launchplane_product_config_plans (
    plan_id             TEXT PRIMARY KEY,
    product             TEXT NOT NULL,
    context             TEXT NOT NULL,
    instance            TEXT NOT NULL,
    identity            TEXT NOT NULL,
    payload_fingerprint TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    expires_at          TEXT NOT NULL,
    payload             TEXT NOT NULL
);
CREATE INDEX ix_launchplane_product_config_plans_marker
    ON launchplane_product_config_plans (identity, payload_fingerprint, created_at DESC);

-- +goose Down
DROP TABLE launchplane_product_config_plans;
