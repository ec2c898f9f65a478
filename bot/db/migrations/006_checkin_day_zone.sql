-- The time zone a check-in was logged in. A member who moves far west lives through the same
-- local date twice; with the zone kept, the second one can never overwrite the first.
-- NULL for rows logged before this column existed (treated as the member's current zone).
ALTER TABLE checkins ADD COLUMN zone TEXT;
