-- Runtime key-safety policy versions (records.md §2.3). The newest active
-- record is the policy in force; policy_sha256 is derived from the payload.

-- +goose Up
CREATE TABLE launchplane_runtime_key_safety_policies (
    record_id     TEXT PRIMARY KEY,
    status        TEXT NOT NULL,
    source        TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    policy_sha256 TEXT NOT NULL,
    payload       TEXT NOT NULL
);
CREATE INDEX ix_launchplane_runtime_key_safety_policies_status
    ON launchplane_runtime_key_safety_policies (status, updated_at DESC);

-- +goose Down
DROP TABLE launchplane_runtime_key_safety_policies;
