-- Check-ins: opt-in members, one check-in per member per local day, pauses.
-- A member's rows exist only after they agreed; deleting the member deletes everything (CASCADE).

CREATE TABLE checkin_members (
    user_id            INTEGER PRIMARY KEY,
    guild_id           INTEGER,
    timezone           TEXT NOT NULL,
    reminder_time      TEXT,                -- 'HH:MM' in the member's zone; NULL: no reminders
    next_reminder_at   TEXT,                -- UTC instant of the next reminder (the scan's index)
    last_reminded_day  TEXT,                -- local date of the last reminder sent (never twice)
    dm_closed          INTEGER NOT NULL DEFAULT 0,  -- DMs refused: tell them at next /checkin
    active             INTEGER NOT NULL DEFAULT 1,
    consented_at       TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX checkin_members_due ON checkin_members (next_reminder_at);

CREATE TABLE checkins (
    user_id     INTEGER NOT NULL REFERENCES checkin_members (user_id) ON DELETE CASCADE,
    day         TEXT NOT NULL,             -- the member's local date, YYYY-MM-DD
    pain        INTEGER,
    fatigue     INTEGER,
    sleep       INTEGER,
    fog         INTEGER,
    mood        INTEGER,
    flare       INTEGER,
    note        TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, day)
);

CREATE TABLE checkin_pauses (
    user_id     INTEGER NOT NULL REFERENCES checkin_members (user_id) ON DELETE CASCADE,
    start_day   TEXT NOT NULL,
    end_day     TEXT NOT NULL,
    PRIMARY KEY (user_id, start_day)
);
