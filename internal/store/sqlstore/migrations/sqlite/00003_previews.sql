-- Preview environments (one current record per pull request) and their
-- generations (one per build-and-deploy attempt).

-- +goose Up
CREATE TABLE launchplane_preview_records (
    preview_id       TEXT PRIMARY KEY,
    context          TEXT NOT NULL,
    anchor_repo      TEXT NOT NULL,
    anchor_pr_number INTEGER NOT NULL,
    state            TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    payload          TEXT NOT NULL
);
CREATE INDEX ix_launchplane_preview_records_context
    ON launchplane_preview_records (context, updated_at DESC);

CREATE TABLE launchplane_preview_generations (
    generation_id TEXT PRIMARY KEY,
    preview_id    TEXT NOT NULL,
    sequence      INTEGER NOT NULL,
    state         TEXT NOT NULL,
    requested_at  TEXT NOT NULL,
    finished_at   TEXT NOT NULL,
    artifact_id   TEXT NOT NULL,
    payload       TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_launchplane_preview_generations_sequence
    ON launchplane_preview_generations (preview_id, sequence);

-- +goose Down
DROP TABLE launchplane_preview_generations;
DROP TABLE launchplane_preview_records;
