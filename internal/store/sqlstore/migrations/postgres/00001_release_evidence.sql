-- Release-evidence families and the evidence ledger. Promoted columns are
-- copies for filtering and ordering; payload holds the complete record.

-- +goose Up
CREATE TABLE launchplane_artifact_manifests (
    artifact_id      TEXT PRIMARY KEY,
    source_commit    TEXT NOT NULL,
    image_repository TEXT NOT NULL,
    image_digest     TEXT NOT NULL,
    payload          JSONB NOT NULL
);
CREATE INDEX ix_launchplane_artifact_manifests_artifact_id
    ON launchplane_artifact_manifests (artifact_id DESC);

CREATE TABLE launchplane_backup_gates (
    record_id  TEXT PRIMARY KEY,
    context    TEXT NOT NULL,
    instance   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status     TEXT NOT NULL,
    payload    JSONB NOT NULL
);
CREATE INDEX ix_launchplane_backup_gates_lane
    ON launchplane_backup_gates (context, instance, created_at DESC);

CREATE TABLE launchplane_deployments (
    record_id          TEXT PRIMARY KEY,
    context            TEXT NOT NULL,
    instance           TEXT NOT NULL,
    artifact_id        TEXT NOT NULL,
    source_git_ref     TEXT NOT NULL,
    deploy_started_at  TEXT NOT NULL,
    deploy_finished_at TEXT NOT NULL,
    payload            JSONB NOT NULL
);
CREATE INDEX ix_launchplane_deployments_lane
    ON launchplane_deployments (context, instance, deploy_finished_at DESC, deploy_started_at DESC);

CREATE TABLE launchplane_promotions (
    record_id          TEXT PRIMARY KEY,
    context            TEXT NOT NULL,
    from_instance      TEXT NOT NULL,
    to_instance        TEXT NOT NULL,
    artifact_id        TEXT NOT NULL,
    deploy_started_at  TEXT NOT NULL,
    deploy_finished_at TEXT NOT NULL,
    payload            JSONB NOT NULL
);
CREATE INDEX ix_launchplane_promotions_lane
    ON launchplane_promotions (context, from_instance, to_instance, deploy_finished_at DESC, deploy_started_at DESC);

CREATE TABLE launchplane_inventory (
    context                TEXT NOT NULL,
    instance               TEXT NOT NULL,
    artifact_id            TEXT NOT NULL,
    source_git_ref         TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    deployment_record_id   TEXT NOT NULL,
    promotion_record_id    TEXT NOT NULL,
    promoted_from_instance TEXT NOT NULL,
    payload                JSONB NOT NULL,
    PRIMARY KEY (context, instance)
);
CREATE INDEX ix_launchplane_inventory_updated_at
    ON launchplane_inventory (updated_at DESC);

CREATE TABLE launchplane_release_tuples (
    context     TEXT NOT NULL,
    channel     TEXT NOT NULL,
    tuple_id    TEXT NOT NULL,
    artifact_id TEXT NOT NULL,
    minted_at   TEXT NOT NULL,
    provenance  TEXT NOT NULL,
    payload     JSONB NOT NULL,
    PRIMARY KEY (context, channel)
);

-- Verification reads the ledger in seq order only, so the primary key is
-- its one index.
CREATE TABLE launchplane_evidence_ledger (
    seq            BIGINT PRIMARY KEY,
    family         TEXT NOT NULL,
    record_key     TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    entry_hash     TEXT NOT NULL,
    recorded_at    TEXT NOT NULL
);

-- The chain head, one row. Every write transaction locks it first (FOR
-- UPDATE on Postgres; SQLite's BEGIN IMMEDIATE already serializes writers),
-- which both serializes writers and hands them the head in one read.
CREATE TABLE launchplane_evidence_ledger_head (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    seq        BIGINT NOT NULL,
    entry_hash TEXT NOT NULL
);
INSERT INTO launchplane_evidence_ledger_head (id, seq, entry_hash) VALUES (1, 0, '');

-- +goose Down
DROP TABLE launchplane_evidence_ledger_head;
DROP TABLE launchplane_evidence_ledger;
DROP TABLE launchplane_release_tuples;
DROP TABLE launchplane_inventory;
DROP TABLE launchplane_promotions;
DROP TABLE launchplane_deployments;
DROP TABLE launchplane_backup_gates;
DROP TABLE launchplane_artifact_manifests;
