-- Lane reservations: at most one execution (ship, promote, rollback, live
-- runtime apply) changes a lane's provider target at a time, across
-- processes and replicas. Bookkeeping, not evidence: no payload, no ledger
-- entry. An expired reservation (its holder crashed) may be taken over.

-- +goose Up
CREATE TABLE launchplane_lane_reservations (
    context     TEXT COLLATE "C" NOT NULL,
    instance    TEXT COLLATE "C" NOT NULL,
    holder      TEXT COLLATE "C" NOT NULL,
    operation   TEXT COLLATE "C" NOT NULL,
    acquired_at TEXT COLLATE "C" NOT NULL,
    expires_at  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (context, instance)
);

-- +goose Down
DROP TABLE launchplane_lane_reservations;
