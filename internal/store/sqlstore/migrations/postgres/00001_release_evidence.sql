-- Release-evidence families and the evidence ledger. Promoted columns are
-- copies for filtering and ordering; payload holds the complete record.

-- Text columns use the "C" collation so lists order by bytes, exactly as on
-- SQLite, whatever the server's default collation.

-- +goose Up
CREATE TABLE launchplane_artifact_manifests (
    artifact_id      TEXT COLLATE "C" PRIMARY KEY,
    source_commit    TEXT COLLATE "C" NOT NULL,
    image_repository TEXT COLLATE "C" NOT NULL,
    image_digest     TEXT COLLATE "C" NOT NULL,
    payload          JSONB NOT NULL
);
CREATE INDEX ix_launchplane_artifact_manifests_artifact_id
    ON launchplane_artifact_manifests (artifact_id DESC);

CREATE TABLE launchplane_backup_gates (
    record_id  TEXT COLLATE "C" PRIMARY KEY,
    context    TEXT COLLATE "C" NOT NULL,
    instance   TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    status     TEXT COLLATE "C" NOT NULL,
    payload    JSONB NOT NULL
);
CREATE INDEX ix_launchplane_backup_gates_lane
    ON launchplane_backup_gates (context, instance, created_at DESC);

CREATE TABLE launchplane_deployments (
    record_id          TEXT COLLATE "C" PRIMARY KEY,
    context            TEXT COLLATE "C" NOT NULL,
    instance           TEXT COLLATE "C" NOT NULL,
    artifact_id        TEXT COLLATE "C" NOT NULL,
    source_git_ref     TEXT COLLATE "C" NOT NULL,
    deploy_started_at  TEXT COLLATE "C" NOT NULL,
    deploy_finished_at TEXT COLLATE "C" NOT NULL,
    payload            JSONB NOT NULL
);
CREATE INDEX ix_launchplane_deployments_lane
    ON launchplane_deployments (context, instance, deploy_finished_at DESC, deploy_started_at DESC);

CREATE TABLE launchplane_promotions (
    record_id          TEXT COLLATE "C" PRIMARY KEY,
    context            TEXT COLLATE "C" NOT NULL,
    from_instance      TEXT COLLATE "C" NOT NULL,
    to_instance        TEXT COLLATE "C" NOT NULL,
    artifact_id        TEXT COLLATE "C" NOT NULL,
    deploy_started_at  TEXT COLLATE "C" NOT NULL,
    deploy_finished_at TEXT COLLATE "C" NOT NULL,
    payload            JSONB NOT NULL
);
CREATE INDEX ix_launchplane_promotions_lane
    ON launchplane_promotions (context, from_instance, to_instance, deploy_finished_at DESC, deploy_started_at DESC);

CREATE TABLE launchplane_inventory (
    context                TEXT COLLATE "C" NOT NULL,
    instance               TEXT COLLATE "C" NOT NULL,
    artifact_id            TEXT COLLATE "C" NOT NULL,
    source_git_ref         TEXT COLLATE "C" NOT NULL,
    updated_at             TEXT COLLATE "C" NOT NULL,
    deployment_record_id   TEXT COLLATE "C" NOT NULL,
    promotion_record_id    TEXT COLLATE "C" NOT NULL,
    promoted_from_instance TEXT COLLATE "C" NOT NULL,
    payload                JSONB NOT NULL,
    PRIMARY KEY (context, instance)
);
CREATE INDEX ix_launchplane_inventory_updated_at
    ON launchplane_inventory (updated_at DESC);

CREATE TABLE launchplane_release_tuples (
    context     TEXT COLLATE "C" NOT NULL,
    channel     TEXT COLLATE "C" NOT NULL,
    tuple_id    TEXT COLLATE "C" NOT NULL,
    artifact_id TEXT COLLATE "C" NOT NULL,
    minted_at   TEXT COLLATE "C" NOT NULL,
    provenance  TEXT COLLATE "C" NOT NULL,
    payload     JSONB NOT NULL,
    PRIMARY KEY (context, channel)
);

-- Verification reads the ledger in seq order only, so the primary key is
-- its one index.
CREATE TABLE launchplane_evidence_ledger (
    seq            BIGINT PRIMARY KEY,
    family         TEXT COLLATE "C" NOT NULL,
    record_key     TEXT COLLATE "C" NOT NULL,
    payload_sha256 TEXT COLLATE "C" NOT NULL,
    prev_hash      TEXT COLLATE "C" NOT NULL,
    entry_hash     TEXT COLLATE "C" NOT NULL,
    recorded_at    TEXT COLLATE "C" NOT NULL
);

-- The chain head, one row. Every write transaction locks it first (FOR
-- UPDATE on Postgres; SQLite's BEGIN IMMEDIATE already serializes writers),
-- which both serializes writers and hands them the head in one read.
CREATE TABLE launchplane_evidence_ledger_head (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    seq        BIGINT NOT NULL,
    entry_hash TEXT COLLATE "C" NOT NULL
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
