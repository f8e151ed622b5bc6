-- Decision letters, written with the decision: each line of a committed decision tells the
-- submission's contact what it means for them (funded, partially funded, on the reserve list,
-- not funded); a grant made from the reserve list, and a grant declined, are told too. The
-- events carry the decision's or the grant's id, so a revised decision writes new letters.
CREATE FUNCTION mail_decision_line() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s record;
BEGIN
    SELECT organisation_id, contact_name, contact_email INTO s FROM submissions WHERE id = NEW.submission_id;
    INSERT INTO mail_outbox (event, template, data, recipient, recipient_name, language)
    VALUES (
        'decision:' || NEW.run_id || ':' || NEW.submission_id, 'decision.' || NEW.status,
        jsonb_build_object('submission', NEW.submission_id, 'run', NEW.run_id),
        s.contact_email, s.contact_name, cfund_contact_language(s.organisation_id, s.contact_email))
    ON CONFLICT (event, recipient) DO NOTHING;
    RETURN NEW;
END
$$;

CREATE TRIGGER mail_decision_line
AFTER INSERT ON allocation_lines
FOR EACH ROW EXECUTE FUNCTION mail_decision_line();

CREATE FUNCTION mail_grant() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s record;
    happened text;
BEGIN
    IF TG_OP = 'INSERT' AND NEW.promoted THEN
        happened := 'promoted';
    ELSIF TG_OP = 'UPDATE' AND NEW.status = 'declined' AND OLD.status = 'active' THEN
        happened := 'declined';
    ELSE
        RETURN NEW;
    END IF;
    SELECT organisation_id, contact_name, contact_email INTO s FROM submissions WHERE id = NEW.submission_id;
    INSERT INTO mail_outbox (event, template, data, recipient, recipient_name, language)
    VALUES (
        'grant:' || NEW.id || ':' || happened, 'grant.' || happened,
        jsonb_build_object('submission', NEW.submission_id, 'grant', NEW.id, 'run', NEW.run_id),
        s.contact_email, s.contact_name, cfund_contact_language(s.organisation_id, s.contact_email))
    ON CONFLICT (event, recipient) DO NOTHING;
    RETURN NEW;
END
$$;

CREATE TRIGGER mail_grant
AFTER INSERT OR UPDATE OF status ON grants
FOR EACH ROW EXECUTE FUNCTION mail_grant();
