-- The audit trail: every change to the fund's records writes an event in the same transaction,
-- by trigger, so no path (CLI, API, plain SQL) can change a record without leaving one.
--
-- Events are chained by SHA-256: each sealed event stores the previous event's hash and a hash
-- over that and its own content, so editing, deleting or reordering a sealed event breaks the
-- chain. Sealing is separate from writing: `audit_seal()` chains the events committed so far,
-- in commit order, under one lock. Chaining inside every writing transaction would hold that
-- lock through each commit's WAL flush and cap all writes near 1,900 per second on the
-- reference machine (pgbench, 32 clients), below what intake alone sustains; a sealer chains
-- thousands of committed events per call instead. The CLI seals after each command, the server
-- every half second, `cfund audit verify` before it checks.
--
-- Who acted comes from the `cfund.actor` setting: the CLI sets it per connection ("cli:USER"),
-- the API per request ("organisation-token:ID", "reviewer-token:ID"); anything else is recorded
-- as "sql:" and the database role.
--
-- Derived rows are not events of their own: submission versions, counters, allocation lines,
-- the envelope's reserved total and the call's granted total follow from audited changes (an
-- amendment, a call's budget, an allocation run, a grant), and so do the statuses an allocation
-- run or its revision gives to submissions (the run's lines keep each one).

CREATE TABLE audit_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    action text NOT NULL,
    -- "kind:id" of the record changed, e.g. "submission:42".
    target text NOT NULL,
    call_id bigint,
    before jsonb,
    after jsonb,
    -- Set by audit_seal(): position in the chain, the previous event's hash, this event's hash.
    seq bigint UNIQUE,
    prev_hash bytea,
    hash bytea,
    CONSTRAINT audit_events_sealed_whole CHECK ((seq IS NULL) = (hash IS NULL) AND (seq IS NULL) = (prev_hash IS NULL))
);

CREATE INDEX audit_events_unsealed_idx ON audit_events (id) WHERE seq IS NULL;
CREATE INDEX audit_events_call_idx ON audit_events (call_id, id);
CREATE INDEX audit_events_time_idx ON audit_events (occurred_at);

-- The chain's head: the last sealed position and its hash (32 zero bytes before the first).
-- Verification compares the last event with it, so cutting events off the end shows too.
CREATE TABLE audit_chain (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    seq bigint NOT NULL,
    hash bytea NOT NULL
);

INSERT INTO audit_chain (seq, hash) VALUES (0, decode(repeat('00', 32), 'hex'));

-- What an event's hash covers, besides the previous hash: a JSON array of its fields, the time
-- in UTC to the microsecond. jsonb's text form is canonical (sorted keys, fixed spacing).
CREATE FUNCTION audit_event_text(e audit_events) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_array(
        e.seq, e.id, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), e.actor,
        e.action, e.target, e.call_id, e.before, e.after)::text
$$;

-- Chains every committed, unsealed event in id order and returns how many. Sealers queue on
-- the head's row, and each reads the events only once it holds it, so the chain never forks.
CREATE FUNCTION audit_seal() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    head audit_chain;
    e audit_events;
    sealed bigint := 0;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit_events WHERE seq IS NULL) THEN
        RETURN 0;
    END IF;
    SELECT * INTO head FROM audit_chain FOR UPDATE;
    FOR e IN SELECT * FROM audit_events WHERE seq IS NULL ORDER BY id LOOP
        e.seq := head.seq + 1;
        e.prev_hash := head.hash;
        e.hash := sha256(head.hash || convert_to(audit_event_text(e), 'UTF8'));
        UPDATE audit_events SET seq = e.seq, prev_hash = e.prev_hash, hash = e.hash WHERE id = e.id;
        head.seq := e.seq;
        head.hash := e.hash;
        sealed := sealed + 1;
    END LOOP;
    UPDATE audit_chain SET seq = head.seq, hash = head.hash;
    RETURN sealed;
END
$$;

-- Events are append-only: the only change allowed is sealing an unsealed event.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL
        AND (NEW.id, NEW.occurred_at, NEW.actor, NEW.action, NEW.target, NEW.call_id, NEW.before, NEW.after)
            IS NOT DISTINCT FROM
            (OLD.id, OLD.occurred_at, OLD.actor, OLD.action, OLD.target, OLD.call_id, OLD.before, OLD.after)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only' USING ERRCODE = 'CF050';
END
$$;

CREATE TRIGGER audit_events_append_only
BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TRIGGER audit_events_no_truncate
BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- Writes one event; an update whose recorded fields did not change writes none.
CREATE FUNCTION audit_write(
    p_action text, p_target text, p_call_id bigint, p_before jsonb, p_after jsonb
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_before IS NOT NULL AND p_after IS NOT NULL AND p_before = p_after THEN
        RETURN;
    END IF;
    INSERT INTO audit_events (actor, action, target, call_id, before, after)
    VALUES (
        coalesce(nullif(current_setting('cfund.actor', true), ''), 'sql:' || session_user),
        p_action, p_target, p_call_id, p_before, p_after);
END
$$;

-- The fields of `new_row` that differ from `old_row`, keys in `ignored` left out.
CREATE FUNCTION audit_changed(old_row jsonb, new_row jsonb, ignored text[]) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_object_agg(n.key, n.value), '{}')
    FROM jsonb_each(new_row) n
    WHERE n.value IS DISTINCT FROM old_row -> n.key AND n.key <> ALL (ignored)
$$;

-- The generic record trigger. TG_ARGV: the kind of record ("submission"), then the fields not
-- worth recording (derived totals, token hashes).
CREATE FUNCTION audit_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind text := TG_ARGV[0];
    ignored text[] := coalesce(TG_ARGV[1], '{}')::text[];
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) - ignored END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) - ignored END;
    rec jsonb := coalesce(new_row, old_row);
    before jsonb;
    after jsonb;
    verb text;
    target_id text;
    call bigint;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        after := audit_changed(old_row, new_row, '{}');
        IF after = '{}' THEN
            RETURN NULL;
        END IF;
        before := audit_changed(new_row, old_row, '{}');
    ELSIF TG_OP = 'INSERT' THEN
        after := new_row;
    ELSE
        before := old_row;
    END IF;

    verb := CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'DELETE' THEN 'delete' ELSE 'update' END;
    target_id := rec ->> 'id';
    call := (rec ->> 'call_id')::bigint;
    CASE kind
    WHEN 'call' THEN
        call := (rec ->> 'id')::bigint;
        IF TG_OP = 'UPDATE' AND after ? 'status' THEN
            verb := CASE after ->> 'status'
                WHEN 'open' THEN 'open' WHEN 'closed' THEN 'close' WHEN 'reviewing' THEN 'start_review'
                WHEN 'decided' THEN 'decide' ELSE 'update' END;
        END IF;
    WHEN 'submission' THEN
        IF TG_OP = 'UPDATE' THEN
            IF after ? 'version' THEN
                verb := 'amend';
            ELSIF after ->> 'status' = 'withdrawn' THEN
                verb := 'withdraw';
            ELSIF after ->> 'status' = 'ineligible' THEN
                verb := 'ineligible';
            ELSIF after - 'status' = '{}'
                AND after ->> 'status' IN ('funded', 'partially_funded', 'reserve', 'rejected', 'reviewed') THEN
                -- The allocation run or its revision says why (the trigger's WHEN skips these too).
                RETURN NULL;
            END IF;
        END IF;
    WHEN 'token' THEN
        kind := TG_ARGV[2];
        IF TG_OP = 'UPDATE' AND after ? 'revoked_at' THEN
            verb := 'revoke';
        ELSIF TG_OP = 'INSERT' THEN
            verb := 'issue';
        END IF;
    WHEN 'label' THEN
        target_id := rec ->> 'organisation_id';
        kind := 'organisation';
        verb := CASE TG_OP WHEN 'INSERT' THEN 'label' WHEN 'DELETE' THEN 'unlabel' ELSE 'relabel' END;
    WHEN 'conflict' THEN
        target_id := rec ->> 'reviewer_id';
        kind := 'reviewer';
        verb := CASE TG_OP WHEN 'DELETE' THEN 'withdraw_conflict' ELSE 'declare_conflict' END;
    WHEN 'review' THEN
        target_id := rec ->> 'assignment_id';
        SELECT a.call_id INTO call FROM assignments a WHERE a.id = (rec ->> 'assignment_id')::bigint;
        verb := CASE
            WHEN (rec ->> 'final')::boolean AND (TG_OP = 'INSERT' OR after ? 'final') THEN 'finalise'
            WHEN TG_OP = 'UPDATE' AND after ? 'final' THEN 'reopen'
            WHEN TG_OP = 'UPDATE' THEN 'save'
            ELSE verb END;
    WHEN 'allocation' THEN
        verb := CASE WHEN TG_OP = 'INSERT' THEN 'commit' WHEN after ? 'superseded_at' THEN 'revise' ELSE verb END;
    WHEN 'grant' THEN
        IF TG_OP = 'INSERT' AND (rec ->> 'promoted')::boolean THEN
            verb := 'promote';
        ELSIF TG_OP = 'UPDATE' AND after ->> 'status' IN ('declined', 'superseded') THEN
            verb := CASE after ->> 'status' WHEN 'declined' THEN 'decline' ELSE 'supersede' END;
        END IF;
    WHEN 'clock' THEN
        target_id := 'simulated';
        verb := CASE TG_OP WHEN 'DELETE' THEN 'clear' ELSE 'set' END;
    ELSE
        NULL;
    END CASE;

    PERFORM audit_write(kind || '.' || verb, kind || ':' || coalesce(target_id, '?'), call, before, after);
    RETURN NULL;
END
$$;

-- Bulk paths (assigning a whole call, a decision's grants) insert thousands of rows in one
-- statement: their creations are recorded by one statement-level trigger reading the inserted
-- rows, in id order, instead of one function call per row. TG_ARGV[0]: the kind of record; the
-- table has id and call_id.
CREATE FUNCTION audit_record_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_events (actor, action, target, call_id, after)
    SELECT coalesce(nullif(current_setting('cfund.actor', true), ''), 'sql:' || session_user),
           TG_ARGV[0] || CASE WHEN (to_jsonb(n) ->> 'promoted')::boolean THEN '.promote' ELSE '.create' END,
           TG_ARGV[0] || ':' || n.id, n.call_id, to_jsonb(n)
    FROM inserted n
    ORDER BY n.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON organisations
FOR EACH ROW EXECUTE FUNCTION audit_record('organisation');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON label_periods
FOR EACH ROW EXECUTE FUNCTION audit_record('label');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON envelopes
FOR EACH ROW EXECUTE FUNCTION audit_record('envelope', '{reserved_cents}');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON calls
FOR EACH ROW EXECUTE FUNCTION audit_record('call', '{granted_cents}');
CREATE TRIGGER audit AFTER INSERT OR DELETE ON submissions
FOR EACH ROW EXECUTE FUNCTION audit_record('submission');
-- A commit or a revision moves every submission of a call to its new status: checked here, in
-- the executor, instead of calling the record function 100,000 times to write nothing.
CREATE TRIGGER audit_update AFTER UPDATE ON submissions
FOR EACH ROW
WHEN (
    NEW.status NOT IN ('funded', 'partially_funded', 'reserve', 'rejected', 'reviewed')
    OR (to_jsonb(OLD) - 'status') IS DISTINCT FROM (to_jsonb(NEW) - 'status')
)
EXECUTE FUNCTION audit_record('submission');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON organisation_tokens
FOR EACH ROW EXECUTE FUNCTION audit_record('token', '{token_sha256}', 'organisation-token');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON reviewers
FOR EACH ROW EXECUTE FUNCTION audit_record('reviewer');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON reviewer_conflicts
FOR EACH ROW EXECUTE FUNCTION audit_record('conflict');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON reviewer_tokens
FOR EACH ROW EXECUTE FUNCTION audit_record('token', '{token_sha256}', 'reviewer-token');
CREATE TRIGGER audit AFTER UPDATE OR DELETE ON assignments
FOR EACH ROW EXECUTE FUNCTION audit_record('assignment');
CREATE TRIGGER audit_insert AFTER INSERT ON assignments
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION audit_record_inserted('assignment');
-- Assigning creates an empty review with each assignment: the assignment's event says so.
CREATE TRIGGER audit_insert AFTER INSERT ON reviews
FOR EACH ROW WHEN (NEW.final OR NEW.scores <> '{}') EXECUTE FUNCTION audit_record('review');
CREATE TRIGGER audit AFTER UPDATE OR DELETE ON reviews
FOR EACH ROW EXECUTE FUNCTION audit_record('review');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON allocation_runs
FOR EACH ROW EXECUTE FUNCTION audit_record('allocation');
CREATE TRIGGER audit AFTER UPDATE OR DELETE ON grants
FOR EACH ROW EXECUTE FUNCTION audit_record('grant');
CREATE TRIGGER audit_insert AFTER INSERT ON grants
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION audit_record_inserted('grant');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON simulated_clock
FOR EACH ROW EXECUTE FUNCTION audit_record('clock');

-- The API's intake names the token that submitted; the eleven-argument form stays for callers
-- that act under their connection's actor.
CREATE FUNCTION receive_submission(
    p_call_id bigint, p_organisation_id bigint, p_key text, p_request_sha256 text,
    p_title text, p_summary text, p_requested_cents bigint, p_total_cost_cents bigint, p_ambitions text[],
    p_contact_name text, p_contact_email text, p_actor text
) RETURNS TABLE (
    submission_id bigint, replayed boolean, version integer, status text, received_at timestamptz,
    first_received_at timestamptz
) LANGUAGE plpgsql AS $$
BEGIN
    IF p_actor IS NOT NULL THEN
        PERFORM set_config('cfund.actor', p_actor, true);
    END IF;
    RETURN QUERY SELECT * FROM receive_submission(
        p_call_id, p_organisation_id, p_key, p_request_sha256, p_title, p_summary, p_requested_cents,
        p_total_cost_cents, p_ambitions, p_contact_name, p_contact_email);
END
$$;
