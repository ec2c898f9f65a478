-- One bot, many support groups: everything moderators do belongs to one server.
-- Revisions already carry the server they were proposed in; every query now filters by it.
CREATE INDEX faq_revisions_by_guild ON faq_revisions (guild_id, entry_id, id);

-- Votes are per server: a member of two servers rates an answer in each of them separately, so a
-- vote in one server never moves another server's counts. guild_id 0 means a direct message.
CREATE TABLE faq_feedback_by_guild (
    guild_id    INTEGER NOT NULL DEFAULT 0,
    entry_id    TEXT NOT NULL,
    voter_hash  TEXT NOT NULL,
    helpful     INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    voted_at    TEXT NOT NULL,
    PRIMARY KEY (guild_id, entry_id, voter_hash)
);
INSERT INTO faq_feedback_by_guild (guild_id, entry_id, voter_hash, helpful, voted_at)
    SELECT COALESCE(guild_id, 0), entry_id, voter_hash, helpful, voted_at FROM faq_feedback;
DROP TABLE faq_feedback;
ALTER TABLE faq_feedback_by_guild RENAME TO faq_feedback;
CREATE INDEX faq_feedback_by_voter ON faq_feedback (voter_hash);

-- A server's moderators signing an entry off: they checked its question, short answer, detail and
-- sources (review_hash), on a day, until a review is due. A protected entry needs a second
-- moderator: its row stays 'pending' until one confirms. A change to what was checked makes the
-- sign-off no longer match, so the entry reads as not reviewed again; nothing is ever deleted.
CREATE TABLE faq_signoffs (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    entry_id        TEXT NOT NULL,
    review_hash     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'signed', 'superseded')),
    first_by_id     INTEGER NOT NULL,
    first_by_name   TEXT NOT NULL,
    first_at        TEXT NOT NULL,
    second_by_id    INTEGER,
    second_by_name  TEXT,
    second_at       TEXT,
    reviewed_on     TEXT NOT NULL,
    review_due      TEXT NOT NULL
);
CREATE INDEX faq_signoffs_by_guild ON faq_signoffs (guild_id, entry_id, id);

-- Unanswered questions a server's moderators judged noise ("best pizza in town"): hidden from
-- that server's gaps, by their normalised words. Other servers are not affected.
CREATE TABLE faq_gap_dismissals (
    guild_id        INTEGER NOT NULL,
    normalized      TEXT NOT NULL,
    dismissed_by_id INTEGER NOT NULL,
    dismissed_at    TEXT NOT NULL,
    PRIMARY KEY (guild_id, normalized)
);
