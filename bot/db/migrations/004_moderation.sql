-- Moderation: every change to an FAQ entry made from Discord is a revision.
-- Revisions are never deleted: a decision only moves a row out of 'pending' (to 'approved',
-- 'rejected' or 'superseded'), so the history of who proposed and who approved what is complete.
-- Moderator ids and names are stored (they are not health data); member ids never are.

CREATE TABLE faq_revisions (
    id               INTEGER PRIMARY KEY,
    entry_id         TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('create', 'edit', 'retire')),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'superseded')),
    pack             TEXT NOT NULL,
    front_matter     TEXT NOT NULL,   -- JSON: the entry's front matter, exactly as in a content file
    body             TEXT NOT NULL,   -- the entry's detail (Markdown)
    changes          TEXT NOT NULL,   -- what changed, in words, for the history
    base_text        TEXT,            -- the live entry as file text when proposed; NULL for a new entry
    base_hash        TEXT,            -- content hash of that live entry: approval checks it is still live
    file_hash        TEXT,            -- content hash of the file on disk when proposed (NULL: no file)
    guild_id         INTEGER,
    author_id        INTEGER NOT NULL,
    author_name      TEXT NOT NULL,
    proposed_at      TEXT NOT NULL,
    decided_by_id    INTEGER,
    decided_by_name  TEXT,
    decided_at       TEXT,
    reason           TEXT             -- why it was rejected, retired or superseded
);
CREATE INDEX faq_revisions_by_entry ON faq_revisions (entry_id, id);
CREATE INDEX faq_revisions_by_status ON faq_revisions (status, id);

-- When each server last received the weekly moderators' digest, so a restart never posts twice.
CREATE TABLE moderation_digests (
    guild_id      INTEGER PRIMARY KEY,
    last_sent_at  TEXT NOT NULL
);
