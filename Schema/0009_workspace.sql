-- The reviewers' workspace and the programme team's overview on the web: admin accounts,
-- sign-in links and sessions for reviewers and admins too, a review deadline per call, and
-- recusals.

-- The programme team (everything the CLI does on calls) and finance (reads and downloads).
CREATE TABLE admins (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CONSTRAINT admins_name_text CHECK (cfund_text_fits(name, 1, 200)),
    email text NOT NULL
        CONSTRAINT admins_email_text CHECK (cfund_text_fits(email, 3, 254) AND email LIKE '%_@_%._%'),
    role text NOT NULL CONSTRAINT admins_role_check CHECK (role IN ('programme', 'finance')),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

CREATE UNIQUE INDEX admins_email_key ON admins (lower(email));

-- A link or a session is a contact's, a reviewer's or an admin's: exactly one.
ALTER TABLE sign_in_links
    ALTER COLUMN contact_id DROP NOT NULL,
    ADD COLUMN reviewer_id bigint REFERENCES reviewers (id),
    ADD COLUMN admin_id bigint REFERENCES admins (id),
    ADD CONSTRAINT sign_in_links_one_holder CHECK (num_nonnulls(contact_id, reviewer_id, admin_id) = 1);

ALTER TABLE sessions
    ALTER COLUMN contact_id DROP NOT NULL,
    ADD COLUMN reviewer_id bigint REFERENCES reviewers (id),
    ADD COLUMN admin_id bigint REFERENCES admins (id),
    ADD CONSTRAINT sessions_one_holder CHECK (num_nonnulls(contact_id, reviewer_id, admin_id) = 1);

CREATE INDEX sessions_reviewer_idx ON sessions (reviewer_id) WHERE ended_at IS NULL;
CREATE INDEX sessions_admin_idx ON sessions (admin_id) WHERE ended_at IS NULL;

-- When reviews are due. Not one of the rules frozen at opening: the programme team may extend
-- it (`cfund call review-deadline`), which the audit trail records. Once it has passed, a review
-- is no longer finalised (drafts stay as they are) until it is extended.
ALTER TABLE calls ADD COLUMN reviews_due_at timestamptz,
    ADD CONSTRAINT calls_reviews_due_after_closing CHECK (reviews_due_at > closes_at);

CREATE FUNCTION reviews_guard_deadline() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    call record;
BEGIN
    IF NEW.final AND NOT coalesce(OLD.final, false) THEN
        SELECT c.title, c.reviews_due_at, c.time_zone INTO call
        FROM assignments a JOIN calls c ON c.id = a.call_id WHERE a.id = NEW.assignment_id;
        IF call.reviews_due_at IS NOT NULL AND cfund_now() >= call.reviews_due_at THEN
            RAISE EXCEPTION 'reviews of call "%" were due by %', call.title, call.reviews_due_at
                USING ERRCODE = 'CF032',
                      DETAIL = json_build_object(
                          'call', call.title, 'assignment', NEW.assignment_id,
                          'dueAt', to_char(call.reviews_due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                          'timeZone', call.time_zone)::text;
        END IF;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER reviews_guard_deadline
BEFORE INSERT OR UPDATE OF final ON reviews
FOR EACH ROW EXECUTE FUNCTION reviews_guard_deadline();

-- A reviewer who finds a conflict on an assigned submission says so: the conflict is declared
-- (which withdraws the assignment, its review with it) and the recusal kept, with why, for the
-- programme team to see and `cfund review assign` to fill.
CREATE TABLE recusals (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id bigint NOT NULL REFERENCES calls (id),
    submission_id bigint NOT NULL REFERENCES submissions (id),
    reviewer_id bigint NOT NULL REFERENCES reviewers (id),
    reason text NOT NULL CONSTRAINT recusals_reason_text CHECK (cfund_text_fits(reason, 1, 2000, true)),
    declared_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX recusals_call_idx ON recusals (call_id);

CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON admins
FOR EACH ROW EXECUTE FUNCTION audit_record('admin');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON recusals
FOR EACH ROW EXECUTE FUNCTION audit_record('recusal');
