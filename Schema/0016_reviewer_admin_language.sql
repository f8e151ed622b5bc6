-- Reviewers and admins have a language for their mail, as contacts do (0008): French unless
-- `cfund reviewer add --language en` or `cfund admin invite --language en` says otherwise, and
-- the language they last chose on the site (its French/English switch) from then on.
ALTER TABLE reviewers
    ADD COLUMN language text NOT NULL DEFAULT 'fr' CONSTRAINT reviewers_language_check CHECK (language IN ('fr', 'en'));
ALTER TABLE admins
    ADD COLUMN language text NOT NULL DEFAULT 'fr' CONSTRAINT admins_language_check CHECK (language IN ('fr', 'en'));

-- As 0014 wrote it (one message per assigning transaction, counting its submissions), in the
-- reviewer's language.
CREATE OR REPLACE FUNCTION mail_assignment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO mail_outbox (event, template, data, recipient, recipient_name, language)
    SELECT 'assigned:' || NEW.call_id || ':' || NEW.reviewer_id || ':' || txid_current(), 'review.assigned',
           jsonb_build_object('call', NEW.call_id, 'reviewer', NEW.reviewer_id, 'count', 1), email, name, language
    FROM reviewers WHERE id = NEW.reviewer_id
    ON CONFLICT (event, recipient)
    DO UPDATE SET data = jsonb_set(mail_outbox.data, '{count}', to_jsonb((mail_outbox.data->>'count')::int + 1));
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION mail_review_reopened() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    SELECT v.name, v.email, v.language INTO r
    FROM assignments a JOIN reviewers v ON v.id = a.reviewer_id WHERE a.id = NEW.assignment_id;
    INSERT INTO mail_outbox (event, template, data, recipient, recipient_name, language)
    VALUES (
        'reopened:' || NEW.assignment_id || ':' || txid_current(), 'review.reopened',
        jsonb_build_object('assignment', NEW.assignment_id), r.email, r.name, r.language)
    ON CONFLICT (event, recipient) DO NOTHING;
    RETURN NEW;
END
$$;
