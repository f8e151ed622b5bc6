-- Mail, written by the change that causes it. A message is a row of the outbox inserted in the
-- same transaction as the change (here by triggers, so that the API, the portal and plain SQL all
-- tell the applicant alike); `cfund serve` or `cfund mail send` renders it from its template and
-- data in the recipient's language, then sends it. The (event, recipient) key makes one message
-- per event and person whatever retries or concurrent writers do; the Message-ID is fixed at
-- insertion, so a resend after a crash carries the same one.
CREATE TABLE mail_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event text NOT NULL CONSTRAINT mail_outbox_event_text CHECK (cfund_text_fits(event, 1, 200)),
    template text NOT NULL CONSTRAINT mail_outbox_template_text CHECK (cfund_text_fits(template, 1, 100)),
    data jsonb NOT NULL DEFAULT '{}',
    recipient text NOT NULL
        CONSTRAINT mail_outbox_recipient_text CHECK (cfund_text_fits(recipient, 3, 254) AND recipient LIKE '%_@_%'),
    recipient_name text,
    language text NOT NULL DEFAULT 'fr' CONSTRAINT mail_outbox_language_check CHECK (language IN ('fr', 'en')),
    message_id text NOT NULL DEFAULT '<' || gen_random_uuid() || '@cfund.frenchtech.example>',
    -- Rendered once, before the first attempt, and kept: what was sent is what `mail show` shows.
    subject text,
    text_body text,
    html_body text,
    status text NOT NULL DEFAULT 'queued'
        CONSTRAINT mail_outbox_status_check CHECK (status IN ('queued', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0 CONSTRAINT mail_outbox_attempts_check CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    CONSTRAINT mail_outbox_event_recipient_key UNIQUE (event, recipient),
    CONSTRAINT mail_outbox_message_id_key UNIQUE (message_id),
    CONSTRAINT mail_outbox_sent_check CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);

CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at, id) WHERE status = 'queued';

-- The language of a submission's contact: theirs when they use the portal, French otherwise.
CREATE FUNCTION cfund_contact_language(p_organisation_id bigint, p_email text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT language FROM contacts
         WHERE organisation_id = p_organisation_id AND lower(email) = lower(p_email) AND revoked_at IS NULL
         ORDER BY id LIMIT 1),
        'fr')
$$;

-- A submission received, amended (a new version) or withdrawn tells its contact.
CREATE FUNCTION mail_submission() RETURNS trigger LANGUAGE plpgsql AS $$
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
    INSERT INTO mail_outbox (event, template, data, recipient, recipient_name, language)
    VALUES (
        'submission:' || NEW.id || ':v' || NEW.version || ':' || happened, 'submission.' || happened,
        jsonb_build_object('submission', NEW.id, 'version', NEW.version),
        NEW.contact_email, NEW.contact_name, cfund_contact_language(NEW.organisation_id, NEW.contact_email))
    ON CONFLICT (event, recipient) DO NOTHING;
    RETURN NEW;
END
$$;

CREATE TRIGGER mail_submission
AFTER INSERT OR UPDATE OF version, status ON submissions
FOR EACH ROW EXECUTE FUNCTION mail_submission();
