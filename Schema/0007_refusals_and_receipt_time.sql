-- Two changes to the functions that refuse or time-stamp changes.
--
-- 1. Every refusal raised here carries a structured DETAIL: a JSON object with the figures the
--    user needs (it was `|`-joined text, which a title containing `|` could break). FundStore's
--    `RefusalCatalogue` maps each custom SQLSTATE (CF0xx) and every named constraint to the
--    error the user sees; a test reads pg_catalog and fails on anything it does not map.
--
-- 2. The moment a request was received, not the moment its transaction started, is what the
--    deadline judges. On deadline night a request can wait in the server (a token lookup, a free
--    connection from the pool) after it was complete; requests received up to ~200 ms before
--    the deadline were refused as late. The server measures on a monotonic clock how long it held
--    the request since its body was complete and passes it here; the database clock, less that
--    wait, is the time of receipt. The wait counts for at most 10 seconds (the server answers 503
--    by then), so nothing can be backdated further. A simulated clock (tests, the demo) stands
--    still until it is moved, so on it a request waits no time at all.

CREATE FUNCTION cfund_received_at(p_waited_ms integer) RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT date_trunc('milliseconds', at) FROM simulated_clock),
        date_trunc('milliseconds',
            now() - make_interval(secs => least(greatest(coalesce(p_waited_ms, 0), 0), 10000) / 1000.0)))
$$;

-- Refuses a time of receipt that is not now, less a wait of at most 10 seconds.
CREATE FUNCTION guard_received_at(p_at timestamptz) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_at > cfund_now() OR p_at < cfund_now() - interval '10 seconds' THEN
        RAISE EXCEPTION 'a time of receipt must be now, less at most 10 seconds of waiting'
            USING ERRCODE = 'CF013',
                  DETAIL = json_build_object('at', p_at, 'now', cfund_now())::text;
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION calls_reserve_budget() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    envelope record;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE envelopes SET reserved_cents = reserved_cents - OLD.budget_cents WHERE id = OLD.envelope_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        -- FOR UPDATE queues concurrent reservations on one envelope; each then sees the last total.
        SELECT name, amount_cents, reserved_cents INTO envelope
        FROM envelopes WHERE id = NEW.envelope_id FOR UPDATE;
        IF envelope.reserved_cents + NEW.budget_cents > envelope.amount_cents THEN
            RAISE EXCEPTION 'envelope "%" cannot reserve % cents more', envelope.name, NEW.budget_cents
                USING ERRCODE = 'CF001',
                      DETAIL = json_build_object(
                          'envelope', envelope.name, 'requestedCents', NEW.budget_cents,
                          'availableCents', envelope.amount_cents - envelope.reserved_cents)::text;
        END IF;
        UPDATE envelopes SET reserved_cents = reserved_cents + NEW.budget_cents WHERE id = NEW.envelope_id;
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$$;

CREATE OR REPLACE FUNCTION calls_guard_lifecycle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NOT (OLD.status, NEW.status) IN (
            ('draft', 'open'), ('open', 'closed'), ('closed', 'reviewing'), ('reviewing', 'decided')
        ) AND NOT (
            (OLD.status, NEW.status) = ('decided', 'reviewing')
            AND coalesce(current_setting('cfund.revising', true), '') = 'on'
        ) THEN
            RAISE EXCEPTION 'call "%" cannot go from % to %', OLD.title, OLD.status, NEW.status
                USING ERRCODE = 'CF002',
                      DETAIL = json_build_object('call', OLD.title, 'from', OLD.status, 'to', NEW.status)::text;
        END IF;
        NEW.status_changed_at := now();
    END IF;
    IF OLD.status <> 'draft' AND (
        NEW.envelope_id, NEW.budget_cents, NEW.opens_at, NEW.closes_at, NEW.time_zone, NEW.allowed_kinds,
        NEW.label_awarded_from, NEW.label_awarded_to, NEW.label_valid_at_deadline, NEW.max_request_cents,
        NEW.max_submissions_per_org, NEW.reviews_per_submission, NEW.grid, NEW.policy
    ) IS DISTINCT FROM (
        OLD.envelope_id, OLD.budget_cents, OLD.opens_at, OLD.closes_at, OLD.time_zone, OLD.allowed_kinds,
        OLD.label_awarded_from, OLD.label_awarded_to, OLD.label_valid_at_deadline, OLD.max_request_cents,
        OLD.max_submissions_per_org, OLD.reviews_per_submission, OLD.grid, OLD.policy
    ) THEN
        RAISE EXCEPTION 'call "%" is % and its budget and rules are frozen', OLD.title, OLD.status
            USING ERRCODE = 'CF003', DETAIL = json_build_object('call', OLD.title, 'status', OLD.status)::text;
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION guard_call_window(p_call_id bigint, p_at timestamptz) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c record;
BEGIN
    SELECT title, status, opens_at, closes_at, time_zone INTO c FROM calls WHERE id = p_call_id;
    IF c.status <> 'open' OR p_at < c.opens_at OR p_at >= c.closes_at THEN
        RAISE EXCEPTION 'call "%" does not take submissions at %', c.title, p_at
            USING ERRCODE = 'CF010',
                  DETAIL = json_build_object(
                      'call', c.title, 'status', c.status,
                      'opensAt', to_char(c.opens_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                      'closesAt', to_char(c.closes_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                      'timeZone', c.time_zone)::text;
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION submissions_guard_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cap integer;
    held integer;
BEGIN
    PERFORM guard_call_window(NEW.call_id, NEW.received_at);
    INSERT INTO submission_counts AS counts (call_id, organisation_id, live)
    VALUES (NEW.call_id, NEW.organisation_id, 1)
    ON CONFLICT (call_id, organisation_id) DO UPDATE SET live = counts.live + 1
    RETURNING live INTO held;
    SELECT max_submissions_per_org INTO cap FROM calls WHERE id = NEW.call_id;
    IF held > cap THEN
        RAISE EXCEPTION 'organisation % already has % submission(s) in call %', NEW.organisation_id, held - 1, NEW.call_id
            USING ERRCODE = 'CF011', DETAIL = json_build_object('live', held - 1, 'cap', cap)::text;
    END IF;
    RETURN NEW;
END
$$;

-- An amendment is on time when its time of receipt (`received_at`, set by the amending UPDATE)
-- is; a withdrawal when its `withdrawn_at` is (now, when the UPDATE does not say).
CREATE OR REPLACE FUNCTION submissions_guard_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    withdrawn_at timestamptz;
BEGIN
    IF NEW.version <> OLD.version THEN
        IF NEW.version <> OLD.version + 1 THEN
            RAISE EXCEPTION 'versions go up one at a time'
                USING ERRCODE = 'CF012',
                      DETAIL = json_build_object('submission', OLD.id, 'version', OLD.version)::text;
        END IF;
        PERFORM guard_received_at(NEW.received_at);
        PERFORM guard_call_window(OLD.call_id, NEW.received_at);
        INSERT INTO submission_versions (
            submission_id, version, title, summary, requested_cents, total_cost_cents, ambitions,
            contact_name, contact_email, received_at)
        VALUES (
            OLD.id, OLD.version, OLD.title, OLD.summary, OLD.requested_cents, OLD.total_cost_cents, OLD.ambitions,
            OLD.contact_name, OLD.contact_email, OLD.received_at);
    END IF;
    IF NEW.status = 'withdrawn' AND OLD.status <> 'withdrawn' THEN
        withdrawn_at := coalesce(NEW.withdrawn_at, cfund_now());
        PERFORM guard_received_at(withdrawn_at);
        PERFORM guard_call_window(OLD.call_id, withdrawn_at);
        UPDATE submission_counts SET live = live - 1
        WHERE call_id = OLD.call_id AND organisation_id = OLD.organisation_id;
    END IF;
    RETURN NEW;
END
$$;

-- The intake, as in 0002 and 0005, now told how long the server held the request
-- (`p_waited_ms`, see above) and refusing a reused key with a structured DETAIL. The earlier
-- forms remain for callers that do not wait (plain SQL, tests).
CREATE FUNCTION receive_submission(
    p_call_id bigint, p_organisation_id bigint, p_key text, p_request_sha256 text,
    p_title text, p_summary text, p_requested_cents bigint, p_total_cost_cents bigint, p_ambitions text[],
    p_contact_name text, p_contact_email text, p_actor text, p_waited_ms integer
) RETURNS TABLE (
    submission_id bigint, replayed boolean, version integer, status text, received_at timestamptz,
    first_received_at timestamptz
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    existing record;
    received timestamptz := cfund_received_at(p_waited_ms);
BEGIN
    IF p_actor IS NOT NULL THEN
        PERFORM set_config('cfund.actor', p_actor, true);
    END IF;
    IF p_key IS NOT NULL THEN
        -- Requests with one key queue here (a lock that writes nothing), so the second sees the
        -- first's submission instead of counting against the organisation's cap.
        PERFORM pg_advisory_xact_lock(hashtextextended(p_organisation_id || ':' || p_key, 0));
        SELECT s.id, s.call_id, s.request_sha256, s.version, s.status, s.received_at, s.first_received_at
        INTO existing
        FROM submissions s WHERE s.organisation_id = p_organisation_id AND s.idempotency_key = p_key;
        IF FOUND THEN
            IF existing.request_sha256 <> p_request_sha256 OR existing.call_id <> p_call_id THEN
                RAISE EXCEPTION 'idempotency key reused with another request'
                    USING ERRCODE = 'CF020', DETAIL = json_build_object('key', p_key)::text;
            END IF;
            RETURN QUERY SELECT existing.id, true, existing.version, existing.status, existing.received_at,
                existing.first_received_at;
            RETURN;
        END IF;
    END IF;
    RETURN QUERY
    INSERT INTO submissions AS s (
        call_id, organisation_id, title, summary, requested_cents, total_cost_cents, ambitions, contact_name,
        contact_email, received_at, first_received_at, idempotency_key, request_sha256)
    VALUES (
        p_call_id, p_organisation_id, p_title, p_summary, p_requested_cents, p_total_cost_cents, p_ambitions,
        p_contact_name, p_contact_email, received, received, p_key, p_request_sha256)
    RETURNING s.id, false, s.version, s.status, s.received_at, s.first_received_at;
END
$$;

CREATE OR REPLACE FUNCTION receive_submission(
    p_call_id bigint, p_organisation_id bigint, p_key text, p_request_sha256 text,
    p_title text, p_summary text, p_requested_cents bigint, p_total_cost_cents bigint, p_ambitions text[],
    p_contact_name text, p_contact_email text, p_actor text
) RETURNS TABLE (
    submission_id bigint, replayed boolean, version integer, status text, received_at timestamptz,
    first_received_at timestamptz
) LANGUAGE sql AS $$
    SELECT * FROM receive_submission(
        p_call_id, p_organisation_id, p_key, p_request_sha256, p_title, p_summary, p_requested_cents,
        p_total_cost_cents, p_ambitions, p_contact_name, p_contact_email, p_actor, 0)
$$;

CREATE OR REPLACE FUNCTION receive_submission(
    p_call_id bigint, p_organisation_id bigint, p_key text, p_request_sha256 text,
    p_title text, p_summary text, p_requested_cents bigint, p_total_cost_cents bigint, p_ambitions text[],
    p_contact_name text, p_contact_email text
) RETURNS TABLE (
    submission_id bigint, replayed boolean, version integer, status text, received_at timestamptz,
    first_received_at timestamptz
) LANGUAGE sql AS $$
    SELECT * FROM receive_submission(
        p_call_id, p_organisation_id, p_key, p_request_sha256, p_title, p_summary, p_requested_cents,
        p_total_cost_cents, p_ambitions, p_contact_name, p_contact_email, NULL, 0)
$$;

CREATE OR REPLACE FUNCTION assignments_refuse_conflicts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    organisation bigint;
BEGIN
    SELECT organisation_id INTO organisation FROM submissions WHERE id = NEW.submission_id;
    IF reviewer_is_conflicted(NEW.reviewer_id, organisation) THEN
        RAISE EXCEPTION 'reviewer % is conflicted with organisation %', NEW.reviewer_id, organisation
            USING ERRCODE = 'CF030',
                  DETAIL = json_build_object('reviewer', NEW.reviewer_id, 'submission', NEW.submission_id)::text;
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION reviews_guard_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.final THEN
        IF NEW.final OR NEW.scores IS DISTINCT FROM OLD.scores OR NEW.comments IS DISTINCT FROM OLD.comments
           OR NEW.reopened_reason IS NULL OR NEW.reopened_reason IS NOT DISTINCT FROM OLD.reopened_reason THEN
            RAISE EXCEPTION 'review % is final', OLD.assignment_id
                USING ERRCODE = 'CF031', DETAIL = json_build_object('assignment', OLD.assignment_id)::text;
        END IF;
    END IF;
    NEW.updated_at := now();
    IF NEW.final AND NOT OLD.final THEN
        NEW.finalised_at := now();
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION grants_apply_deltas(deltas jsonb) RETURNS void LANGUAGE plpgsql AS $$
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
                      DETAIL = json_build_object(
                          'call', c.title, 'requestedCents', item.delta,
                          'availableCents', c.budget_cents - c.granted_cents)::text;
        END IF;
        UPDATE calls SET granted_cents = granted_cents + item.delta WHERE id = item.call_id;
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL
        AND (NEW.id, NEW.occurred_at, NEW.actor, NEW.action, NEW.target, NEW.call_id, NEW.before, NEW.after)
            IS NOT DISTINCT FROM
            (OLD.id, OLD.occurred_at, OLD.actor, OLD.action, OLD.target, OLD.call_id, OLD.before, OLD.after)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only' USING ERRCODE = 'CF050', DETAIL = '{}';
END
$$;
