-- Lane reservations: at most one execution (ship, promote, rollback, live
-- runtime apply) changes a lane's provider target at a time, across
-- processes and replicas. Bookkeeping, not evidence: no payload, no ledger
-- entry. An expired reservation (its holder crashed) may be taken over.

-- +goose Up
CREATE TABLE launchplane_lane_reservations (
    context     TEXT NOT NULL,
    instance    TEXT NOT NULL,
    holder      TEXT NOT NULL,
    operation   TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    PRIMARY KEY (context, instance)
);

-- +goose Down
DROP TABLE launchplane_lane_reservations;
