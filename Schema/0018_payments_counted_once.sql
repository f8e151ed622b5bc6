-- 0017 added a payment to its grant's total in the BEFORE INSERT trigger, which runs even for a
-- row that ON CONFLICT DO NOTHING then skips: recording a transfer a second time counted its
-- amount twice. The checks stay before the insert (under the grant's row lock, held to the
-- commit); the total moves after it, for rows actually inserted only.
CREATE OR REPLACE FUNCTION payments_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
    RETURN NEW;
END
$$;

CREATE FUNCTION payments_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE grants SET paid_cents = paid_cents + NEW.amount_cents WHERE id = NEW.grant_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER payments_count AFTER INSERT ON payments FOR EACH ROW EXECUTE FUNCTION payments_count();
