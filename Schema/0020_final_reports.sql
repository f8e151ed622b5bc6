-- Final reports (compte rendu financier, Cerfa 15059): the grantee accounts for what the project
-- actually cost; the programme team accepts the report or returns it with a reason. On
-- acceptance the grant is settled: when the actual cost is below the planned one and the call
-- reduces in proportion (the default), the grant is reduced and the difference released; what
-- was paid beyond the settled amount is to be recovered, and the money coming back is recorded.
--
-- The ledger's identity holds per grant, and PostgreSQL keeps every part of it:
--   decided amount = (paid - recovered) + to pay + released, to pay >= 0 except while money is
--   to be recovered (then to pay = -(to recover)).

ALTER TABLE call_payment_terms
    ADD COLUMN reduce_on_lower_cost boolean NOT NULL DEFAULT true;

ALTER TABLE grants
    ADD COLUMN reduce_on_lower_cost boolean NOT NULL DEFAULT true,
    ADD COLUMN released_cents bigint NOT NULL DEFAULT 0
        CONSTRAINT grants_released_within_amount CHECK (released_cents BETWEEN 0 AND amount_cents),
    ADD COLUMN recovered_cents bigint NOT NULL DEFAULT 0
        CONSTRAINT grants_recovered_within_paid CHECK (recovered_cents BETWEEN 0 AND paid_cents);

CREATE OR REPLACE FUNCTION grants_copy_terms() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    SELECT coalesce(p.agreement_above_cents, 2300000) AS above, coalesce(p.advance_percent, 50) AS advance,
           coalesce(p.reduce_on_lower_cost, true) AS reduce
    INTO t FROM calls c LEFT JOIN call_payment_terms p ON p.call_id = c.id WHERE c.id = NEW.call_id;
    NEW.agreement_required := NEW.amount_cents > t.above;
    NEW.advance_percent := t.advance;
    NEW.reduce_on_lower_cost := t.reduce;
    RETURN NEW;
END
$$;

CREATE TABLE final_reports (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    grant_id bigint NOT NULL REFERENCES grants (id),
    call_id bigint NOT NULL REFERENCES calls (id),
    actual_cost_cents bigint NOT NULL CONSTRAINT final_reports_actual_cost_check CHECK (actual_cost_cents >= 0),
    -- The actual figures in the layout of the planned budget: [{"line": "...", "cents": 123}].
    spending jsonb NOT NULL DEFAULT '[]'
        CONSTRAINT final_reports_spending_check CHECK (jsonb_typeof(spending) = 'array'),
    narrative text NOT NULL
        CONSTRAINT final_reports_narrative_text CHECK (cfund_text_fits(narrative, 1, 20000, true)),
    status text NOT NULL DEFAULT 'submitted'
        CONSTRAINT final_reports_status_check CHECK (status IN ('submitted', 'returned', 'accepted')),
    filed_at timestamptz NOT NULL DEFAULT cfund_now(),
    decided_at timestamptz,
    reason text NOT NULL DEFAULT ''
        CONSTRAINT final_reports_reason_text CHECK (reason = '' OR cfund_text_fits(reason, 1, 2000, true)),
    -- Set on acceptance: what the grant comes to.
    settled_cents bigint CONSTRAINT final_reports_settled_check CHECK (settled_cents >= 0)
);

-- One report in progress or accepted per grant: a returned one may be filed again.
CREATE UNIQUE INDEX final_reports_one_standing ON final_reports (grant_id) WHERE status <> 'returned';

CREATE TABLE final_report_attachments (
    report_id bigint NOT NULL REFERENCES final_reports (id),
    attachment_id bigint NOT NULL REFERENCES attachments (id),
    PRIMARY KEY (report_id, attachment_id)
);

-- Filed for an active grant only; decided once, from 'submitted'.
CREATE FUNCTION final_reports_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    g record;
BEGIN
    SELECT id, call_id, status INTO g FROM grants WHERE id = NEW.grant_id FOR UPDATE;
    IF TG_OP = 'INSERT' THEN
        NEW.call_id := g.call_id;
        IF g.status <> 'active' THEN
            RAISE EXCEPTION 'grant % is %', g.id, g.status
                USING ERRCODE = 'CF070', DETAIL = json_build_object('grant', g.id, 'status', g.status)::text;
        END IF;
    ELSIF OLD.status <> 'submitted' AND NEW.status IS DISTINCT FROM OLD.status THEN
        RAISE EXCEPTION 'the final report of grant % is % already', OLD.grant_id, OLD.status
            USING ERRCODE = 'CF080', DETAIL = json_build_object('grant', OLD.grant_id, 'status', OLD.status)::text;
    ELSIF OLD.status <> 'submitted' OR (NEW.status = 'submitted' AND (
            NEW.actual_cost_cents IS DISTINCT FROM OLD.actual_cost_cents OR NEW.spending IS DISTINCT FROM OLD.spending
            OR NEW.narrative IS DISTINCT FROM OLD.narrative)) THEN
        RAISE EXCEPTION 'a filed final report is not edited; return it and file it again'
            USING ERRCODE = 'CF080', DETAIL = json_build_object('grant', OLD.grant_id, 'status', OLD.status)::text;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER final_reports_guard BEFORE INSERT OR UPDATE ON final_reports
FOR EACH ROW EXECUTE FUNCTION final_reports_guard();

-- Settling a grant: only through its accepted report, once.
CREATE FUNCTION final_reports_settle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'accepted' THEN
        UPDATE grants SET released_cents = amount_cents - NEW.settled_cents WHERE id = NEW.grant_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER final_reports_settle AFTER UPDATE OF status ON final_reports
FOR EACH ROW WHEN (NEW.status = 'accepted') EXECUTE FUNCTION final_reports_settle();

ALTER TABLE final_reports ADD CONSTRAINT final_reports_accepted_settled
    CHECK ((status = 'accepted') = (settled_cents IS NOT NULL));

-- Money a grantee pays back: never more than was paid beyond the settled amount.
CREATE TABLE recoveries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    grant_id bigint NOT NULL REFERENCES grants (id),
    call_id bigint NOT NULL REFERENCES calls (id),
    amount_cents bigint NOT NULL CONSTRAINT recoveries_amount_positive CHECK (amount_cents > 0),
    received_on date NOT NULL,
    reference text NOT NULL CONSTRAINT recoveries_reference_text CHECK (cfund_text_fits(reference, 1, 100)),
    recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX recoveries_reference_key ON recoveries (lower(reference));

CREATE FUNCTION recoveries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    g record;
BEGIN
    SELECT id, call_id, amount_cents, paid_cents, released_cents, recovered_cents INTO g
    FROM grants WHERE id = NEW.grant_id FOR UPDATE;
    NEW.call_id := g.call_id;
    IF (g.paid_cents - g.recovered_cents) - NEW.amount_cents < g.amount_cents - g.released_cents THEN
        RAISE EXCEPTION 'grant % has % cents to recover', g.id,
                greatest(0, (g.paid_cents - g.recovered_cents) - (g.amount_cents - g.released_cents))
            USING ERRCODE = 'CF081',
                  DETAIL = json_build_object(
                      'grant', g.id, 'requestedCents', NEW.amount_cents,
                      'dueCents', greatest(0, (g.paid_cents - g.recovered_cents) - (g.amount_cents - g.released_cents)))::text;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER recoveries_guard BEFORE INSERT ON recoveries FOR EACH ROW EXECUTE FUNCTION recoveries_guard();

CREATE FUNCTION recoveries_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE grants SET recovered_cents = recovered_cents + NEW.amount_cents WHERE id = NEW.grant_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER recoveries_count AFTER INSERT ON recoveries FOR EACH ROW EXECUTE FUNCTION recoveries_count();
CREATE TRIGGER recoveries_append_only BEFORE UPDATE OR DELETE ON recoveries
FOR EACH ROW EXECUTE FUNCTION payments_append_only();

-- Payments after settlement: never past what the grant comes to.
CREATE OR REPLACE FUNCTION payments_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    g record;
    signed date;
BEGIN
    SELECT id, call_id, status, amount_cents, paid_cents, released_cents, recovered_cents, agreement_required INTO g
    FROM grants WHERE id = NEW.grant_id FOR UPDATE;
    NEW.call_id := g.call_id;
    IF g.status <> 'active' THEN
        RAISE EXCEPTION 'grant % is %', g.id, g.status
            USING ERRCODE = 'CF070', DETAIL = json_build_object('grant', g.id, 'status', g.status)::text;
    END IF;
    IF g.agreement_required THEN
        SELECT signed_on INTO signed FROM agreements WHERE grant_id = g.id;
        IF signed IS NULL OR NEW.paid_on < signed THEN
            RAISE EXCEPTION 'grant % is paid only once its agreement is signed', g.id
                USING ERRCODE = 'CF071',
                      DETAIL = json_build_object('grant', g.id, 'signedOn', signed::text, 'paidOn', NEW.paid_on::text)::text;
        END IF;
    END IF;
    IF (g.paid_cents - g.recovered_cents) + NEW.amount_cents > g.amount_cents - g.released_cents THEN
        RAISE EXCEPTION 'grant % would be paid more than it comes to', g.id
            USING ERRCODE = 'CF072',
                  DETAIL = json_build_object(
                      'grant', g.id, 'amountCents', g.amount_cents - g.released_cents,
                      'paidCents', g.paid_cents - g.recovered_cents, 'requestedCents', NEW.amount_cents)::text;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON final_reports
FOR EACH ROW EXECUTE FUNCTION audit_record('final_report');
CREATE TRIGGER audit AFTER INSERT ON recoveries
FOR EACH ROW EXECUTE FUNCTION audit_record('recovery');
CREATE TRIGGER audit AFTER INSERT OR DELETE ON final_report_attachments
FOR EACH ROW EXECUTE FUNCTION audit_record('final_report_attachment');

-- The grantee hears of the decision on its report, in its contact's language.
CREATE FUNCTION mail_final_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cfund_mail_contact(
        (SELECT submission_id FROM grants WHERE id = NEW.grant_id),
        'final-report:' || NEW.id || ':' || NEW.status, 'final_report.' || NEW.status,
        jsonb_build_object('submission', (SELECT submission_id FROM grants WHERE id = NEW.grant_id),
                           'grant', NEW.grant_id, 'report', NEW.id));
    RETURN NULL;
END
$$;

CREATE TRIGGER mail_final_report AFTER UPDATE OF status ON final_reports
FOR EACH ROW WHEN (NEW.status IN ('accepted', 'returned')) EXECUTE FUNCTION mail_final_report();

-- What is paid back of a grant is the sum of its recoveries, each recorded as such.
DROP TRIGGER audit ON grants;
CREATE TRIGGER audit AFTER UPDATE OR DELETE ON grants
FOR EACH ROW EXECUTE FUNCTION audit_record('grant', '{paid_cents,recovered_cents}');
