-- Privacy: how long a member keeps their check-ins (NULL: until they delete them; else days,
-- enforced on the reminder loop's schedule). Unanswered questions are kept at most
-- QUESTION_RETENTION_DAYS and their times are rounded to the day (done in code at start-up).
ALTER TABLE checkin_members ADD COLUMN retention_days INTEGER CHECK (retention_days IS NULL OR retention_days > 0);
