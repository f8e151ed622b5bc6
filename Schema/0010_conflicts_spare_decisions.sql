-- Declaring a conflict (or a recusal) withdrew the reviewer's assignments on that organisation's
-- submissions in every call, decided ones included: a final review a standing decision rests on
-- disappeared with its scores, and the decision could no longer be explained. A decided call's
-- reviews are history now; only calls still to decide lose the tainted assignments.
CREATE OR REPLACE FUNCTION reviewer_conflicts_drop_assignments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM assignments a USING submissions s, calls c
    WHERE a.submission_id = s.id AND c.id = a.call_id AND c.status <> 'decided'
      AND a.reviewer_id = NEW.reviewer_id AND s.organisation_id = NEW.organisation_id;
    RETURN NEW;
END
$$;
