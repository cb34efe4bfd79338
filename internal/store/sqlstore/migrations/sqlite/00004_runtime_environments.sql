-- Runtime-environment records (non-secret runtime configuration, one per
-- global / context / instance route) and their append-only delete events.
-- Context and instance are '' when the scope does not use them.

-- +goose Up
CREATE TABLE launchplane_runtime_environments (
    scope      TEXT NOT NULL,
    context    TEXT NOT NULL,
    instance   TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    payload    TEXT NOT NULL,
    PRIMARY KEY (scope, context, instance)
);

CREATE TABLE launchplane_runtime_environment_delete_events (
    event_id    TEXT PRIMARY KEY,
    scope       TEXT NOT NULL,
    context     TEXT NOT NULL,
    instance    TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    payload     TEXT NOT NULL
);
CREATE INDEX ix_launchplane_runtime_environment_delete_events_route
    ON launchplane_runtime_environment_delete_events (scope, context, instance, recorded_at DESC);

-- +goose Down
DROP TABLE launchplane_runtime_environment_delete_events;
DROP TABLE launchplane_runtime_environments;
