-- Care: a member's own country for crisis lines (private; only used to pick resources).
CREATE TABLE member_regions (
    user_id     INTEGER PRIMARY KEY,
    country     TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
