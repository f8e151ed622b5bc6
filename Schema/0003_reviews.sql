-- Review: reviewers with their affiliation and declared conflicts, who reviews what, and the
-- reviews themselves. Conflicts of interest are enforced here, not only suggested.

CREATE TABLE reviewers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    email text NOT NULL CHECK (email LIKE '%_@_%._%'),
    affiliation_id bigint REFERENCES organisations (id),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX reviewers_email_key ON reviewers (lower(email));

CREATE TABLE reviewer_conflicts (
    reviewer_id bigint NOT NULL REFERENCES reviewers (id),
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    reason text NOT NULL DEFAULT '',
    declared_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (reviewer_id, organisation_id)
);

CREATE TABLE reviewer_tokens (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reviewer_id bigint NOT NULL REFERENCES reviewers (id),
    token_sha256 text NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
    hint text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

CREATE TABLE assignments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id bigint NOT NULL REFERENCES calls (id),
    submission_id bigint NOT NULL REFERENCES submissions (id),
    reviewer_id bigint NOT NULL REFERENCES reviewers (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (submission_id, reviewer_id)
);

CREATE INDEX assignments_call_idx ON assignments (call_id);
CREATE INDEX assignments_reviewer_idx ON assignments (reviewer_id);

-- A reviewer is conflicted with the organisation they are affiliated with and every
-- organisation they declared; such an assignment is refused whatever path it comes by.
CREATE FUNCTION reviewer_is_conflicted(p_reviewer_id bigint, p_organisation_id bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM reviewers WHERE id = p_reviewer_id AND affiliation_id = p_organisation_id)
        OR EXISTS (
            SELECT 1 FROM reviewer_conflicts WHERE reviewer_id = p_reviewer_id AND organisation_id = p_organisation_id
        )
$$;

CREATE FUNCTION assignments_refuse_conflicts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    organisation bigint;
BEGIN
    SELECT organisation_id INTO organisation FROM submissions WHERE id = NEW.submission_id;
    IF reviewer_is_conflicted(NEW.reviewer_id, organisation) THEN
        RAISE EXCEPTION 'reviewer % is conflicted with organisation %', NEW.reviewer_id, organisation
            USING ERRCODE = 'CF030', DETAIL = NEW.reviewer_id || '|' || NEW.submission_id;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER assignments_refuse_conflicts
BEFORE INSERT OR UPDATE ON assignments
FOR EACH ROW EXECUTE FUNCTION assignments_refuse_conflicts();

CREATE TABLE reviews (
    assignment_id bigint PRIMARY KEY REFERENCES assignments (id) ON DELETE CASCADE,
    -- Criterion key → score in thousandths of a point (2.5 → 2500): exact sums and means.
    scores jsonb NOT NULL DEFAULT '{}',
    comments jsonb NOT NULL DEFAULT '{}',
    final boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    finalised_at timestamptz,
    reopened_reason text
);

-- A finalised review is immutable; the only change allowed is an admin's reopening, which
-- must give a reason.
CREATE FUNCTION reviews_guard_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.final THEN
        IF NEW.final OR NEW.scores IS DISTINCT FROM OLD.scores OR NEW.comments IS DISTINCT FROM OLD.comments
           OR NEW.reopened_reason IS NULL OR NEW.reopened_reason IS NOT DISTINCT FROM OLD.reopened_reason THEN
            RAISE EXCEPTION 'review % is final', OLD.assignment_id
                USING ERRCODE = 'CF031', DETAIL = OLD.assignment_id::text;
        END IF;
    END IF;
    NEW.updated_at := now();
    IF NEW.final AND NOT OLD.final THEN
        NEW.finalised_at := now();
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER reviews_guard_final
BEFORE UPDATE ON reviews
FOR EACH ROW EXECUTE FUNCTION reviews_guard_final();

-- Declaring a conflict removes the reviewer's assignments on that organisation's submissions,
-- reviews included: a conflicted opinion must not count.
CREATE FUNCTION reviewer_conflicts_drop_assignments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM assignments a USING submissions s
    WHERE a.submission_id = s.id AND a.reviewer_id = NEW.reviewer_id AND s.organisation_id = NEW.organisation_id;
    RETURN NEW;
END
$$;

CREATE TRIGGER reviewer_conflicts_drop_assignments
AFTER INSERT ON reviewer_conflicts
FOR EACH ROW EXECUTE FUNCTION reviewer_conflicts_drop_assignments();
