-- Managed secrets (records.md §2.3): the secret record (current state),
-- its encrypted versions (append-only evidence), its environment bindings
-- and its audit events. No table ever holds a plaintext value.

-- +goose Up
CREATE TABLE launchplane_secrets (
    secret_id          TEXT COLLATE "C" PRIMARY KEY,
    scope              TEXT COLLATE "C" NOT NULL,
    integration        TEXT COLLATE "C" NOT NULL,
    name               TEXT COLLATE "C" NOT NULL,
    context            TEXT COLLATE "C" NOT NULL,
    instance           TEXT COLLATE "C" NOT NULL,
    status             TEXT COLLATE "C" NOT NULL,
    current_version_id TEXT COLLATE "C" NOT NULL,
    updated_at         TEXT COLLATE "C" NOT NULL,
    payload            JSONB NOT NULL
);
CREATE UNIQUE INDEX ux_launchplane_secrets_tuple
    ON launchplane_secrets (scope, integration, name, context, instance);
CREATE INDEX ix_launchplane_secrets_lookup
    ON launchplane_secrets (integration, context, instance, updated_at DESC);

CREATE TABLE launchplane_secret_versions (
    version_id TEXT COLLATE "C" PRIMARY KEY,
    secret_id  TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    payload    JSONB NOT NULL
);
CREATE INDEX ix_launchplane_secret_versions_secret
    ON launchplane_secret_versions (secret_id, created_at DESC);

CREATE TABLE launchplane_secret_bindings (
    binding_id  TEXT COLLATE "C" PRIMARY KEY,
    secret_id   TEXT COLLATE "C" NOT NULL,
    integration TEXT COLLATE "C" NOT NULL,
    binding_key TEXT COLLATE "C" NOT NULL,
    context     TEXT COLLATE "C" NOT NULL,
    instance    TEXT COLLATE "C" NOT NULL,
    status      TEXT COLLATE "C" NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL,
    payload     JSONB NOT NULL
);
CREATE INDEX ix_launchplane_secret_bindings_secret
    ON launchplane_secret_bindings (secret_id, updated_at DESC);
CREATE INDEX ix_launchplane_secret_bindings_lookup
    ON launchplane_secret_bindings (integration, context, instance, status);

CREATE TABLE launchplane_secret_audit_events (
    event_id    TEXT COLLATE "C" PRIMARY KEY,
    secret_id   TEXT COLLATE "C" NOT NULL,
    event_type  TEXT COLLATE "C" NOT NULL,
    recorded_at TEXT COLLATE "C" NOT NULL,
    payload     JSONB NOT NULL
);
CREATE INDEX ix_launchplane_secret_audit_events_secret
    ON launchplane_secret_audit_events (secret_id, recorded_at DESC);

-- +goose Down
DROP TABLE launchplane_secret_audit_events;
DROP TABLE launchplane_secret_bindings;
DROP TABLE launchplane_secret_versions;
DROP TABLE launchplane_secrets;
