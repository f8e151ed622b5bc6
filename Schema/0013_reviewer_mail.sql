-- Reviewers hear of their work: new assignments (one message per reviewer and transaction that
-- assigns, whatever the number of submissions it gives them) and a final review reopened by the
-- programme team, with its reason. Reviewers write in French here (they have no language yet).
CREATE FUNCTION mail_assignment() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    SELECT name, email INTO r FROM reviewers WHERE id = NEW.reviewer_id;
    INSERT INTO mail_outbox (event, template, data, recipient, recipient_name)
    VALUES (
        'assigned:' || NEW.call_id || ':' || NEW.reviewer_id || ':' || txid_current(), 'review.assigned',
        jsonb_build_object('call', NEW.call_id, 'reviewer', NEW.reviewer_id), r.email, r.name)
    ON CONFLICT (event, recipient) DO NOTHING;
    RETURN NEW;
END
$$;

CREATE TRIGGER mail_assignment
AFTER INSERT ON assignments
FOR EACH ROW EXECUTE FUNCTION mail_assignment();

CREATE FUNCTION mail_review_reopened() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    SELECT v.name, v.email INTO r
    FROM assignments a JOIN reviewers v ON v.id = a.reviewer_id WHERE a.id = NEW.assignment_id;
    INSERT INTO mail_outbox (event, template, data, recipient, recipient_name)
    VALUES (
        'reopened:' || NEW.assignment_id || ':' || txid_current(), 'review.reopened',
        jsonb_build_object('assignment', NEW.assignment_id), r.email, r.name)
    ON CONFLICT (event, recipient) DO NOTHING;
    RETURN NEW;
END
$$;

CREATE TRIGGER mail_review_reopened
AFTER UPDATE OF final ON reviews
FOR EACH ROW WHEN (OLD.final AND NOT NEW.final)
EXECUTE FUNCTION mail_review_reopened();
