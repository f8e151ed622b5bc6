-- Text people type, defined once for Swift and SQL. FundCore's `TextRule` holds the same
-- definition, because it is what tells the user which field is wrong and why; these CHECKs are
-- the rule itself, whatever path a row comes by. `TextRuleTests` runs one table of cases through
-- both and fails when they disagree.
--
-- Until now Swift counted visible characters and trimmed every kind of space while these CHECKs
-- counted code points after trimming plain spaces only: French typed on some systems arrives
-- decomposed ("e" then a combining accent), so a 150-letter title passed Swift and failed here.
--
-- Clean text: Unicode NFC, line ends as LF in multi-line text, and trimmed at both ends of
-- Unicode's White_Space characters and the invisible format characters (zero-width spaces and
-- joiners, word joiner, byte-order mark, direction marks, embeddings, overrides, isolates).
-- Length: code points of clean text (`char_length`). Control characters are refused inside text,
-- but for tab and line feed in multi-line text.

CREATE FUNCTION cfund_clean(t text, multiline boolean DEFAULT false) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(
        CASE WHEN multiline THEN regexp_replace(normalize(t, NFC), '\r\n?', E'\n', 'g') ELSE normalize(t, NFC) END,
        '^[\u0009-\u000D\u0020\u0085\u00A0\u1680\u180E\u2000-\u200F\u2028-\u202F\u205F-\u2064\u2066-\u206F\u3000\uFEFF]+'
        || '|[\u0009-\u000D\u0020\u0085\u00A0\u1680\u180E\u2000-\u200F\u2028-\u202F\u205F-\u2064\u2066-\u206F\u3000\uFEFF]+$',
        '', 'g')
$$;

-- Whether text, once clean, is between the lengths and free of refused control characters.
CREATE FUNCTION cfund_text_fits(t text, min_length integer, max_length integer, multiline boolean DEFAULT false)
RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT char_length(c) BETWEEN min_length AND max_length
       AND c !~ CASE WHEN multiline THEN '[\u0001-\u0008\u000B-\u001F\u007F-\u009F]'
                     ELSE '[\u0001-\u001F\u007F-\u009F]' END
    FROM cfund_clean(t, multiline) c
$$;

ALTER TABLE organisations
    DROP CONSTRAINT organisations_name_check,
    DROP CONSTRAINT organisations_country_check,
    ADD CONSTRAINT organisations_name_text CHECK (cfund_text_fits(name, 1, 200)),
    ADD CONSTRAINT organisations_city_text CHECK (cfund_text_fits(city, 0, 200)),
    ADD CONSTRAINT organisations_country_text CHECK (cfund_text_fits(country, 1, 100));

ALTER TABLE envelopes
    DROP CONSTRAINT envelopes_name_check,
    ADD CONSTRAINT envelopes_name_text CHECK (cfund_text_fits(name, 1, 200));

ALTER TABLE calls
    DROP CONSTRAINT calls_title_check,
    ADD CONSTRAINT calls_title_text CHECK (cfund_text_fits(title, 3, 200));

ALTER TABLE submissions
    DROP CONSTRAINT submissions_title_check,
    DROP CONSTRAINT submissions_summary_check,
    DROP CONSTRAINT submissions_idempotency_key_check,
    ADD CONSTRAINT submissions_title_text CHECK (cfund_text_fits(title, 3, 200)),
    ADD CONSTRAINT submissions_summary_text CHECK (cfund_text_fits(summary, 0, 5000, true)),
    ADD CONSTRAINT submissions_contact_name_text CHECK (cfund_text_fits(contact_name, 1, 200)),
    ADD CONSTRAINT submissions_contact_email_text
        CHECK (cfund_text_fits(contact_email, 3, 254) AND contact_email LIKE '%_@_%._%'),
    ADD CONSTRAINT submissions_idempotency_key_text CHECK (cfund_text_fits(idempotency_key, 1, 255));

ALTER TABLE reviewers
    DROP CONSTRAINT reviewers_name_check,
    DROP CONSTRAINT reviewers_email_check,
    ADD CONSTRAINT reviewers_name_text CHECK (cfund_text_fits(name, 1, 200)),
    ADD CONSTRAINT reviewers_email_text CHECK (cfund_text_fits(email, 3, 254) AND email LIKE '%_@_%._%');

-- Why an admin acted: free text, kept readable.
ALTER TABLE reviewer_conflicts ADD CONSTRAINT reviewer_conflicts_reason_text CHECK (cfund_text_fits(reason, 0, 2000, true));
ALTER TABLE reviews ADD CONSTRAINT reviews_reopened_reason_text CHECK (cfund_text_fits(reopened_reason, 0, 2000, true));
ALTER TABLE allocation_runs
    ADD CONSTRAINT allocation_runs_reason_text CHECK (cfund_text_fits(reason, 0, 2000, true)),
    ADD CONSTRAINT allocation_runs_superseded_reason_text CHECK (cfund_text_fits(superseded_reason, 0, 2000, true));
ALTER TABLE grants ADD CONSTRAINT grants_decline_reason_text CHECK (cfund_text_fits(decline_reason, 0, 2000, true));
