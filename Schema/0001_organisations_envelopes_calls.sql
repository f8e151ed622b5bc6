-- The network directory, budget envelopes and calls for projects.
-- Money is bigint cents; statuses are text with a CHECK; every instant is timestamptz.

CREATE TABLE organisations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    kind text NOT NULL CHECK (kind IN ('capital', 'community_fr', 'community_abroad')),
    city text NOT NULL DEFAULT '',
    country text NOT NULL CHECK (length(btrim(country)) > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Names are unique whatever their case: "Lyon" and "LYON" are one organisation.
CREATE UNIQUE INDEX organisations_name_key ON organisations (lower(name));

CREATE TABLE label_periods (
    organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    awarded_on date NOT NULL,
    expires_on date NOT NULL,
    PRIMARY KEY (organisation_id, awarded_on),
    CONSTRAINT label_periods_expire_after_award CHECK (expires_on > awarded_on)
);

CREATE TABLE envelopes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    amount_cents bigint NOT NULL CONSTRAINT envelopes_amount_positive CHECK (amount_cents > 0),
    valid_from date NOT NULL,
    valid_to date NOT NULL,
    -- Kept equal to the sum of the envelope's call budgets by the trigger below. Updating it
    -- locks the envelope's row, so concurrent reservations queue and each sees the last total.
    reserved_cents bigint NOT NULL DEFAULT 0 CONSTRAINT envelopes_reserved_not_negative CHECK (reserved_cents >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT envelopes_validity_ordered CHECK (valid_to >= valid_from),
    CONSTRAINT envelopes_reserved_within_amount CHECK (reserved_cents <= amount_cents)
);

CREATE UNIQUE INDEX envelopes_name_key ON envelopes (lower(name));

CREATE TABLE calls (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    envelope_id bigint NOT NULL REFERENCES envelopes (id),
    title text NOT NULL CHECK (length(btrim(title)) BETWEEN 3 AND 200),
    budget_cents bigint NOT NULL CONSTRAINT calls_budget_positive CHECK (budget_cents > 0),
    opens_at timestamptz NOT NULL,
    -- Exclusive: a submission is on time when received_at < closes_at.
    closes_at timestamptz NOT NULL,
    time_zone text NOT NULL,
    allowed_kinds text[] NOT NULL CHECK (
        cardinality(allowed_kinds) > 0
        AND allowed_kinds <@ ARRAY['capital', 'community_fr', 'community_abroad']
    ),
    label_awarded_from date,
    label_awarded_to date,
    label_valid_at_deadline boolean NOT NULL DEFAULT true,
    max_request_cents bigint CHECK (max_request_cents > 0 AND max_request_cents <= budget_cents),
    max_submissions_per_org integer NOT NULL DEFAULT 1 CHECK (max_submissions_per_org >= 1),
    reviews_per_submission integer NOT NULL DEFAULT 3 CHECK (reviews_per_submission BETWEEN 1 AND 10),
    grid jsonb NOT NULL,
    policy text NOT NULL DEFAULT 'skip' CHECK (policy IN ('strict', 'skip', 'partial')),
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed', 'reviewing', 'decided')),
    created_at timestamptz NOT NULL DEFAULT now(),
    status_changed_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT calls_closes_after_opening CHECK (closes_at > opens_at),
    CONSTRAINT calls_label_window_complete CHECK ((label_awarded_from IS NULL) = (label_awarded_to IS NULL)),
    CONSTRAINT calls_label_window_ordered CHECK (label_awarded_to >= label_awarded_from)
);

CREATE UNIQUE INDEX calls_title_key ON calls (lower(title));
CREATE INDEX calls_envelope_idx ON calls (envelope_id);

-- Moves a call's budget into (and out of) its envelope's reservation; refuses, with the
-- figures the user needs, any change that would reserve more than the envelope holds.
CREATE FUNCTION calls_reserve_budget() RETURNS trigger LANGUAGE plpgsql AS $$
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
                      DETAIL = envelope.name || '|' || NEW.budget_cents || '|'
                               || (envelope.amount_cents - envelope.reserved_cents);
        END IF;
        UPDATE envelopes SET reserved_cents = reserved_cents + NEW.budget_cents WHERE id = NEW.envelope_id;
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$$;

CREATE TRIGGER calls_reserve_budget
AFTER INSERT OR DELETE OR UPDATE OF budget_cents, envelope_id ON calls
FOR EACH ROW EXECUTE FUNCTION calls_reserve_budget();

-- The lifecycle only moves forward one step at a time, and a call's money and rules freeze
-- when it opens. The one way back: revising a decision (`cfund decision revise`, which sets
-- cfund.revising for its transaction and keeps the superseded decision) returns a decided
-- call to reviewing.
CREATE FUNCTION calls_guard_lifecycle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NOT (OLD.status, NEW.status) IN (
            ('draft', 'open'), ('open', 'closed'), ('closed', 'reviewing'), ('reviewing', 'decided')
        ) AND NOT (
            (OLD.status, NEW.status) = ('decided', 'reviewing')
            AND coalesce(current_setting('cfund.revising', true), '') = 'on'
        ) THEN
            RAISE EXCEPTION 'call "%" cannot go from % to %', OLD.title, OLD.status, NEW.status
                USING ERRCODE = 'CF002', DETAIL = OLD.title || '|' || OLD.status || '|' || NEW.status;
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
            USING ERRCODE = 'CF003', DETAIL = OLD.title || '|' || OLD.status;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER calls_guard_lifecycle
BEFORE UPDATE ON calls
FOR EACH ROW EXECUTE FUNCTION calls_guard_lifecycle();
