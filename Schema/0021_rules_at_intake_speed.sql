-- The same rules, cheaper (issue 15). PostgreSQL plans a SQL-language function that it cannot
-- inline (a FROM clause, a sub-select, a STRICT body with a CASE, an INSERT) again at every call
-- from a new statement: `track_functions` on one client's intake showed 2.0 ms of a 2.7 ms
-- submission spent in the functions, most of it planning: the eight text checks of a
-- submission and its message (108 µs each), the outbox's way in (`cfund_mail_contact`, 355 µs of
-- its own), the time of receipt (121 µs), the contact's language (114 µs). PL/pgSQL keeps each
-- plan for the session. Every definition below answers what the one it replaces answered.
--
-- And two bulk writes told people one row at a time: a committed decision wrote its letters by a
-- row trigger per allocation line (0012, 0014: 14.6 s of a 22 s commit of 20,000 lines), and an
-- assignment of a whole call rewrote each reviewer's message once per submission. Statement
-- triggers reading the inserted rows now write each set in one statement.

-- Text: ASCII text is already NFC, and only ASCII spaces can trim it, so it is measured without
-- normalising or the long Unicode classes; anything else takes `cfund_clean` as before.
-- `TextRuleTests.theFastPathAnswersAsTheCleanTextDoes` compares the two on generated text.
CREATE OR REPLACE FUNCTION cfund_text_fits(t text, min_length integer, max_length integer, multiline boolean DEFAULT false)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    c text;
BEGIN
    IF octet_length(t) = char_length(t) THEN
        c := t;
        IF multiline AND strpos(c, E'\r') > 0 THEN
            c := regexp_replace(c, '\r\n?', E'\n', 'g');
        END IF;
        c := btrim(c, E' \t\n\u000B\f\r');
        RETURN char_length(c) BETWEEN min_length AND max_length
           AND c !~ CASE WHEN multiline THEN '[\u0001-\u0008\u000B-\u001F\u007F]' ELSE '[\u0001-\u001F\u007F]' END;
    END IF;
    c := cfund_clean(t, multiline);
    RETURN char_length(c) BETWEEN min_length AND max_length
       AND c !~ CASE WHEN multiline THEN '[\u0001-\u0008\u000B-\u001F\u007F-\u009F]'
                     ELSE '[\u0001-\u001F\u007F-\u009F]' END;
END
$$;

CREATE OR REPLACE FUNCTION cfund_now() RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN date_trunc('milliseconds', coalesce((SELECT at FROM simulated_clock), now()));
END
$$;

CREATE OR REPLACE FUNCTION cfund_received_at(p_waited_ms integer) RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce(
        (SELECT date_trunc('milliseconds', at) FROM simulated_clock),
        date_trunc('milliseconds',
            now() - make_interval(secs => least(greatest(coalesce(p_waited_ms, 0), 0), 10000) / 1000.0)));
END
$$;

CREATE OR REPLACE FUNCTION cfund_contact_language(p_organisation_id bigint, p_email text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce(
        (SELECT language FROM contacts
         WHERE organisation_id = p_organisation_id AND lower(email) = lower(p_email) AND revoked_at IS NULL
         ORDER BY id LIMIT 1),
        'fr');
END
$$;

CREATE OR REPLACE FUNCTION cfund_mail_contact(p_submission_id bigint, p_event text, p_template text, p_data jsonb)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO mail_outbox (event, template, data, recipient, recipient_name, language)
    SELECT p_event, p_template, p_data, s.contact_email, s.contact_name,
           cfund_contact_language(s.organisation_id, s.contact_email)
    FROM submissions s WHERE s.id = p_submission_id
    ON CONFLICT (event, recipient) DO NOTHING;
END
$$;

-- A decision's letters: one per line, to the submission's current contact in their language,
-- once per event, in the ranking's order; what the row trigger wrote, written by one statement.
DROP TRIGGER mail_decision_line ON allocation_lines;
DROP FUNCTION mail_decision_line();

CREATE FUNCTION mail_decision_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO mail_outbox (event, template, data, recipient, recipient_name, language)
    SELECT 'decision:' || l.run_id || ':' || l.submission_id, 'decision.' || l.status,
           jsonb_build_object('submission', l.submission_id, 'run', l.run_id),
           s.contact_email, s.contact_name, coalesce(c.language, 'fr')
    FROM inserted l
    JOIN submissions s ON s.id = l.submission_id
    LEFT JOIN contacts c
        ON c.organisation_id = s.organisation_id AND lower(c.email) = lower(s.contact_email) AND c.revoked_at IS NULL
    ORDER BY l.run_id, l.position
    ON CONFLICT (event, recipient) DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER mail_decision_lines
AFTER INSERT ON allocation_lines
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION mail_decision_lines();

-- A reviewer's message about new assignments counts what one transaction gave them (0014, 0016):
-- a row trigger rewrote that one outbox row once per assignment, and 100,000 assignments of one
-- call took minutes. One statement now adds each reviewer's count of the statement's rows.
DROP TRIGGER mail_assignment ON assignments;
DROP FUNCTION mail_assignment();

CREATE FUNCTION mail_assignments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO mail_outbox (event, template, data, recipient, recipient_name, language)
    SELECT 'assigned:' || n.call_id || ':' || n.reviewer_id || ':' || txid_current(), 'review.assigned',
           jsonb_build_object('call', n.call_id, 'reviewer', n.reviewer_id, 'count', n.count),
           r.email, r.name, r.language
    FROM (SELECT call_id, reviewer_id, count(*) AS count FROM inserted GROUP BY call_id, reviewer_id) n
    JOIN reviewers r ON r.id = n.reviewer_id
    ORDER BY n.call_id, n.reviewer_id
    ON CONFLICT (event, recipient)
    DO UPDATE SET data = jsonb_set(
        mail_outbox.data, '{count}', to_jsonb((mail_outbox.data->>'count')::int + (EXCLUDED.data->>'count')::int));
    RETURN NULL;
END
$$;

CREATE TRIGGER mail_assignments
AFTER INSERT ON assignments
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION mail_assignments();
