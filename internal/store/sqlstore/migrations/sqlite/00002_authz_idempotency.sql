-- Authorization policy versions (ledgered) and idempotency records (not
-- evidence, so not ledgered).

-- +goose Up
CREATE TABLE launchplane_authz_policies (
    record_id     TEXT PRIMARY KEY,
    status        TEXT NOT NULL,
    source        TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    policy_sha256 TEXT NOT NULL,
    payload       TEXT NOT NULL
);
CREATE INDEX ix_launchplane_authz_policies_updated_at
    ON launchplane_authz_policies (updated_at DESC);

CREATE TABLE launchplane_idempotency_records (
    record_id            TEXT PRIMARY KEY,
    scope                TEXT NOT NULL,
    route_path           TEXT NOT NULL,
    idempotency_key      TEXT NOT NULL,
    request_fingerprint  TEXT NOT NULL,
    response_status_code INTEGER NOT NULL,
    response_trace_id    TEXT NOT NULL,
    recorded_at          TEXT NOT NULL,
    payload              TEXT NOT NULL
);
-- One response per (caller, route, key), even under concurrent retries.
CREATE UNIQUE INDEX ux_launchplane_idempotency_records_key
    ON launchplane_idempotency_records (scope, route_path, idempotency_key);

-- +goose Down
DROP TABLE launchplane_idempotency_records;
DROP TABLE launchplane_authz_policies;
