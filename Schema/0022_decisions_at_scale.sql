-- A decision on 100,000 submissions, cheaper (issue 15). Measured on such a commit (22.8 s after
-- 0021): updating the submissions' statuses took 7.1 s, of which 4.2 s went to row triggers
-- deciding, one row at a time, that a status set by a decision needed nothing from them; writing the 100,000 letters
-- took 4.1 s, 1.7 s of it in the outbox's text checks; chaining the audit events 2.6 s, one
-- UPDATE per event. The rules are the same; only when PostgreSQL calls them changes.

-- Row triggers that act only on some changes say which in their WHEN clause, evaluated without
-- calling the function: a version bump or a withdrawal for the submission's guard and receipt
-- messages, a promotion or a decline for a grant's.
DROP TRIGGER submissions_guard_change ON submissions;
CREATE TRIGGER submissions_guard_change
BEFORE UPDATE ON submissions
FOR EACH ROW WHEN (NEW.version <> OLD.version OR (NEW.status = 'withdrawn' AND OLD.status <> 'withdrawn'))
EXECUTE FUNCTION submissions_guard_change();

DROP TRIGGER mail_submission ON submissions;
CREATE TRIGGER mail_submission_received
AFTER INSERT ON submissions
FOR EACH ROW EXECUTE FUNCTION mail_submission();
CREATE TRIGGER mail_submission_changed
AFTER UPDATE OF version, status ON submissions
FOR EACH ROW WHEN (NEW.version <> OLD.version OR (NEW.status = 'withdrawn' AND OLD.status <> 'withdrawn'))
EXECUTE FUNCTION mail_submission();

DROP TRIGGER mail_grant ON grants;
CREATE TRIGGER mail_grant_promoted
AFTER INSERT ON grants
FOR EACH ROW WHEN (NEW.promoted)
EXECUTE FUNCTION mail_grant();
CREATE TRIGGER mail_grant_declined
AFTER UPDATE OF status ON grants
FOR EACH ROW WHEN (NEW.status = 'declined' AND OLD.status = 'active')
EXECUTE FUNCTION mail_grant();

-- A decision's status changes are recorded by its run and lines, not as events of their own
-- (0005); whether anything else changed was asked of two whole rows turned into JSON, 100,000
-- times. The same question, column by column: `AuditTrailTests` fails when a column of
-- `submissions` is missing here, so a new one cannot change unrecorded.
DROP TRIGGER audit_update ON submissions;
CREATE TRIGGER audit_update AFTER UPDATE ON submissions
FOR EACH ROW
WHEN (
    NEW.status NOT IN ('funded', 'partially_funded', 'reserve', 'rejected', 'reviewed')
    OR (OLD.id, OLD.call_id, OLD.organisation_id, OLD.version, OLD.title, OLD.summary, OLD.requested_cents,
        OLD.total_cost_cents, OLD.ambitions, OLD.contact_name, OLD.contact_email, OLD.received_at,
        OLD.first_received_at, OLD.withdrawn_at, OLD.status_reasons, OLD.idempotency_key, OLD.request_sha256)
       IS DISTINCT FROM
       (NEW.id, NEW.call_id, NEW.organisation_id, NEW.version, NEW.title, NEW.summary, NEW.requested_cents,
        NEW.total_cost_cents, NEW.ambitions, NEW.contact_name, NEW.contact_email, NEW.received_at,
        NEW.first_received_at, NEW.withdrawn_at, NEW.status_reasons, NEW.idempotency_key, NEW.request_sha256)
)
EXECUTE FUNCTION audit_record('submission');

-- The outbox holds no text anybody typed into it: events and templates are written by the
-- triggers above, and a recipient's address was checked as typed text where it was entered
-- (a submission's contact, a reviewer, an admin). Its checks keep the bounds, without cleaning.
ALTER TABLE mail_outbox
    DROP CONSTRAINT mail_outbox_event_text,
    DROP CONSTRAINT mail_outbox_template_text,
    DROP CONSTRAINT mail_outbox_recipient_text,
    ADD CONSTRAINT mail_outbox_event_text CHECK (char_length(event) BETWEEN 1 AND 200),
    ADD CONSTRAINT mail_outbox_template_text CHECK (char_length(template) BETWEEN 1 AND 100),
    ADD CONSTRAINT mail_outbox_recipient_text
        CHECK (char_length(recipient) BETWEEN 3 AND 254 AND recipient LIKE '%_@_%');

-- A Message-ID still unique the world over, now led by the time it was written: a random UUID
-- first put each of 100,000 letters at a random place of the unique index (0.7 s of them).
ALTER TABLE mail_outbox ALTER COLUMN message_id
    SET DEFAULT '<' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') || '.'
        || gen_random_uuid() || '@cfund.frenchtech.example>';

-- A decision's letters cannot meet an earlier message: their events name the decision, whose
-- lines are one per submission. Without ON CONFLICT they skip the speculative insertion it costs
-- (0.75 s of 100,000); the unique key still refuses a second message, were one ever written.
CREATE OR REPLACE FUNCTION mail_decision_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO mail_outbox (event, template, data, recipient, recipient_name, language)
    SELECT 'decision:' || l.run_id || ':' || l.submission_id, 'decision.' || l.status,
           jsonb_build_object('submission', l.submission_id, 'run', l.run_id),
           s.contact_email, s.contact_name, coalesce(c.language, 'fr')
    FROM inserted l
    JOIN submissions s ON s.id = l.submission_id
    LEFT JOIN contacts c
        ON c.organisation_id = s.organisation_id AND lower(c.email) = lower(s.contact_email) AND c.revoked_at IS NULL
    ORDER BY l.run_id, l.position;
    RETURN NULL;
END
$$;

-- Sealing chains the events one after the other as before, and writes the chain in one UPDATE.
CREATE OR REPLACE FUNCTION audit_seal() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    head audit_chain;
    e audit_events;
    ids bigint[] := '{}';
    seqs bigint[] := '{}';
    prevs bytea[] := '{}';
    hashes bytea[] := '{}';
    sealed integer := 0;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit_events WHERE seq IS NULL) THEN
        RETURN 0;
    END IF;
    SELECT * INTO head FROM audit_chain FOR UPDATE;
    FOR e IN SELECT * FROM audit_events WHERE seq IS NULL ORDER BY id LOOP
        e.seq := head.seq + 1;
        e.prev_hash := head.hash;
        e.hash := sha256(head.hash || convert_to(audit_event_text(e), 'UTF8'));
        sealed := sealed + 1;
        ids[sealed] := e.id;
        seqs[sealed] := e.seq;
        prevs[sealed] := e.prev_hash;
        hashes[sealed] := e.hash;
        head.seq := e.seq;
        head.hash := e.hash;
    END LOOP;
    UPDATE audit_events a SET seq = u.seq, prev_hash = u.prev_hash, hash = u.hash
    FROM unnest(ids, seqs, prevs, hashes) AS u (id, seq, prev_hash, hash)
    WHERE a.id = u.id;
    UPDATE audit_chain SET seq = head.seq, hash = head.hash;
    RETURN sealed;
END
$$;
