-- The applicants' web portal: the people of an organisation who sign in (contacts), their
-- one-time sign-in links, browser sessions, drafts, and the files a submission carries.
--
-- Secrets are stored as their SHA-256 only (links, sessions), as API tokens are: a copy of the
-- database lets nobody in.

CREATE TABLE contacts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    name text NOT NULL CONSTRAINT contacts_name_text CHECK (cfund_text_fits(name, 1, 200)),
    email text NOT NULL
        CONSTRAINT contacts_email_text CHECK (cfund_text_fits(email, 3, 254) AND email LIKE '%_@_%._%'),
    language text NOT NULL DEFAULT 'fr' CONSTRAINT contacts_language_check CHECK (language IN ('fr', 'en')),
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Set by `cfund org contacts ORG --revoke`: the contact's sessions end and links stop working
    -- until they are invited again.
    revoked_at timestamptz
);

CREATE UNIQUE INDEX contacts_email_key ON contacts (organisation_id, lower(email));

-- A link is used once, within its validity (7 days from `cfund org invite`).
CREATE TABLE sign_in_links (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id bigint NOT NULL REFERENCES contacts (id),
    token_sha256 text NOT NULL CONSTRAINT sign_in_links_token_key UNIQUE
        CONSTRAINT sign_in_links_token_check CHECK (length(token_sha256) = 64),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);

-- A signed-in browser. Any replica of the server reads it here; it ends after inactivity
-- (`last_seen_at`), on signing out, or when its contact is revoked.
CREATE TABLE sessions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_sha256 text NOT NULL CONSTRAINT sessions_token_key UNIQUE
        CONSTRAINT sessions_token_check CHECK (length(token_sha256) = 64),
    contact_id bigint NOT NULL REFERENCES contacts (id),
    -- The token every form of the session carries back (synchroniser pattern against CSRF).
    csrf_token text NOT NULL CONSTRAINT sessions_csrf_check CHECK (length(csrf_token) >= 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz
);

CREATE INDEX sessions_contact_idx ON sessions (contact_id) WHERE ended_at IS NULL;

-- The files a call asks for, and how large they may be; frozen with the rest of its rules.
ALTER TABLE calls
    ADD COLUMN required_attachments text[] NOT NULL DEFAULT '{}'
        CONSTRAINT calls_required_attachments_check
        CHECK (required_attachments <@ ARRAY['description', 'budget', 'statutes', 'other']),
    ADD COLUMN max_file_bytes bigint NOT NULL DEFAULT 10485760
        CONSTRAINT calls_max_file_bytes_check CHECK (max_file_bytes BETWEEN 1024 AND 104857600),
    ADD COLUMN max_submission_bytes bigint NOT NULL DEFAULT 26214400
        CONSTRAINT calls_max_submission_bytes_check CHECK (max_submission_bytes >= max_file_bytes);

CREATE OR REPLACE FUNCTION calls_guard_lifecycle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NOT (OLD.status, NEW.status) IN (
            ('draft', 'open'), ('open', 'closed'), ('closed', 'reviewing'), ('reviewing', 'decided')
        ) AND NOT (
            (OLD.status, NEW.status) = ('decided', 'reviewing')
            AND coalesce(current_setting('cfund.revising', true), '') = 'on'
        ) THEN
            RAISE EXCEPTION 'call "%" cannot go from % to %', OLD.title, OLD.status, NEW.status
                USING ERRCODE = 'CF002',
                      DETAIL = json_build_object('call', OLD.title, 'from', OLD.status, 'to', NEW.status)::text;
        END IF;
        NEW.status_changed_at := now();
    END IF;
    IF OLD.status <> 'draft' AND (
        NEW.envelope_id, NEW.budget_cents, NEW.opens_at, NEW.closes_at, NEW.time_zone, NEW.allowed_kinds,
        NEW.label_awarded_from, NEW.label_awarded_to, NEW.label_valid_at_deadline, NEW.max_request_cents,
        NEW.max_submissions_per_org, NEW.reviews_per_submission, NEW.grid, NEW.policy, NEW.required_attachments,
        NEW.max_file_bytes, NEW.max_submission_bytes
    ) IS DISTINCT FROM (
        OLD.envelope_id, OLD.budget_cents, OLD.opens_at, OLD.closes_at, OLD.time_zone, OLD.allowed_kinds,
        OLD.label_awarded_from, OLD.label_awarded_to, OLD.label_valid_at_deadline, OLD.max_request_cents,
        OLD.max_submissions_per_org, OLD.reviews_per_submission, OLD.grid, OLD.policy, OLD.required_attachments,
        OLD.max_file_bytes, OLD.max_submission_bytes
    ) THEN
        RAISE EXCEPTION 'call "%" is % and its budget and rules are frozen', OLD.title, OLD.status
            USING ERRCODE = 'CF003', DETAIL = json_build_object('call', OLD.title, 'status', OLD.status)::text;
    END IF;
    RETURN NEW;
END
$$;

-- What an applicant is preparing: nothing here is a submission until they submit it. Fields may
-- be empty or incomplete; the rules apply when it is submitted. An amendment's draft names the
-- submission it will amend.
CREATE TABLE drafts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id bigint NOT NULL REFERENCES calls (id),
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    submission_id bigint REFERENCES submissions (id),
    title text NOT NULL DEFAULT '' CONSTRAINT drafts_title_text CHECK (cfund_text_fits(title, 0, 200)),
    summary text NOT NULL DEFAULT '' CONSTRAINT drafts_summary_text CHECK (cfund_text_fits(summary, 0, 5000, true)),
    requested_cents bigint CONSTRAINT drafts_requested_check CHECK (requested_cents >= 0),
    total_cost_cents bigint CONSTRAINT drafts_total_cost_check CHECK (total_cost_cents >= 0),
    ambitions text[] NOT NULL DEFAULT '{}' CONSTRAINT drafts_ambitions_check
        CHECK (ambitions <@ ARRAY['world_class', 'societal_challenges', 'talents_and_territories', 'green_tech']),
    contact_name text NOT NULL DEFAULT '' CONSTRAINT drafts_contact_name_text CHECK (cfund_text_fits(contact_name, 0, 200)),
    contact_email text NOT NULL DEFAULT ''
        CONSTRAINT drafts_contact_email_text CHECK (cfund_text_fits(contact_email, 0, 254)),
    created_by bigint NOT NULL REFERENCES contacts (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- Set when it became a submission or an amendment; the draft is kept, read-only.
    submitted_at timestamptz
);

CREATE INDEX drafts_organisation_idx ON drafts (organisation_id, call_id);

-- A file an organisation uploaded, for a draft (`draft_attachments`) or a version of a submission
-- (`submission_attachments`); it never changes once complete, so an amendment's draft can keep
-- the files of the version it amends. Its bytes are in `attachment_chunks`, written as they arrive
-- and read back in order, so no file is ever held whole in memory. Nothing scans files yet; a
-- scanner would set `scan_status` and the server would then serve only clean files.
CREATE TABLE attachments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    kind text NOT NULL CONSTRAINT attachments_kind_check
        CHECK (kind IN ('description', 'budget', 'statutes', 'other')),
    file_name text NOT NULL CONSTRAINT attachments_file_name_text CHECK (cfund_text_fits(file_name, 1, 255)),
    media_type text NOT NULL CONSTRAINT attachments_media_type_check CHECK (media_type IN (
        'application/pdf', 'application/vnd.oasis.opendocument.text',
        'application/vnd.oasis.opendocument.spreadsheet',
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'image/png', 'image/jpeg')),
    size_bytes bigint NOT NULL DEFAULT 0 CONSTRAINT attachments_size_check CHECK (size_bytes >= 0),
    -- Set once every byte is stored: until then the file is not part of anything.
    sha256 text CONSTRAINT attachments_sha256_check CHECK (length(sha256) = 64),
    scan_status text NOT NULL DEFAULT 'not_scanned'
        CONSTRAINT attachments_scan_status_check CHECK (scan_status IN ('not_scanned', 'clean', 'infected')),
    -- Who sent it: a contact on the portal, or an organisation token on the API.
    uploaded_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX attachments_organisation_idx ON attachments (organisation_id);

CREATE TABLE attachment_chunks (
    attachment_id bigint NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    seq integer NOT NULL CONSTRAINT attachment_chunks_seq_check CHECK (seq >= 0),
    data bytea NOT NULL,
    CONSTRAINT attachment_chunks_pkey PRIMARY KEY (attachment_id, seq)
);

CREATE TABLE draft_attachments (
    draft_id bigint NOT NULL REFERENCES drafts (id),
    attachment_id bigint NOT NULL REFERENCES attachments (id),
    CONSTRAINT draft_attachments_pkey PRIMARY KEY (draft_id, attachment_id)
);

-- The files of each version of a submission; its receipt covers their hashes.
CREATE TABLE submission_attachments (
    submission_id bigint NOT NULL REFERENCES submissions (id),
    version integer NOT NULL,
    attachment_id bigint NOT NULL REFERENCES attachments (id),
    CONSTRAINT submission_attachments_pkey PRIMARY KEY (submission_id, version, attachment_id)
);

-- What people do on the portal is recorded like the rest: contacts (invited, revoked) and files
-- (their metadata and hash, never their bytes). A submission's own event records what was
-- submitted; which files each version carries follows from it, as its versions do. Drafts are
-- work in progress, sessions and links are not fund records, and their secrets never are.
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON contacts
FOR EACH ROW EXECUTE FUNCTION audit_record('contact');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON attachments
FOR EACH ROW EXECUTE FUNCTION audit_record('attachment');
