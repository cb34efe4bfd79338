-- Runtime key-safety policy versions (records.md §2.3). The newest active
-- record is the policy in force; policy_sha256 is derived from the payload.

-- +goose Up
CREATE TABLE launchplane_runtime_key_safety_policies (
    record_id     TEXT COLLATE "C" PRIMARY KEY,
    status        TEXT COLLATE "C" NOT NULL,
    source        TEXT COLLATE "C" NOT NULL,
    updated_at    TEXT COLLATE "C" NOT NULL,
    policy_sha256 TEXT COLLATE "C" NOT NULL,
    payload       JSONB NOT NULL
);
CREATE INDEX ix_launchplane_runtime_key_safety_policies_status
    ON launchplane_runtime_key_safety_policies (status, updated_at DESC);

-- +goose Down
DROP TABLE launchplane_runtime_key_safety_policies;
