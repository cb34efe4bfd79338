-- Product profiles (records.md §2.3): one mutable row per product; the
-- payload holds the whole profile (lanes, preview, promotion workflow,
-- expected config). Lists filter by driver, newest first.

-- +goose Up
CREATE TABLE launchplane_product_profiles (
    product      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    display_name TEXT COLLATE "C" NOT NULL,
    repository   TEXT COLLATE "C" NOT NULL,
    driver_id    TEXT COLLATE "C" NOT NULL,
    updated_at   TEXT COLLATE "C" NOT NULL,
    payload      JSONB NOT NULL
);
CREATE INDEX ix_launchplane_product_profiles_driver
    ON launchplane_product_profiles (driver_id, updated_at DESC);

-- +goose Down
DROP TABLE launchplane_product_profiles;
