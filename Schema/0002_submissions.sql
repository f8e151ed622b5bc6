-- Submission intake: organisation tokens, submissions with their versions and idempotency
-- keys, and the database clock that decides whether a submission is on time.
--
-- The night of a deadline is the moment that matters, so receiving a submission writes one
-- row (plus a per-organisation counter) and checks everything in the same statement.

-- Tests and the demo move time by putting one row here; production leaves it empty, and
-- `cfund db status` warns when it is not.
CREATE TABLE simulated_clock (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    at timestamptz NOT NULL
);

-- The instant every deadline is judged against, to the millisecond.
CREATE FUNCTION cfund_now() RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT date_trunc('milliseconds', coalesce((SELECT at FROM simulated_clock), now()))
$$;

CREATE TABLE organisation_tokens (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    -- Only the SHA-256 of a token is kept; the token itself is shown once.
    token_sha256 text NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
    hint text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

CREATE INDEX organisation_tokens_organisation_idx ON organisation_tokens (organisation_id);

-- A submission and its current version: the last one received before the deadline.
CREATE TABLE submissions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id bigint NOT NULL REFERENCES calls (id),
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    status text NOT NULL DEFAULT 'submitted' CHECK (status IN (
        'submitted', 'withdrawn', 'ineligible', 'reviewed', 'funded', 'partially_funded', 'reserve', 'rejected'
    )),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    title text NOT NULL CHECK (length(btrim(title)) BETWEEN 3 AND 200),
    summary text NOT NULL CHECK (length(summary) <= 5000),
    requested_cents bigint NOT NULL CHECK (requested_cents > 0),
    total_cost_cents bigint NOT NULL,
    ambitions text[] NOT NULL CHECK (
        cardinality(ambitions) > 0
        AND ambitions <@ ARRAY['world_class', 'societal_challenges', 'talents_and_territories', 'green_tech']
    ),
    contact_name text NOT NULL,
    contact_email text NOT NULL,
    received_at timestamptz NOT NULL,
    first_received_at timestamptz NOT NULL,
    withdrawn_at timestamptz,
    status_reasons text[] NOT NULL DEFAULT '{}',
    -- A retry with the same key and the same request (by fingerprint) gets this submission back.
    idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    request_sha256 text NOT NULL,
    CONSTRAINT submissions_request_within_cost CHECK (requested_cents <= total_cost_cents)
);

CREATE UNIQUE INDEX submissions_idempotency_key ON submissions (organisation_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX submissions_call_idx ON submissions (call_id);

-- The versions an amendment replaced, copied by the trigger below; the current version lives
-- in `submissions`.
CREATE TABLE submission_versions (
    submission_id bigint NOT NULL REFERENCES submissions (id),
    version integer NOT NULL CHECK (version >= 1),
    title text NOT NULL,
    summary text NOT NULL,
    requested_cents bigint NOT NULL,
    total_cost_cents bigint NOT NULL,
    ambitions text[] NOT NULL,
    contact_name text NOT NULL,
    contact_email text NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (submission_id, version)
);

-- Refuses a change to a call's submissions outside its window or while it is not open,
-- naming the window (DETAIL: title|status|opens_at|closes_at|time_zone, instants in UTC).
CREATE FUNCTION guard_call_window(p_call_id bigint, p_at timestamptz) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c record;
BEGIN
    SELECT title, status, opens_at, closes_at, time_zone INTO c FROM calls WHERE id = p_call_id;
    IF c.status <> 'open' OR p_at < c.opens_at OR p_at >= c.closes_at THEN
        RAISE EXCEPTION 'call "%" does not take submissions at %', c.title, p_at
            USING ERRCODE = 'CF010',
                  DETAIL = c.title || '|' || c.status || '|'
                           || to_char(c.opens_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '|'
                           || to_char(c.closes_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '|'
                           || c.time_zone;
    END IF;
END
$$;

-- How many live (not withdrawn) submissions each organisation holds in each call, kept by the
-- triggers below. Bumping the row locks it, so an organisation's concurrent submissions queue
-- there and cannot both slip under the cap, while other organisations are not held up.
CREATE TABLE submission_counts (
    call_id bigint NOT NULL,
    organisation_id bigint NOT NULL,
    live integer NOT NULL CHECK (live >= 0),
    PRIMARY KEY (call_id, organisation_id)
);

-- A new submission must arrive inside the window, and within the call's per-organisation cap.
CREATE FUNCTION submissions_guard_insert() RETURNS trigger LANGUAGE plpgsql AS $$
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
            USING ERRCODE = 'CF011', DETAIL = (held - 1)::text;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER submissions_guard_insert
BEFORE INSERT ON submissions
FOR EACH ROW EXECUTE FUNCTION submissions_guard_insert();

-- Amendments and withdrawals happen only inside the window; an amendment keeps the version it
-- replaces, and a withdrawal frees the organisation's place under the cap.
CREATE FUNCTION submissions_guard_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.version <> OLD.version OR (NEW.status = 'withdrawn' AND OLD.status <> 'withdrawn') THEN
        PERFORM guard_call_window(OLD.call_id, cfund_now());
    END IF;
    IF NEW.version <> OLD.version THEN
        IF NEW.version <> OLD.version + 1 THEN
            RAISE EXCEPTION 'versions go up one at a time' USING ERRCODE = '23514';
        END IF;
        INSERT INTO submission_versions (
            submission_id, version, title, summary, requested_cents, total_cost_cents, ambitions,
            contact_name, contact_email, received_at)
        VALUES (
            OLD.id, OLD.version, OLD.title, OLD.summary, OLD.requested_cents, OLD.total_cost_cents, OLD.ambitions,
            OLD.contact_name, OLD.contact_email, OLD.received_at);
    END IF;
    IF NEW.status = 'withdrawn' AND OLD.status <> 'withdrawn' THEN
        UPDATE submission_counts SET live = live - 1
        WHERE call_id = OLD.call_id AND organisation_id = OLD.organisation_id;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER submissions_guard_change
BEFORE UPDATE ON submissions
FOR EACH ROW EXECUTE FUNCTION submissions_guard_change();

-- Receives a submission in one round trip and returns what is stored. With an idempotency
-- key, a retry of the same request returns the first submission (replayed = true) and another
-- request under the same key is refused (CF020). Requests racing with one new key queue on an
-- advisory lock; the unique index stays as the backstop (a violation there means: run again).
CREATE FUNCTION receive_submission(
    p_call_id bigint, p_organisation_id bigint, p_key text, p_request_sha256 text,
    p_title text, p_summary text, p_requested_cents bigint, p_total_cost_cents bigint, p_ambitions text[],
    p_contact_name text, p_contact_email text
) RETURNS TABLE (
    submission_id bigint, replayed boolean, version integer, status text, received_at timestamptz,
    first_received_at timestamptz
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    existing record;
    received timestamptz := cfund_now();
BEGIN
    IF p_key IS NOT NULL THEN
        -- Requests with one key queue here (a lock that writes nothing), so the second sees the
        -- first's submission instead of counting against the organisation's cap.
        PERFORM pg_advisory_xact_lock(hashtextextended(p_organisation_id || ':' || p_key, 0));
        SELECT s.id, s.call_id, s.request_sha256, s.version, s.status, s.received_at, s.first_received_at
        INTO existing
        FROM submissions s WHERE s.organisation_id = p_organisation_id AND s.idempotency_key = p_key;
        IF FOUND THEN
            IF existing.request_sha256 <> p_request_sha256 OR existing.call_id <> p_call_id THEN
                RAISE EXCEPTION 'idempotency key % reused with another request', p_key
                    USING ERRCODE = 'CF020', DETAIL = p_key;
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
