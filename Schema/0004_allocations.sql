-- Allocation: committed runs (the call's decision), their lines, and grants. PostgreSQL holds
-- the money rules: a call's active grants never exceed its budget, and a call has at most one
-- standing decision.

-- What a call's active grants add up to, kept by the trigger on grants. Updating it locks the
-- call's row, so concurrent commits and declines on one call queue and each sees the last sum.
ALTER TABLE calls ADD COLUMN granted_cents bigint NOT NULL DEFAULT 0
    CONSTRAINT calls_granted_not_negative CHECK (granted_cents >= 0);
ALTER TABLE calls ADD CONSTRAINT calls_granted_within_budget CHECK (granted_cents <= budget_cents);

CREATE TABLE allocation_runs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id bigint NOT NULL REFERENCES calls (id),
    policy text NOT NULL CHECK (policy IN ('strict', 'skip', 'partial')),
    min_share text NOT NULL,
    cap_per_organisation_cents bigint,
    cap_per_project_cents bigint,
    budget_cents bigint NOT NULL,
    granted_cents bigint NOT NULL,
    reason text NOT NULL DEFAULT '',
    committed_at timestamptz NOT NULL DEFAULT now(),
    -- Set by `cfund decision revise`, with why; the run stays on record.
    superseded_at timestamptz,
    superseded_reason text,
    CONSTRAINT allocation_runs_within_budget CHECK (granted_cents <= budget_cents)
);

-- One standing decision per call: a second commit fails here even if two race.
CREATE UNIQUE INDEX allocation_runs_one_decision ON allocation_runs (call_id) WHERE superseded_at IS NULL;

CREATE TABLE allocation_lines (
    run_id bigint NOT NULL REFERENCES allocation_runs (id),
    submission_id bigint NOT NULL REFERENCES submissions (id),
    position integer NOT NULL,
    status text NOT NULL,
    awarded_cents bigint NOT NULL CHECK (awarded_cents >= 0),
    reason text NOT NULL,
    PRIMARY KEY (run_id, submission_id)
);

CREATE TABLE grants (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id bigint NOT NULL REFERENCES allocation_runs (id),
    call_id bigint NOT NULL REFERENCES calls (id),
    submission_id bigint NOT NULL REFERENCES submissions (id),
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'declined', 'superseded')),
    -- A grant made from the reserve list after a decline.
    promoted boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    declined_at timestamptz,
    decline_reason text
);

CREATE UNIQUE INDEX grants_one_active_per_submission ON grants (submission_id) WHERE status = 'active';
CREATE INDEX grants_call_idx ON grants (call_id);

-- Moves active grant money into and out of the calls' totals, once per statement (a commit
-- writes every grant of a call in one statement); the CHECK on calls refuses anything over
-- budget, and this function names the call and the figures first.
CREATE FUNCTION grants_apply_deltas(deltas jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    item record;
    c record;
BEGIN
    FOR item IN SELECT key::bigint AS call_id, value::bigint AS delta FROM jsonb_each_text(deltas) ORDER BY 1 LOOP
        CONTINUE WHEN item.delta = 0;
        SELECT title, budget_cents, granted_cents INTO c FROM calls WHERE id = item.call_id FOR UPDATE;
        IF c.granted_cents + item.delta > c.budget_cents THEN
            RAISE EXCEPTION 'grants of call "%" would exceed its budget', c.title
                USING ERRCODE = 'CF040',
                      DETAIL = c.title || '|' || item.delta || '|' || (c.budget_cents - c.granted_cents);
        END IF;
        UPDATE calls SET granted_cents = granted_cents + item.delta WHERE id = item.call_id;
    END LOOP;
END
$$;

CREATE FUNCTION grants_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM grants_apply_deltas(coalesce((
        SELECT jsonb_object_agg(call_id, total) FROM (
            SELECT call_id, sum(amount_cents) AS total FROM new_grants WHERE status = 'active' GROUP BY call_id
        ) t), '{}'));
    RETURN NULL;
END
$$;

CREATE FUNCTION grants_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM grants_apply_deltas(coalesce((
        SELECT jsonb_object_agg(call_id, total) FROM (
            SELECT call_id, sum(delta) AS total FROM (
                SELECT call_id, amount_cents AS delta FROM new_grants WHERE status = 'active'
                UNION ALL
                SELECT call_id, -amount_cents FROM old_grants WHERE status = 'active'
            ) d GROUP BY call_id
        ) t), '{}'));
    RETURN NULL;
END
$$;

CREATE FUNCTION grants_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM grants_apply_deltas(coalesce((
        SELECT jsonb_object_agg(call_id, -total) FROM (
            SELECT call_id, sum(amount_cents) AS total FROM old_grants WHERE status = 'active' GROUP BY call_id
        ) t), '{}'));
    RETURN NULL;
END
$$;

CREATE TRIGGER grants_after_insert AFTER INSERT ON grants
REFERENCING NEW TABLE AS new_grants FOR EACH STATEMENT EXECUTE FUNCTION grants_after_insert();
CREATE TRIGGER grants_after_update AFTER UPDATE ON grants
REFERENCING OLD TABLE AS old_grants NEW TABLE AS new_grants FOR EACH STATEMENT EXECUTE FUNCTION grants_after_update();
CREATE TRIGGER grants_after_delete AFTER DELETE ON grants
REFERENCING OLD TABLE AS old_grants FOR EACH STATEMENT EXECUTE FUNCTION grants_after_delete();
