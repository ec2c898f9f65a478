-- Channel watch: noticing crisis where members post, and getting a moderator to them.
-- No message text is ever stored here: an alert keeps who, where (ids for a jump link), the
-- level and why (a crisis rule id or "semantic"), and what the moderators did about it.

-- Per server; a server without a row has channel watch off.
CREATE TABLE watch_settings (
    guild_id            INTEGER PRIMARY KEY,
    automod             INTEGER NOT NULL DEFAULT 0,  -- AutoMod mode (no message content)
    messages            INTEGER NOT NULL DEFAULT 0,  -- message mode (needs the operator's intent)
    oncall_role_id      INTEGER,
    escalate_minutes    INTEGER NOT NULL DEFAULT 15,
    cooldown_minutes    INTEGER NOT NULL DEFAULT 360,
    automod_channel_id  INTEGER,                     -- where Discord posts its own AutoMod alert
    sync_problems       TEXT,                        -- the last AutoMod sync's report for /setup
    updated_at          TEXT NOT NULL
);

-- Message mode: the channels whose messages are triaged.
CREATE TABLE watch_channels (
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, channel_id)
);

-- The AutoMod rules the bot owns, so it can repair them and never touches anyone else's.
CREATE TABLE watch_automod_rules (
    guild_id    INTEGER NOT NULL,
    slot        INTEGER NOT NULL,
    rule_id     INTEGER NOT NULL,
    PRIMARY KEY (guild_id, slot)
);
CREATE UNIQUE INDEX watch_automod_rules_by_id ON watch_automod_rules (rule_id);

CREATE TABLE watch_alerts (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    user_id          INTEGER NOT NULL,
    channel_id       INTEGER,
    message_id       INTEGER,
    level            TEXT NOT NULL,
    reason           TEXT NOT NULL,      -- crisis rule id, or "semantic"
    source           TEXT NOT NULL CHECK (source IN ('automod', 'message')),
    phrase           TEXT,               -- the configured AutoMod phrase that fired (not member text)
    state            TEXT NOT NULL CHECK (state IN ('open', 'claimed', 'resolved', 'false_alarm')),
    triggers         INTEGER NOT NULL DEFAULT 1,
    outreach         TEXT NOT NULL,      -- sent, dms_closed, failed, opted_out, cooldown
    card_channel_id  INTEGER,
    card_message_id  INTEGER,
    created_at       TEXT NOT NULL,
    last_trigger_at  TEXT NOT NULL,
    dm_sent_at       TEXT,
    claimed_by       INTEGER,
    claimed_at       TEXT,
    closed_by        INTEGER,
    closed_at        TEXT,
    escalated_at     TEXT
);
CREATE INDEX watch_alerts_by_member ON watch_alerts (guild_id, user_id, last_trigger_at);
CREATE INDEX watch_alerts_open ON watch_alerts (state, created_at);

-- Who did what to an alert, and when. Moderator ids only.
CREATE TABLE watch_audit (
    id         INTEGER PRIMARY KEY,
    alert_id   INTEGER NOT NULL REFERENCES watch_alerts (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    actor_id   INTEGER,                 -- NULL: the bot itself (escalation)
    action     TEXT NOT NULL,
    at         TEXT NOT NULL
);

-- False alarms, kept so moderators can see which rules misfire: the rule and phrase only.
CREATE TABLE watch_false_alarms (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    phrase     TEXT,
    at         TEXT NOT NULL
);
CREATE INDEX watch_false_alarms_by_guild ON watch_false_alarms (guild_id, at);

-- A member's own choice not to get outreach DMs (/care quiet).
CREATE TABLE watch_quiet (
    user_id     INTEGER PRIMARY KEY,
    since       TEXT NOT NULL
);
