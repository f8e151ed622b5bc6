-- One way into the outbox for the triggers that tell a submission's contact (0011, 0012): the
-- message goes to the submission's current contact, in their language, once per event. And an
-- assignment's message counts the submissions that one transaction gave the reviewer (0013 told
-- them "some"), so it says how many whenever it is sent.
CREATE FUNCTION cfund_mail_contact(p_submission_id bigint, p_event text, p_template text, p_data jsonb)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO mail_outbox (event, template, data, recipient, recipient_name, language)
    SELECT p_event, p_template, p_data, contact_email, contact_name,
           cfund_contact_language(organisation_id, contact_email)
    FROM submissions WHERE id = p_submission_id
    ON CONFLICT (event, recipient) DO NOTHING
$$;

CREATE OR REPLACE FUNCTION mail_submission() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    happened text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        happened := 'received';
    ELSIF NEW.status = 'withdrawn' AND OLD.status <> 'withdrawn' THEN
        happened := 'withdrawn';
    ELSIF NEW.version <> OLD.version THEN
        happened := 'amended';
    ELSE
        RETURN NEW;
    END IF;
    PERFORM cfund_mail_contact(
        NEW.id, 'submission:' || NEW.id || ':v' || NEW.version || ':' || happened, 'submission.' || happened,
        jsonb_build_object('submission', NEW.id, 'version', NEW.version));
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION mail_decision_line() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cfund_mail_contact(
        NEW.submission_id, 'decision:' || NEW.run_id || ':' || NEW.submission_id, 'decision.' || NEW.status,
        jsonb_build_object('submission', NEW.submission_id, 'run', NEW.run_id));
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION mail_grant() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    happened text;
BEGIN
    IF TG_OP = 'INSERT' AND NEW.promoted THEN
        happened := 'promoted';
    ELSIF TG_OP = 'UPDATE' AND NEW.status = 'declined' AND OLD.status = 'active' THEN
        happened := 'declined';
    ELSE
        RETURN NEW;
    END IF;
    PERFORM cfund_mail_contact(
        NEW.submission_id, 'grant:' || NEW.id || ':' || happened, 'grant.' || happened,
        jsonb_build_object('submission', NEW.submission_id, 'grant', NEW.id, 'run', NEW.run_id));
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION mail_assignment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO mail_outbox (event, template, data, recipient, recipient_name)
    SELECT 'assigned:' || NEW.call_id || ':' || NEW.reviewer_id || ':' || txid_current(), 'review.assigned',
           jsonb_build_object('call', NEW.call_id, 'reviewer', NEW.reviewer_id, 'count', 1), email, name
    FROM reviewers WHERE id = NEW.reviewer_id
    ON CONFLICT (event, recipient)
    DO UPDATE SET data = jsonb_set(mail_outbox.data, '{count}', to_jsonb((mail_outbox.data->>'count')::int + 1));
    RETURN NEW;
END
$$;
