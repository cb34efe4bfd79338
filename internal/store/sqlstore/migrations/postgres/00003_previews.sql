-- Preview environments (one current record per pull request) and their
-- generations (one per build-and-deploy attempt).

-- +goose Up
CREATE TABLE launchplane_preview_records (
    preview_id       TEXT COLLATE "C" PRIMARY KEY,
    context          TEXT COLLATE "C" NOT NULL,
    anchor_repo      TEXT COLLATE "C" NOT NULL,
    anchor_pr_number INTEGER NOT NULL,
    state            TEXT COLLATE "C" NOT NULL,
    updated_at       TEXT COLLATE "C" NOT NULL,
    payload          JSONB NOT NULL
);
CREATE INDEX ix_launchplane_preview_records_context
    ON launchplane_preview_records (context, updated_at DESC);

CREATE TABLE launchplane_preview_generations (
    generation_id TEXT COLLATE "C" PRIMARY KEY,
    preview_id    TEXT COLLATE "C" NOT NULL,
    sequence      INTEGER NOT NULL,
    state         TEXT COLLATE "C" NOT NULL,
    requested_at  TEXT COLLATE "C" NOT NULL,
    finished_at   TEXT COLLATE "C" NOT NULL,
    artifact_id   TEXT COLLATE "C" NOT NULL,
    payload       JSONB NOT NULL
);
CREATE UNIQUE INDEX ux_launchplane_preview_generations_sequence
    ON launchplane_preview_generations (preview_id, sequence);

-- +goose Down
DROP TABLE launchplane_preview_generations;
DROP TABLE launchplane_preview_records;
