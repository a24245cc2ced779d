-- 40_rules.sql: rules of the standard that a CHECK or FOREIGN KEY cannot hold.
--
-- Each rule raises its own SQLSTATE in class 23 (integrity constraint
-- violation) with an implementation-defined subclass "S":  23S01 ... 23S14.
-- docs/errors.md lists them.
--
-- The trigger functions are SECURITY DEFINER (owner: the superuser who created
-- the extension) with a pinned search_path: a rule must see every row it
-- depends on and apply its side effects (superseding a policy version,
-- obsoleting a document version, flagging emergency plans) even when row-level
-- security hides those rows from the user who fired it.  They cannot be called
-- except as triggers.  Messages are written for a security manager.
-- Dates in DETAIL texts are written as YYYY-MM-DD whatever the session's
-- DateStyle, so a message reads the same for every user and in every log.

-- Is the person appointed, on the given day, to a role with the given flag?
CREATE FUNCTION scsm.holds_role(p_org bigint, p_person bigint, p_day date, p_flag text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = scsm, pg_catalog, pg_temp
AS $$
    SELECT EXISTS (
        SELECT 1
          FROM scsm.appointment a
          JOIN scsm.role r USING (org_id, role_id)
         WHERE a.org_id = p_org AND a.person_id = p_person
           AND a.valid_from <= p_day AND (a.valid_until IS NULL OR a.valid_until >= p_day)
           AND CASE p_flag
                   WHEN 'top_management' THEN r.is_top_management
                   WHEN 'sms_lead' THEN r.is_sms_lead
                   WHEN 'objectives_lead' THEN r.is_objectives_lead
                   WHEN 'any' THEN true
                   ELSE false
               END)
$$;
COMMENT ON FUNCTION scsm.holds_role(bigint, bigint, date, text) IS
    'True if the person is appointed on that day to a role with the flag top_management, sms_lead, objectives_lead or any';

-- 4.2: a policy version becomes current only when endorsed by an appointed
-- top-management member; the version it replaces becomes superseded.
CREATE FUNCTION scsm.tg_policy_version_rules() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = scsm, pg_catalog, pg_temp
AS $$
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
    IF TG_OP = 'UPDATE' AND OLD.status IN ('superseded', 'withdrawn') AND NEW.status <> OLD.status THEN
        RAISE EXCEPTION 'a superseded or withdrawn policy version cannot be brought back'
            USING ERRCODE = '23S02',
                  DETAIL = format('Version %s of policy %s is %s.', OLD.version, OLD.policy_id, OLD.status),
                  HINT = 'Create a new version with the wording you want and have it endorsed.';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status <> 'draft' AND NEW.status = 'draft' THEN
        RAISE EXCEPTION 'an endorsed policy version cannot return to draft'
            USING ERRCODE = '23S02',
                  DETAIL = format('Version %s of policy %s is %s.', OLD.version, OLD.policy_id, OLD.status),
                  HINT = 'Create a new version instead.';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status <> 'draft'
       AND (NEW.body IS DISTINCT FROM OLD.body OR NEW.version <> OLD.version OR NEW.policy_id <> OLD.policy_id
            OR NEW.endorsed_by IS DISTINCT FROM OLD.endorsed_by OR NEW.endorsed_on IS DISTINCT FROM OLD.endorsed_on) THEN
        RAISE EXCEPTION 'the wording of an endorsed policy version cannot change'
            USING ERRCODE = '23S02',
                  DETAIL = format('Version %s of policy %s is %s.', OLD.version, OLD.policy_id, OLD.status),
                  HINT = 'Create a new version instead.';
    END IF;
    IF NEW.status = 'current' AND (TG_OP = 'INSERT' OR OLD.status <> 'current') THEN
        IF NEW.endorsed_by IS NULL OR NEW.endorsed_on IS NULL THEN
            RAISE EXCEPTION 'a policy version cannot become current before top management endorses it'
                USING ERRCODE = '23S01',
                      DETAIL = format('Version %s of policy %s has no endorsement.', NEW.version, NEW.policy_id),
                      HINT = 'Set endorsed_by and endorsed_on to an appointed top-management member and the date.';
        END IF;
        IF NOT scsm.holds_role(NEW.org_id, NEW.endorsed_by, NEW.endorsed_on, 'top_management') THEN
            RAISE EXCEPTION 'a policy must be endorsed by an appointed member of top management'
                USING ERRCODE = '23S01',
                      DETAIL = format('Person %s held no top-management appointment on %s.', NEW.endorsed_by, to_char(NEW.endorsed_on, 'YYYY-MM-DD')),
                      HINT = 'Appoint the person to a role marked is_top_management, or have such a member endorse it.';
        END IF;
        IF EXISTS (SELECT 1 FROM scsm.policy_version
                    WHERE org_id = NEW.org_id AND policy_id = NEW.policy_id
                      AND version > NEW.version AND status IN ('current', 'superseded')) THEN
            RAISE EXCEPTION 'an older policy version cannot replace a newer one'
                USING ERRCODE = '23S02',
                      DETAIL = format('Policy %s already has an endorsed version above %s.', NEW.policy_id, NEW.version),
                      HINT = 'Create a new version with a higher number and have it endorsed.';
        END IF;
        UPDATE scsm.policy_version
           SET status = 'superseded'
         WHERE org_id = NEW.org_id AND policy_id = NEW.policy_id AND status = 'current'
           AND version <> NEW.version;
        IF NEW.effective_from IS NULL THEN
            NEW.effective_from := NEW.endorsed_on;
        END IF;
        IF NEW.next_review_due IS NULL THEN
            NEW.next_review_due := (NEW.effective_from + (SELECT review_interval FROM scsm.policy
                                                           WHERE org_id = NEW.org_id AND policy_id = NEW.policy_id))::date;
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_policy_version_rules() IS 'Trigger: endorsement before a policy version becomes current (4.2 h)';
CREATE TRIGGER policy_version_rules BEFORE INSERT OR UPDATE ON scsm.policy_version
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_policy_version_rules();

-- 4.3.3 / 4.3.4: objectives derive from a policy in force, targets from a live objective.
CREATE FUNCTION scsm.tg_objective_rules() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = scsm, pg_catalog, pg_temp
AS $$
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
    IF TG_TABLE_NAME = 'objective' THEN
        IF TG_OP = 'INSERT' OR NEW.policy_id <> OLD.policy_id THEN
            -- a policy that does not exist (or belongs to another organization) is the
            -- foreign key's business (23503), not this rule's
            IF EXISTS (SELECT 1 FROM scsm.policy WHERE org_id = NEW.org_id AND policy_id = NEW.policy_id)
               AND NOT EXISTS (SELECT 1 FROM scsm.policy_version
                            WHERE org_id = NEW.org_id AND policy_id = NEW.policy_id AND status = 'current') THEN
                RAISE EXCEPTION 'an objective must derive from a policy that is in force'
                    USING ERRCODE = '23S03',
                          DETAIL = format('Policy %s has no current, endorsed version.', NEW.policy_id),
                          HINT = 'Have top management endorse a version of the policy first.';
            END IF;
        END IF;
    ELSE
        IF TG_OP = 'INSERT' OR NEW.objective_id <> OLD.objective_id THEN
            IF EXISTS (SELECT 1 FROM scsm.objective
                        WHERE org_id = NEW.org_id AND objective_id = NEW.objective_id AND status <> 'active') THEN
                RAISE EXCEPTION 'a % must belong to an active objective', TG_TABLE_NAME
                    USING ERRCODE = '23S03',
                          DETAIL = format('Objective %s is achieved or withdrawn.', NEW.objective_id),
                          HINT = format('Attach the %s to an active objective.', TG_TABLE_NAME);
            END IF;
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_objective_rules() IS 'Trigger: objectives derive from a policy in force; targets and programmes serve an active objective (4.3.3-4.3.5)';
CREATE TRIGGER objective_rules BEFORE INSERT OR UPDATE ON scsm.objective
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_objective_rules();
CREATE TRIGGER target_rules BEFORE INSERT OR UPDATE ON scsm.target
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_objective_rules();
CREATE TRIGGER programme_rules BEFORE INSERT OR UPDATE ON scsm.programme
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_objective_rules();

-- 4.5.3: proposed actions go through risk assessment before implementation,
-- unless implementing at once forestalls imminent exposure; an action is closed
-- only once its effectiveness is confirmed.
CREATE FUNCTION scsm.tg_corrective_action_rules() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = scsm, pg_catalog, pg_temp
AS $$
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
    IF TG_OP = 'UPDATE' AND OLD.status IN ('closed', 'cancelled') AND NEW.status <> OLD.status THEN
        RAISE EXCEPTION 'a closed or cancelled action cannot be reopened'
            USING ERRCODE = '23S05',
                  DETAIL = format('Action %s is %s.', OLD.action_id, OLD.status),
                  HINT = 'Raise a new action instead.';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.status <> 'cancelled'
       AND array_position(ARRAY['proposed', 'risk_reviewed', 'implemented', 'verified', 'closed'], NEW.status)
         < array_position(ARRAY['proposed', 'risk_reviewed', 'implemented', 'verified', 'closed'], OLD.status) THEN
        RAISE EXCEPTION 'an action cannot go back to an earlier status'
            USING ERRCODE = '23S05',
                  DETAIL = format('Action %s is %s and cannot become %s.', OLD.action_id, OLD.status, NEW.status),
                  HINT = 'Record what happened on the action as it stands, or cancel it and raise a new one.';
    END IF;
    IF NEW.status IN ('implemented', 'verified', 'closed') THEN
        IF NEW.implemented_on IS NULL THEN
            NEW.implemented_on := current_date;
        END IF;
        IF NOT NEW.emergency AND (NEW.risk_reviewed_on IS NULL OR NEW.risk_reviewed_on > NEW.implemented_on) THEN
            RAISE EXCEPTION 'this action cannot be implemented before it has been through risk review'
                USING ERRCODE = '23S04',
                      DETAIL = format('Action %s (%s) has no risk review dated on or before %s.',
                                      NEW.action_id, NEW.kind, to_char(NEW.implemented_on, 'YYYY-MM-DD')),
                      HINT = 'Record risk_reviewed_on and risk_review, or mark it an emergency with a justification if waiting would expose people or the public to imminent harm.';
        END IF;
    END IF;
    IF NEW.status = 'risk_reviewed' AND NEW.risk_reviewed_on IS NULL THEN
        RAISE EXCEPTION 'an action marked risk-reviewed needs the review recorded'
            USING ERRCODE = '23S04',
                  DETAIL = format('Action %s has no risk_reviewed_on.', NEW.action_id),
                  HINT = 'Fill in risk_reviewed_on and risk_review.';
    END IF;
    IF NEW.status IN ('verified', 'closed') AND NEW.effectiveness_checked_on IS NULL THEN
        RAISE EXCEPTION 'an action cannot be verified or closed before its effectiveness is checked'
            USING ERRCODE = '23S05',
                  DETAIL = format('Action %s has no effectiveness check.', NEW.action_id),
                  HINT = 'Record effectiveness_checked_on and whether it was effective.';
    END IF;
    -- verified means the effectiveness was confirmed (4.5.3 e); a verified
    -- action is what lets a nonconformity close (23S07)
    IF NEW.status IN ('verified', 'closed') AND NOT NEW.effective THEN
        RAISE EXCEPTION 'an ineffective action cannot be verified or closed'
            USING ERRCODE = '23S05',
                  DETAIL = format('Action %s was found not effective on %s.', NEW.action_id, to_char(NEW.effectiveness_checked_on, 'YYYY-MM-DD')),
                  HINT = 'Raise a new corrective action, or cancel this one with a reason.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_corrective_action_rules() IS 'Trigger: risk review before implementation unless emergency; effectiveness before closure (4.5.3)';
CREATE TRIGGER corrective_action_rules BEFORE INSERT OR UPDATE ON scsm.corrective_action
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_corrective_action_rules();

-- 4.5.3: a nonconformity closes only when its actions are done; a nonconformity
-- from an audit matches the finding it comes from.
CREATE FUNCTION scsm.tg_nonconformity_rules() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = scsm, pg_catalog, pg_temp
AS $$
DECLARE
    f record;
    open_actions int;
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
    IF NEW.finding_id IS NOT NULL THEN
        SELECT kind, clause INTO f FROM scsm.audit_finding WHERE org_id = NEW.org_id AND finding_id = NEW.finding_id;
        IF f.kind NOT IN ('minor_nc', 'major_nc') THEN
            RAISE EXCEPTION 'only a nonconformity finding can open a nonconformity'
                USING ERRCODE = '23S06',
                      DETAIL = format('Finding %s is recorded as %s.', NEW.finding_id, f.kind),
                      HINT = 'Record the finding as minor_nc or major_nc first.';
        END IF;
        IF (f.kind = 'major_nc') <> (NEW.severity = 'major') THEN
            RAISE EXCEPTION 'the nonconformity''s severity must match its audit finding'
                USING ERRCODE = '23S06',
                      DETAIL = format('Finding %s is a %s but the nonconformity says %s.', NEW.finding_id, f.kind, NEW.severity);
        END IF;
        IF NEW.clause IS NULL THEN
            NEW.clause := f.clause;
        END IF;
    END IF;
    IF NEW.closed_on IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.closed_on IS NULL) THEN
        SELECT count(*) INTO open_actions
          FROM scsm.corrective_action
         WHERE org_id = NEW.org_id AND nc_id = NEW.nc_id AND status NOT IN ('verified', 'closed', 'cancelled');
        IF open_actions > 0 OR NOT EXISTS (SELECT 1 FROM scsm.corrective_action
                                            WHERE org_id = NEW.org_id AND nc_id = NEW.nc_id
                                              AND status IN ('verified', 'closed')) THEN
            RAISE EXCEPTION 'a nonconformity cannot be closed before its corrective actions are verified'
                USING ERRCODE = '23S07',
                      DETAIL = format('Nonconformity %s has %s open action(s) and needs at least one verified.', NEW.nc_id, open_actions),
                      HINT = 'Verify the effectiveness of its corrective actions first.';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_nonconformity_rules() IS 'Trigger: nonconformity matches its finding; closes only after verified actions (4.5.3 d, e)';
CREATE TRIGGER nonconformity_rules BEFORE INSERT OR UPDATE ON scsm.nonconformity
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_nonconformity_rules();

-- 4.4.6: consider the threats and risks of a change before implementing it.
CREATE FUNCTION scsm.tg_change_request_rules() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = scsm, pg_catalog, pg_temp
AS $$
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
    IF TG_OP = 'UPDATE' AND NEW.status <> OLD.status
       AND (OLD.status IN ('implemented', 'rejected')
            OR array_position(ARRAY['proposed', 'assessed', 'approved', 'implemented'], NEW.status)
             < array_position(ARRAY['proposed', 'assessed', 'approved', 'implemented'], OLD.status)) THEN
        RAISE EXCEPTION 'a change cannot go back to an earlier status'
            USING ERRCODE = '23S08',
                  DETAIL = format('Change %s "%s" is %s and cannot become %s.', OLD.change_id, OLD.title, OLD.status, NEW.status),
                  HINT = 'Raise a new change request instead.';
    END IF;
    IF NEW.status = 'assessed' AND NEW.risk_assessed_on IS NULL THEN
        RAISE EXCEPTION 'a change marked assessed needs its risk assessment recorded'
            USING ERRCODE = '23S08',
                  DETAIL = format('Change %s "%s" has no risk assessment.', NEW.change_id, NEW.title),
                  HINT = 'Record risk_assessed_on, risk_assessed_by and risk_assessment first.';
    END IF;
    IF NEW.status IN ('approved', 'implemented') AND NEW.risk_assessed_on IS NULL THEN
        RAISE EXCEPTION 'a change cannot be % before its security risks are assessed', NEW.status
            USING ERRCODE = '23S08',
                  DETAIL = format('Change %s "%s" has no risk assessment.', NEW.change_id, NEW.title),
                  HINT = 'Record risk_assessed_on, risk_assessed_by and risk_assessment first.';
    END IF;
    IF NEW.status IN ('approved', 'implemented') AND NEW.approved_by IS NULL THEN
        RAISE EXCEPTION 'a change cannot be % without recording who approved it', NEW.status
            USING ERRCODE = '23S08',
                  DETAIL = format('Change %s "%s" has no approver.', NEW.change_id, NEW.title),
                  HINT = 'Set approved_by to the person who approved the change after its risk assessment.';
    END IF;
    IF NEW.status = 'implemented' THEN
        IF NEW.implemented_on IS NULL THEN
            NEW.implemented_on := current_date;
        END IF;
        IF NEW.risk_assessed_on > NEW.implemented_on THEN
            RAISE EXCEPTION 'a change cannot be implemented before its security risks are assessed'
                USING ERRCODE = '23S08',
                      DETAIL = format('Change %s was assessed on %s, after implementation on %s.',
                                      NEW.change_id, to_char(NEW.risk_assessed_on, 'YYYY-MM-DD'),
                                      to_char(NEW.implemented_on, 'YYYY-MM-DD')),
                      HINT = 'The assessment must come first.';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_change_request_rules() IS 'Trigger: risk assessment before a change is approved or implemented (4.4.6)';
CREATE TRIGGER change_request_rules BEFORE INSERT OR UPDATE ON scsm.change_request
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_change_request_rules();

-- 4.5.1: a measurement taken with equipment needs that equipment in calibration.
CREATE FUNCTION scsm.tg_measurement_rules() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = scsm, pg_catalog, pg_temp
AS $$
DECLARE
    last_cal record;
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
    IF NEW.equipment_id IS NOT NULL THEN
        SELECT performed_on, result, next_due INTO last_cal
          FROM scsm.calibration
         WHERE org_id = NEW.org_id AND equipment_id = NEW.equipment_id AND kind = 'calibration'
           AND performed_on <= NEW.measured_at::date
         ORDER BY performed_on DESC, calibration_id DESC
         LIMIT 1;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'this measurement uses equipment that had never been calibrated'
                USING ERRCODE = '23S09',
                      DETAIL = format('Equipment %s has no calibration on or before %s.', NEW.equipment_id, to_char(NEW.measured_at::date, 'YYYY-MM-DD')),
                      HINT = 'Record the calibration first, or record the measurement without the equipment.';
        ELSIF last_cal.result = 'fail' THEN
            RAISE EXCEPTION 'this measurement uses equipment that failed its last calibration'
                USING ERRCODE = '23S09',
                      DETAIL = format('Equipment %s failed calibration on %s.', NEW.equipment_id, to_char(last_cal.performed_on, 'YYYY-MM-DD'));
        ELSIF last_cal.next_due < NEW.measured_at::date THEN
            RAISE EXCEPTION 'this measurement uses equipment whose calibration had expired'
                USING ERRCODE = '23S09',
                      DETAIL = format('Equipment %s was due for calibration on %s; the measurement is from %s.',
                                      NEW.equipment_id, to_char(last_cal.next_due, 'YYYY-MM-DD'),
                                      to_char(NEW.measured_at::date, 'YYYY-MM-DD')),
                      HINT = 'Calibrate the equipment and measure again.';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_measurement_rules() IS 'Trigger: measurements reference equipment in calibration (4.5.1 e)';
CREATE TRIGGER measurement_rules BEFORE INSERT OR UPDATE OF equipment_id, measured_at ON scsm.measurement
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_measurement_rules();

-- 4.4.5: approving a document version makes the previous one obsolete; the
-- text of an approved or obsolete version never changes.
CREATE FUNCTION scsm.tg_document_version_rules() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = scsm, pg_catalog, pg_temp
AS $$
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
    IF TG_OP = 'UPDATE' AND OLD.status IN ('approved', 'obsolete') THEN
        IF NEW.content IS DISTINCT FROM OLD.content OR NEW.version <> OLD.version OR NEW.document_id <> OLD.document_id
           OR NEW.approved_by IS DISTINCT FROM OLD.approved_by OR NEW.approved_on IS DISTINCT FROM OLD.approved_on THEN
            RAISE EXCEPTION 'an approved document version cannot be edited'
                USING ERRCODE = '23S10',
                      DETAIL = format('Version %s of document %s is %s.', OLD.version, OLD.document_id, OLD.status),
                      HINT = 'Create a new version and have it approved.';
        END IF;
        IF OLD.status = 'obsolete' AND NEW.status <> 'obsolete' THEN
            RAISE EXCEPTION 'an obsolete document version cannot be brought back into use'
                USING ERRCODE = '23S10',
                      DETAIL = format('Version %s of document %s is obsolete.', OLD.version, OLD.document_id),
                      HINT = 'Create a new version with the same content and approve it.';
        END IF;
    END IF;
    IF NEW.status = 'approved' AND (TG_OP = 'INSERT' OR OLD.status <> 'approved') THEN
        IF EXISTS (SELECT 1 FROM scsm.document_version
                    WHERE org_id = NEW.org_id AND document_id = NEW.document_id
                      AND version > NEW.version AND status IN ('approved', 'obsolete')) THEN
            RAISE EXCEPTION 'an older document version cannot be approved over a newer one'
                USING ERRCODE = '23S10',
                      DETAIL = format('Document %s already has an approved version above %s.', NEW.document_id, NEW.version);
        END IF;
        UPDATE scsm.document_version SET status = 'obsolete'
         WHERE org_id = NEW.org_id AND document_id = NEW.document_id AND status = 'approved' AND version <> NEW.version;
        IF NEW.next_review_due IS NULL THEN
            NEW.next_review_due := (NEW.approved_on + (SELECT review_interval FROM scsm.document
                                                        WHERE org_id = NEW.org_id AND document_id = NEW.document_id))::date;
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_document_version_rules() IS 'Trigger: approval obsoletes the previous version; approved text is frozen (4.4.5 b, d)';
CREATE TRIGGER document_version_rules BEFORE INSERT OR UPDATE ON scsm.document_version
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_document_version_rules();

-- 4.6: management reviews are held by top management; 4.4.1 a: one system lead at a time.
CREATE FUNCTION scsm.tg_management_review_rules() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = scsm, pg_catalog, pg_temp
AS $$
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
    IF NOT scsm.holds_role(NEW.org_id, NEW.chair, NEW.held_on, 'top_management') THEN
        RAISE EXCEPTION 'a management review must be chaired by a member of top management'
            USING ERRCODE = '23S11',
                  DETAIL = format('Person %s held no top-management appointment on %s.', NEW.chair, to_char(NEW.held_on, 'YYYY-MM-DD')),
                  HINT = 'Record the top-management member who chaired the review.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_management_review_rules() IS 'Trigger: management review chaired by top management (4.6)';
CREATE TRIGGER management_review_rules BEFORE INSERT OR UPDATE ON scsm.management_review
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_management_review_rules();

CREATE FUNCTION scsm.tg_appointment_rules() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = scsm, pg_catalog, pg_temp
AS $$
DECLARE
    is_lead boolean;
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
    SELECT is_sms_lead INTO is_lead FROM scsm.role WHERE org_id = NEW.org_id AND role_id = NEW.role_id;
    IF is_lead THEN
        -- two transactions appointing different people at once would each miss
        -- the other's row; serialize appointments to the lead role of one
        -- organization (transaction-level lock, released at commit)
        PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('scsm.appointment.sms_lead ' || NEW.org_id, 0));
    END IF;
    IF is_lead AND EXISTS (
        SELECT 1 FROM scsm.appointment a
         WHERE a.org_id = NEW.org_id AND a.role_id = NEW.role_id AND a.appointment_id <> NEW.appointment_id
           AND daterange(a.valid_from, a.valid_until, '[]') && daterange(NEW.valid_from, NEW.valid_until, '[]')) THEN
        RAISE EXCEPTION 'only one person at a time can hold the role responsible for the whole system'
            USING ERRCODE = '23S12',
                  DETAIL = format('Role %s already has an appointment overlapping %s to %s.',
                                  NEW.role_id, to_char(NEW.valid_from, 'YYYY-MM-DD'),
                                  coalesce(to_char(NEW.valid_until, 'YYYY-MM-DD'), 'open end')),
                  HINT = 'End the current appointment (valid_until) before the new one starts.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_appointment_rules() IS 'Trigger: a single holder of the system-lead role at any time (4.4.1 a)';
CREATE TRIGGER appointment_rules BEFORE INSERT OR UPDATE ON scsm.appointment
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_appointment_rules();

-- 4.5.5: auditors are independent of the activity they audit; findings belong
-- to audits that are under way or done.
CREATE FUNCTION scsm.tg_audit_rules() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = scsm, pg_catalog, pg_temp
AS $$
DECLARE
    a record;
    conflict text;
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
    IF TG_TABLE_NAME = 'audit_finding' THEN
        IF TG_OP = 'UPDATE' AND NEW.audit_id = OLD.audit_id THEN
            RETURN NEW;
        END IF;
        SELECT status INTO a FROM scsm.audit WHERE org_id = NEW.org_id AND audit_id = NEW.audit_id;
        IF a.status NOT IN ('in_progress', 'completed') THEN
            RAISE EXCEPTION 'findings can only be recorded for an audit under way or completed'
                USING ERRCODE = '23S13',
                      DETAIL = format('Audit %s is %s.', NEW.audit_id, a.status),
                      HINT = 'Set the audit in_progress first.';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'audit' THEN
        a := NEW;
        -- checked when recorded and when who, where, when or what changes;
        -- the same conflicts as the programme's (scsm.audit_independence_conflicts,
        -- 50_audit_programme.sql): site membership, roles, ownership in the area
        IF TG_OP = 'UPDATE' AND NEW.lead_auditor = OLD.lead_auditor AND NEW.site_id IS NOT DISTINCT FROM OLD.site_id
           AND NEW.planned_for = OLD.planned_for AND NEW.clauses = OLD.clauses THEN
            RETURN NEW;
        END IF;
        conflict := scsm.audit_independence_conflicts(NEW.org_id, NEW.lead_auditor, NEW.site_id, NEW.clauses, NEW.planned_for);
        -- moving the audit to another site or day, or widening its clauses,
        -- re-checks its team
        IF TG_OP = 'UPDATE' AND (NEW.site_id IS DISTINCT FROM OLD.site_id OR NEW.planned_for <> OLD.planned_for
                                 OR NEW.clauses <> OLD.clauses) THEN
            SELECT concat_ws('; ', conflict,
                             string_agg(scsm.audit_independence_conflicts(NEW.org_id, t.person_id, NEW.site_id,
                                                                          NEW.clauses, NEW.planned_for), '; '
                                        ORDER BY t.person_id))
              INTO conflict
              FROM scsm.audit_team_member t
             WHERE t.org_id = NEW.org_id AND t.audit_id = NEW.audit_id AND t.person_id <> NEW.lead_auditor;
            conflict := nullif(conflict, '');
        END IF;
    ELSE
        SELECT * INTO a FROM scsm.audit WHERE org_id = NEW.org_id AND audit_id = NEW.audit_id;
        conflict := scsm.audit_independence_conflicts(NEW.org_id, NEW.person_id, a.site_id, a.clauses, a.planned_for);
    END IF;
    IF conflict IS NOT NULL THEN
        RAISE EXCEPTION 'an auditor cannot audit a site they are responsible for'
            USING ERRCODE = '23S14',
                  DETAIL = format('For audit of site %s: %s.', a.site_id, conflict),
                  HINT = 'Choose an auditor independent of the activity audited.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_audit_rules() IS 'Trigger: auditor independence; findings only for audits under way (4.5.5)';
CREATE TRIGGER audit_rules BEFORE INSERT OR UPDATE ON scsm.audit
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_audit_rules();
CREATE TRIGGER audit_team_rules BEFORE INSERT OR UPDATE ON scsm.audit_team_member
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_audit_rules();
CREATE TRIGGER audit_finding_rules BEFORE INSERT OR UPDATE ON scsm.audit_finding
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_audit_rules();

-- 4.4.7: an incident or emergency at a site calls for a review of that site's plans.
CREATE FUNCTION scsm.tg_incident_flags_plans() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = scsm, pg_catalog, pg_temp
AS $$
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
    IF NEW.kind IN ('incident', 'emergency') THEN
        UPDATE scsm.emergency_plan SET needs_review = true
         WHERE org_id = NEW.org_id AND (site_id = NEW.site_id OR site_id IS NULL) AND NOT needs_review;
    END IF;
    IF NEW.risk_id IS NOT NULL THEN
        UPDATE scsm.risk SET needs_review = true
         WHERE org_id = NEW.org_id AND risk_id = NEW.risk_id AND NOT needs_review;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION scsm.tg_incident_flags_plans() IS
    'Trigger: an incident flags the site''s emergency plans and its risk for review (4.4.7, 4.3.1)';
CREATE TRIGGER incident_flags_plans AFTER INSERT OR UPDATE OF kind, site_id, risk_id ON scsm.incident
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_incident_flags_plans();

-- An emergency plan counts as reviewed when last_reviewed_on moves forward.
CREATE FUNCTION scsm.tg_plan_reviewed() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = scsm, pg_catalog, pg_temp
AS $$
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
    IF NEW.last_reviewed_on > OLD.last_reviewed_on AND NEW.needs_review = OLD.needs_review THEN
        NEW.needs_review := false;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_plan_reviewed() IS 'Trigger: recording a review clears the review flag of an emergency plan';
CREATE TRIGGER emergency_plan_reviewed BEFORE UPDATE ON scsm.emergency_plan
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_plan_reviewed();

-- Risk: default next review date from the review interval.
CREATE FUNCTION scsm.tg_risk_defaults() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = scsm, pg_catalog, pg_temp
AS $$
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
    IF NEW.next_review_due IS NULL OR (TG_OP = 'UPDATE' AND NEW.assessed_on > OLD.assessed_on
                                       AND NEW.next_review_due = OLD.next_review_due) THEN
        NEW.next_review_due := (NEW.assessed_on + NEW.review_interval)::date;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.assessed_on > OLD.assessed_on AND NEW.needs_review = OLD.needs_review THEN
        NEW.needs_review := false;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_risk_defaults() IS 'Trigger: next review date of a risk from its assessment date and interval';
CREATE TRIGGER risk_defaults BEFORE INSERT OR UPDATE ON scsm.risk
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_risk_defaults();

-- 4.4.1 a: one role per organization is the system lead (so 23S12 on its
-- appointments means one person); turning the flag on for a role that already
-- has overlapping holders is refused like an overlapping appointment.
CREATE UNIQUE INDEX role_one_sms_lead ON scsm.role (org_id) WHERE is_sms_lead;

CREATE FUNCTION scsm.tg_role_rules() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = scsm, pg_catalog, pg_temp
AS $$
BEGIN
    IF scsm.restoring() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
    IF NEW.is_sms_lead AND NOT OLD.is_sms_lead AND EXISTS (
        SELECT 1 FROM scsm.appointment a JOIN scsm.appointment b
               ON b.org_id = a.org_id AND b.role_id = a.role_id AND b.appointment_id > a.appointment_id
         WHERE a.org_id = NEW.org_id AND a.role_id = NEW.role_id
           AND daterange(a.valid_from, a.valid_until, '[]') && daterange(b.valid_from, b.valid_until, '[]')) THEN
        RAISE EXCEPTION 'only one person at a time can hold the role responsible for the whole system'
            USING ERRCODE = '23S12',
                  DETAIL = format('Role %s has appointments with overlapping periods.', NEW.role_id),
                  HINT = 'End all but one appointment before making this role the system lead.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION scsm.tg_role_rules() IS 'Trigger: a role becomes the system lead only if its appointments do not overlap (4.4.1 a)';
CREATE TRIGGER role_rules BEFORE UPDATE OF is_sms_lead ON scsm.role
    FOR EACH ROW EXECUTE FUNCTION scsm.tg_role_rules();

-- Indexes the rule triggers above look rows up by (foreign keys that have no
-- index of their own starting with these columns).
CREATE INDEX ON scsm.corrective_action (org_id, nc_id);   -- closing a nonconformity (23S07)
CREATE INDEX ON scsm.appointment (org_id, role_id);       -- single system lead (23S12)
CREATE INDEX ON scsm.emergency_plan (org_id, site_id);    -- incident flags plans for review
