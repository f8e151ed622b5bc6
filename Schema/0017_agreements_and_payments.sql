-- After the decision: the beneficiaries' identifiers in the national registers, the agreement
-- (convention) a grant needs, the terms it is paid on, and the payments. PostgreSQL holds the
-- money rules, whatever the path (CLI, web, plain SQL):
--   * a grant is never paid more than its amount (CF072, and grants_paid_within_amount);
--   * a grant that needs an agreement is paid only once it is signed, and not before the day
--     it was signed (CF071);
--   * only an active grant is paid or signed (CF070); a paid grant stays active (CF073: record
--     the money back first);
--   * a call's payment terms are fixed once it is decided (CF074); each grant keeps the terms
--     of its decision.

-- SIRET: 14 digits whose Luhn sum is a multiple of 10; La Poste's establishments (SIREN
-- 356000000) use the sum of the digits, a multiple of 5, instead.
CREATE FUNCTION cfund_siret_valid(p text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT p ~ '^[0-9]{14}$' AND CASE
        WHEN left(p, 9) = '356000000' THEN
            (SELECT sum(substr(p, i, 1)::int) FROM generate_series(1, 14) i) % 5 = 0
        ELSE (
            SELECT sum(CASE WHEN i % 2 = 0 THEN (d * 2) / 10 + (d * 2) % 10 ELSE d END) % 10 = 0
            FROM (SELECT i, substr(p, 15 - i, 1)::int AS d FROM generate_series(1, 14) i) digits)
    END
$$;

ALTER TABLE organisations
    ADD COLUMN siret text CONSTRAINT organisations_siret_check CHECK (siret IS NULL OR cfund_siret_valid(siret)),
    ADD COLUMN rna text CONSTRAINT organisations_rna_check CHECK (rna IS NULL OR rna ~ '^W[0-9]{9}$');
CREATE UNIQUE INDEX organisations_siret_key ON organisations (siret) WHERE siret IS NOT NULL;
CREATE UNIQUE INDEX organisations_rna_key ON organisations (rna) WHERE rna IS NOT NULL;

-- How a call's grants are paid: an agreement above a threshold (EUR 23,000 by default, the
-- legal one), an advance of `advance_percent` at signature (at the decision when no agreement
-- is needed), the balance once the final report is accepted. 100: one payment at signature;
-- 0: one payment after the final report. A call without a row here has the defaults.
CREATE TABLE call_payment_terms (
    call_id bigint PRIMARY KEY REFERENCES calls (id),
    agreement_above_cents bigint NOT NULL DEFAULT 2300000
        CONSTRAINT call_payment_terms_threshold_check CHECK (agreement_above_cents >= 0),
    advance_percent integer NOT NULL DEFAULT 50
        CONSTRAINT call_payment_terms_advance_check CHECK (advance_percent BETWEEN 0 AND 100)
);

CREATE FUNCTION call_payment_terms_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c record;
BEGIN
    SELECT id, title, status INTO c FROM calls WHERE id = NEW.call_id;
    IF c.status = 'decided' OR EXISTS (
        SELECT 1 FROM allocation_runs WHERE call_id = NEW.call_id AND superseded_at IS NULL
    ) THEN
        RAISE EXCEPTION 'the payment terms of call "%" are fixed since its decision', c.title
            USING ERRCODE = 'CF074', DETAIL = json_build_object('call', c.title)::text;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER call_payment_terms_guard
BEFORE INSERT OR UPDATE ON call_payment_terms
FOR EACH ROW EXECUTE FUNCTION call_payment_terms_guard();

-- Each grant keeps the terms it was decided on, and what has been paid of it.
ALTER TABLE grants
    ADD COLUMN agreement_required boolean NOT NULL DEFAULT false,
    ADD COLUMN advance_percent integer NOT NULL DEFAULT 100
        CONSTRAINT grants_advance_percent_check CHECK (advance_percent BETWEEN 0 AND 100),
    ADD COLUMN paid_cents bigint NOT NULL DEFAULT 0 CONSTRAINT grants_paid_not_negative CHECK (paid_cents >= 0),
    ADD CONSTRAINT grants_paid_within_amount CHECK (paid_cents <= amount_cents);

CREATE FUNCTION grants_copy_terms() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    SELECT coalesce(p.agreement_above_cents, 2300000) AS above, coalesce(p.advance_percent, 50) AS advance
    INTO t FROM calls c LEFT JOIN call_payment_terms p ON p.call_id = c.id WHERE c.id = NEW.call_id;
    NEW.agreement_required := NEW.amount_cents > t.above;
    NEW.advance_percent := t.advance;
    RETURN NEW;
END
$$;

CREATE TRIGGER grants_copy_terms BEFORE INSERT ON grants FOR EACH ROW EXECUTE FUNCTION grants_copy_terms();

-- A grant that is paid stays active: declining it or revising its decision would leave money
-- out with no grant behind it.
CREATE FUNCTION grants_keep_paid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.paid_cents > 0 AND OLD.status = 'active' AND NEW.status <> 'active' THEN
        RAISE EXCEPTION 'grant % has been paid % cents', OLD.id, OLD.paid_cents
            USING ERRCODE = 'CF073', DETAIL = json_build_object('grant', OLD.id, 'paidCents', OLD.paid_cents)::text;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER grants_keep_paid BEFORE UPDATE OF status ON grants FOR EACH ROW EXECUTE FUNCTION grants_keep_paid();

-- The agreement of a grant that needs one, written with the grant; signed later.
CREATE TABLE agreements (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    grant_id bigint NOT NULL CONSTRAINT agreements_grant_key UNIQUE REFERENCES grants (id),
    call_id bigint NOT NULL REFERENCES calls (id),
    reference text NOT NULL CONSTRAINT agreements_reference_key UNIQUE,
    signed_on date,
    signatories text NOT NULL DEFAULT ''
        CONSTRAINT agreements_signatories_text CHECK (signatories = '' OR cfund_text_fits(signatories, 1, 500)),
    CONSTRAINT agreements_signed_with_signatories CHECK (signed_on IS NULL OR signatories <> '')
);

CREATE FUNCTION grants_write_agreement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO agreements (grant_id, call_id, reference)
    SELECT id, call_id, 'CFUND-' || call_id || '-' || lpad(id::text, 5, '0')
    FROM new_grants WHERE agreement_required;
    RETURN NULL;
END
$$;

CREATE TRIGGER grants_write_agreement AFTER INSERT ON grants
REFERENCING NEW TABLE AS new_grants FOR EACH STATEMENT EXECUTE FUNCTION grants_write_agreement();

CREATE FUNCTION agreements_guard_signing() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    g record;
BEGIN
    SELECT id, status INTO g FROM grants WHERE id = NEW.grant_id FOR UPDATE;
    IF NEW.signed_on IS DISTINCT FROM OLD.signed_on THEN
        IF g.status <> 'active' THEN
            RAISE EXCEPTION 'grant % is %', g.id, g.status
                USING ERRCODE = 'CF070', DETAIL = json_build_object('grant', g.id, 'status', g.status)::text;
        END IF;
        IF OLD.signed_on IS NOT NULL THEN
            RAISE EXCEPTION 'the agreement of grant % was signed on %', g.id, OLD.signed_on
                USING ERRCODE = 'CF075',
                      DETAIL = json_build_object('grant', g.id, 'signedOn', OLD.signed_on::text)::text;
        END IF;
        IF NEW.signed_on > cfund_now()::date THEN
            RAISE EXCEPTION 'an agreement is signed on a day that has come, not %', NEW.signed_on
                USING ERRCODE = 'CF076', DETAIL = json_build_object('date', NEW.signed_on::text)::text;
        END IF;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER agreements_guard_signing
BEFORE UPDATE ON agreements FOR EACH ROW EXECUTE FUNCTION agreements_guard_signing();

-- Money paid to a grantee. The bank's reference is unique: recording a transfer twice is
-- refused (the CLI answers with the payment already recorded when everything matches).
CREATE TABLE payments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    grant_id bigint NOT NULL REFERENCES grants (id),
    call_id bigint NOT NULL REFERENCES calls (id),
    amount_cents bigint NOT NULL CONSTRAINT payments_amount_positive CHECK (amount_cents > 0),
    paid_on date NOT NULL,
    reference text NOT NULL CONSTRAINT payments_reference_text CHECK (cfund_text_fits(reference, 1, 100)),
    recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX payments_reference_key ON payments (lower(reference));
CREATE INDEX payments_grant_idx ON payments (grant_id);

-- Under the grant's row lock, so two payments at once are counted one after the other.
CREATE FUNCTION payments_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    g record;
    signed date;
BEGIN
    SELECT id, call_id, status, amount_cents, paid_cents, agreement_required INTO g
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
    IF g.paid_cents + NEW.amount_cents > g.amount_cents THEN
        RAISE EXCEPTION 'grant % would be paid more than its amount', g.id
            USING ERRCODE = 'CF072',
                  DETAIL = json_build_object(
                      'grant', g.id, 'amountCents', g.amount_cents, 'paidCents', g.paid_cents,
                      'requestedCents', NEW.amount_cents)::text;
    END IF;
    UPDATE grants SET paid_cents = paid_cents + NEW.amount_cents WHERE id = g.id;
    RETURN NEW;
END
$$;

CREATE TRIGGER payments_guard BEFORE INSERT ON payments FOR EACH ROW EXECUTE FUNCTION payments_guard();

-- Payments are facts: a mistaken one is corrected by the money coming back, recorded as such
-- (with the final reports), never by changing the record.
CREATE FUNCTION payments_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'payments are not changed or deleted'
        USING ERRCODE = 'CF077', DETAIL = json_build_object('payment', OLD.id)::text;
END
$$;

CREATE TRIGGER payments_append_only BEFORE UPDATE OR DELETE ON payments
FOR EACH ROW EXECUTE FUNCTION payments_append_only();

CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON call_payment_terms
FOR EACH ROW EXECUTE FUNCTION audit_record('terms');
-- A decision writes its agreements in one statement, as its grants: one statement-level trigger.
CREATE TRIGGER audit AFTER UPDATE OR DELETE ON agreements
FOR EACH ROW EXECUTE FUNCTION audit_record('agreement');
CREATE TRIGGER audit_insert AFTER INSERT ON agreements
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION audit_record_inserted('agreement');
-- What is paid of a grant is the sum of its payments, each recorded as such: the running total
-- kept on the grant is not a change of its own.
DROP TRIGGER audit ON grants;
CREATE TRIGGER audit AFTER UPDATE OR DELETE ON grants
FOR EACH ROW EXECUTE FUNCTION audit_record('grant', '{paid_cents}');
CREATE TRIGGER audit AFTER INSERT ON payments
FOR EACH ROW EXECUTE FUNCTION audit_record('payment');
