-- Foundation: per-server settings, FAQ usage, unanswered questions and feedback.
-- Ids are Discord snowflakes (64-bit integers); timestamps are ISO-8601 UTC text.

CREATE TABLE app_secrets (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE guild_settings (
    guild_id            INTEGER PRIMARY KEY,
    default_country     TEXT,
    moderator_role_id   INTEGER,
    alert_channel_id    INTEGER,
    audit_channel_id    INTEGER,
    allow_self_approval INTEGER NOT NULL DEFAULT 0,
    rest_days           INTEGER,
    updated_at          TEXT NOT NULL
);

-- One row per question the FAQ could not answer. Text only: no member id is ever stored.
CREATE TABLE unanswered_questions (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER,
    normalized  TEXT NOT NULL,
    question    TEXT NOT NULL,
    asked_at    TEXT NOT NULL
);
CREATE INDEX unanswered_by_normalized ON unanswered_questions (normalized);
CREATE INDEX unanswered_by_time ON unanswered_questions (asked_at);

-- One row per /faq outcome, for moderators' statistics. No member id.
CREATE TABLE faq_events (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER,
    kind        TEXT NOT NULL CHECK (kind IN ('answer', 'no_match', 'safety')),
    entry_id    TEXT,
    at          TEXT NOT NULL
);
CREATE INDEX faq_events_by_time ON faq_events (at);

-- "Helpful" / "Not helpful": one vote per member per entry, the member stored only as a
-- salted hash (the salt lives in app_secrets and never leaves the database).
CREATE TABLE faq_feedback (
    entry_id    TEXT NOT NULL,
    voter_hash  TEXT NOT NULL,
    helpful     INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    guild_id    INTEGER,
    voted_at    TEXT NOT NULL,
    PRIMARY KEY (entry_id, voter_hash)
);
