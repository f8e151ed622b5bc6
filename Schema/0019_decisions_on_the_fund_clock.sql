-- A decision is dated by the database clock every other rule reads (cfund_now: the real time,
-- or the simulated clock of the demo and the tests), so the agreements, the payments' deadlines
-- and the open-data file date it as the round lived it, not as the machine did.
ALTER TABLE allocation_runs ALTER COLUMN committed_at SET DEFAULT cfund_now();
