-- Reminders claimed with a lease, so several bot processes can share one database: a process
-- claims due rows (claimed_by, lease_until), sends, then moves each row on and clears the claim.
-- A process that dies mid-way holds its rows only until lease_until; then another claims them.
-- The DM carries an idempotency key (Discord's enforce_nonce), so a retry never sends it twice.
ALTER TABLE checkin_members ADD COLUMN claimed_by TEXT;
ALTER TABLE checkin_members ADD COLUMN lease_until TEXT;  -- UTC instant, the same format as next_reminder_at
