-- Bound product-config plans: what a dry-run read (digests only, never a
-- secret value), so an apply citing plan_id is refused when an input
-- changed or the plan expired. They double as owner-agent dry-run markers
-- (identity + payload fingerprint). Bookkeeping, not evidence: no ledger.

-- +goose Up
CREATE TABLE launchplane_product_config_plans (
    plan_id             TEXT COLLATE "C" PRIMARY KEY,
    product             TEXT COLLATE "C" NOT NULL,
    context             TEXT COLLATE "C" NOT NULL,
    instance            TEXT COLLATE "C" NOT NULL,
    identity            TEXT COLLATE "C" NOT NULL,
    payload_fingerprint TEXT COLLATE "C" NOT NULL,
    created_at          TEXT COLLATE "C" NOT NULL,
    expires_at          TEXT COLLATE "C" NOT NULL,
    payload             JSONB NOT NULL
);
CREATE INDEX ix_launchplane_product_config_plans_marker
    ON launchplane_product_config_plans (identity, payload_fingerprint, created_at DESC);

-- +goose Down
DROP TABLE launchplane_product_config_plans;
