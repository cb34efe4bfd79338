-- Authorization policy versions (ledgered) and idempotency records (not
-- evidence, so not ledgered).

-- +goose Up
CREATE TABLE launchplane_authz_policies (
    record_id     TEXT COLLATE "C" PRIMARY KEY,
    status        TEXT COLLATE "C" NOT NULL,
    source        TEXT COLLATE "C" NOT NULL,
    updated_at    TEXT COLLATE "C" NOT NULL,
    policy_sha256 TEXT COLLATE "C" NOT NULL,
    payload       JSONB NOT NULL
);
CREATE INDEX ix_launchplane_authz_policies_updated_at
    ON launchplane_authz_policies (updated_at DESC);

CREATE TABLE launchplane_idempotency_records (
    record_id            TEXT COLLATE "C" PRIMARY KEY,
    scope                TEXT COLLATE "C" NOT NULL,
    route_path           TEXT COLLATE "C" NOT NULL,
    idempotency_key      TEXT COLLATE "C" NOT NULL,
    request_fingerprint  TEXT COLLATE "C" NOT NULL,
    response_status_code INTEGER NOT NULL,
    response_trace_id    TEXT COLLATE "C" NOT NULL,
    recorded_at          TEXT COLLATE "C" NOT NULL,
    payload              JSONB NOT NULL
);
-- One response per (caller, route, key), even under concurrent retries.
CREATE UNIQUE INDEX ux_launchplane_idempotency_records_key
    ON launchplane_idempotency_records (scope, route_path, idempotency_key);

-- +goose Down
DROP TABLE launchplane_idempotency_records;
DROP TABLE launchplane_authz_policies;
