-- Tracked provider targets (records.md §2.2): the Dokploy route metadata,
-- the sibling target-id record, and the provider-neutral target row that
-- reads trust. Only the stable lanes are tracked, one row per route.

-- +goose Up
CREATE TABLE launchplane_dokploy_targets (
    context    TEXT COLLATE "C" NOT NULL,
    instance   TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    payload    JSONB NOT NULL,
    PRIMARY KEY (context, instance)
);

CREATE TABLE launchplane_dokploy_target_ids (
    context    TEXT COLLATE "C" NOT NULL,
    instance   TEXT COLLATE "C" NOT NULL,
    target_id  TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    payload    JSONB NOT NULL,
    PRIMARY KEY (context, instance)
);

CREATE TABLE launchplane_provider_targets (
    context              TEXT COLLATE "C" NOT NULL,
    instance             TEXT COLLATE "C" NOT NULL,
    provider_id          TEXT COLLATE "C" NOT NULL,
    target_category      TEXT COLLATE "C" NOT NULL,
    target_id            TEXT COLLATE "C" NOT NULL,
    display_name         TEXT COLLATE "C" NOT NULL,
    provider_target_type TEXT COLLATE "C" NOT NULL,
    updated_at           TEXT COLLATE "C" NOT NULL,
    payload              JSONB NOT NULL,
    PRIMARY KEY (context, instance)
);
-- One provider target id belongs to one route.
CREATE UNIQUE INDEX ux_launchplane_provider_targets_identity
    ON launchplane_provider_targets (provider_id, target_id);
CREATE INDEX ix_launchplane_provider_targets_provider
    ON launchplane_provider_targets (provider_id, updated_at DESC);
CREATE INDEX ix_launchplane_provider_targets_updated
    ON launchplane_provider_targets (updated_at DESC);

-- +goose Down
DROP TABLE launchplane_provider_targets;
DROP TABLE launchplane_dokploy_target_ids;
DROP TABLE launchplane_dokploy_targets;
