-- Generator and driver of random audit-programme instances for
-- 50_audit_random.sh.  Everything derives from the instance number, so runs
-- repeat exactly.
CREATE SCHEMA rnd;

CREATE FUNCTION rnd.ri(lo integer, hi integer) RETURNS integer
LANGUAGE sql VOLATILE AS $$ SELECT lo + floor(random() * (hi - lo + 1))::integer $$;

-- A pseudo-random number in [0,1) from a seed and a key, independent of row order.
CREATE FUNCTION rnd.h(seed integer, key text) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$ SELECT ('x' || substr(md5(seed || ':' || key), 1, 8))::bit(32)::bigint / 4294967296.0 $$;

CREATE FUNCTION rnd.make(seed integer) RETURNS bigint
LANGUAGE plpgsql SET search_path = scsm, public, pg_catalog AS $$
DECLARE
    org bigint;
    kinds text[] := ARRAY['terminal', 'warehouse', 'depot', 'office'];
    heads scsm.clause[];
    nsites integer;
    naud integer;
    p bigint;
    ext bigint;
    t bigint;
    r float8;
    rid bigint;
    a bigint;
    f bigint;
    i integer;
    j integer;
    base date := '2027-01-01';
    d date;
BEGIN
    PERFORM setseed(((seed * 7919) % 10000) / 10000.0);
    SELECT array_agg(clause ORDER BY clause) INTO heads FROM clause_catalogue WHERE kind = 'heading' AND parent IS NOT NULL;
    INSERT INTO organization (name, short_name) VALUES ('Random ' || seed, 'rnd_' || seed) RETURNING org_id INTO org;
    INSERT INTO audit_programme_config (org_id, cycle, audit_days, team_size)
    VALUES (org, (ARRAY['12 mons', '24 mons', '36 mons', '36 mons'])[rnd.ri(1, 4)]::interval,
            (ARRAY[0.5, 1, 1, 2])[rnd.ri(1, 4)], CASE WHEN random() < 0.2 THEN 2 ELSE 1 END);
    nsites := rnd.ri(1, 4);
    FOR i IN 1..nsites LOOP
        INSERT INTO site (org_id, name, kind) VALUES (org, 'S' || i, kinds[rnd.ri(1, 4)]);
    END LOOP;
    INSERT INTO person (org_id, full_name) VALUES (org, 'External') RETURNING person_id INTO ext;
    INSERT INTO threat (org_id, category, title) VALUES (org, 'a', 'Theft') RETURNING threat_id INTO t;
    naud := rnd.ri(3, 8);
    FOR i IN 1..naud LOOP
        INSERT INTO person (org_id, full_name, site_id)
        VALUES (org, 'P' || i, CASE WHEN random() < 0.3
                                    THEN (SELECT site_id FROM site WHERE org_id = org ORDER BY site_id OFFSET rnd.ri(0, nsites - 1) LIMIT 1) END)
        RETURNING person_id INTO p;
        INSERT INTO auditor (org_id, person_id, is_lead, monthly_capacity, active)
        VALUES (org, p, random() < 0.8, rnd.ri(4, 20), random() < 0.95);
        r := random();
        IF r < 0.5 THEN
            INSERT INTO auditor_competence (org_id, person_id, clause) VALUES (org, p, '4');
        ELSIF r < 0.88 THEN
            FOR j IN 1..rnd.ri(2, 8) LOOP
                INSERT INTO auditor_competence (org_id, person_id, clause) VALUES (org, p, heads[rnd.ri(1, 23)]);
            END LOOP;
        ELSE
            INSERT INTO auditor_competence (org_id, person_id, clause, sector)
            VALUES (org, p, CASE WHEN random() < 0.5 THEN '4.4'::scsm.clause END, kinds[rnd.ri(1, 4)]);
        END IF;
        IF random() < 0.3 THEN
            d := base + rnd.ri(-60, 900);
            INSERT INTO auditor_unavailability (org_id, person_id, during) VALUES (org, p, daterange(d, d + rnd.ri(5, 200)));
        END IF;
        IF random() < 0.2 THEN
            INSERT INTO role (org_id, name, responsibilities, authority, site_id)
            VALUES (org, 'Manager ' || i, 'runs the site', 'site', (SELECT site_id FROM site WHERE org_id = org ORDER BY site_id OFFSET rnd.ri(0, nsites - 1) LIMIT 1))
            RETURNING role_id INTO rid;
            d := base + rnd.ri(-100, 600);
            INSERT INTO appointment (org_id, role_id, person_id, valid_from, valid_until)
            VALUES (org, rid, p, d, CASE WHEN random() < 0.5 THEN d + rnd.ri(30, 400) END);
        END IF;
    END LOOP;
    FOR i IN 1..rnd.ri(0, 6) LOOP
        INSERT INTO risk (org_id, threat_id, title, site_id, owner, likelihood, consequence)
        VALUES (org, t, 'R' || i, (SELECT site_id FROM site WHERE org_id = org ORDER BY site_id OFFSET rnd.ri(0, nsites - 1) LIMIT 1),
                -- the external lead of the past audits below owns nothing
                (SELECT person_id FROM person WHERE org_id = org AND person_id <> ext ORDER BY person_id OFFSET rnd.ri(0, naud - 1) LIMIT 1),
                rnd.ri(1, 10), rnd.ri(1, 10));
    END LOOP;
    PERFORM sync_audit_units(org);
    UPDATE audit_unit SET in_scope_since = base - (rnd.h(seed, 'since' || unit_id) * 400)::integer,
                          in_scope = rnd.h(seed, 'scope' || unit_id) >= 0.05
     WHERE org_id = org;
    -- some audits in the past, with findings: the closed loop sets last audits,
    -- tightened intervals and follow-ups
    FOR i IN 1..rnd.ri(0, 2) LOOP
        d := base - rnd.ri(20, 500);
        INSERT INTO audit (org_id, site_id, clauses, planned_for, lead_auditor, status)
        VALUES (org, (SELECT site_id FROM site WHERE org_id = org ORDER BY site_id OFFSET rnd.ri(0, nsites - 1) LIMIT 1),
                ARRAY[heads[rnd.ri(1, 23)], heads[rnd.ri(1, 23)]], d, ext, 'in_progress')
        RETURNING audit_id INTO a;
        IF random() < 0.5 THEN
            INSERT INTO audit_finding (org_id, audit_id, clause, kind, description)
            SELECT org, a, (clauses)[1], (ARRAY['conformity', 'minor_nc', 'major_nc'])[rnd.ri(1, 3)], 'finding'
              FROM audit WHERE org_id = org AND audit_id = a
            RETURNING finding_id INTO f;
            INSERT INTO nonconformity (org_id, source, finding_id, severity, description, raised_on)
            SELECT org, 'audit', f, CASE kind WHEN 'major_nc' THEN 'major' ELSE 'minor' END, 'nc', d
              FROM audit_finding WHERE org_id = org AND finding_id = f AND kind <> 'conformity';
        END IF;
        UPDATE audit SET status = 'completed', performed_on = d, conclusion = 'done' WHERE org_id = org AND audit_id = a;
    END LOOP;
    RETURN org;
END
$$;

-- Does the rule the planner named really leave no auditor?  Checked with
-- queries of this file only (not the planner's, not the checker's).
CREATE FUNCTION rnd.verify(org bigint, p_unit bigint, p_rule text, p_detail text, p_month date) RETURNS boolean
LANGUAGE plpgsql SET search_path = scsm, public, pg_catalog AS $$
DECLARE
    u record;
    w text[];
    w_from date;
    w_to date;
BEGIN
    SELECT au.*, s.kind INTO u FROM audit_unit au JOIN site s USING (org_id, site_id)
     WHERE au.org_id = org AND au.unit_id = p_unit;
    -- the window of months the planner says it tried ("in 2027-12 to 2028-04" or "in 2028-04")
    w := regexp_match(p_detail, ' in ([0-9]{4}-[0-9]{2})(?: to ([0-9]{4}-[0-9]{2}))?');
    w_from := coalesce((w[1] || '-01')::date, p_month);
    w_to := coalesce((w[2] || '-01')::date, w_from);
    CREATE TEMP TABLE IF NOT EXISTS cand (person_id bigint, is_lead boolean, k date, conflicted boolean, unavailable boolean);
    TRUNCATE cand;
    INSERT INTO cand
    SELECT a.person_id, a.is_lead, k,
           EXISTS (SELECT 1 FROM person p WHERE p.org_id = org AND p.person_id = a.person_id AND p.site_id = u.site_id)
           OR EXISTS (SELECT 1 FROM appointment ap JOIN role r USING (org_id, role_id)
                       WHERE ap.org_id = org AND ap.person_id = a.person_id AND r.site_id = u.site_id
                         AND ap.valid_from < (k + interval '1 month')::date AND (ap.valid_until IS NULL OR ap.valid_until >= k))
           OR EXISTS (SELECT 1 FROM risk x WHERE x.org_id = org AND x.owner = a.person_id AND x.site_id = u.site_id
                         AND x.status <> 'closed' AND ('4.3.1' @> u.clause OR u.clause @> '4.3.1')),
           EXISTS (SELECT 1 FROM auditor_unavailability un WHERE un.org_id = org AND un.person_id = a.person_id
                      AND un.during && daterange(k, (k + interval '1 month')::date))
      FROM auditor a
      CROSS JOIN LATERAL (SELECT g::date AS k FROM generate_series(w_from, w_to, interval '1 month') g) g
     WHERE a.org_id = org AND a.active
       AND EXISTS (SELECT 1 FROM auditor_competence c WHERE c.org_id = org AND c.person_id = a.person_id
                      AND (c.clause IS NULL OR c.clause @> u.clause) AND (c.sector IS NULL OR c.sector = u.kind));
    RETURN CASE p_rule
        WHEN 'competence' THEN NOT EXISTS (SELECT 1 FROM cand)
        WHEN 'lead' THEN EXISTS (SELECT 1 FROM cand) AND NOT EXISTS (SELECT 1 FROM cand WHERE is_lead)
        WHEN 'independence' THEN EXISTS (SELECT 1 FROM cand WHERE is_lead) AND NOT EXISTS (SELECT 1 FROM cand WHERE is_lead AND NOT conflicted)
        WHEN 'unavailability' THEN EXISTS (SELECT 1 FROM cand WHERE is_lead AND NOT conflicted)
                               AND NOT EXISTS (SELECT 1 FROM cand WHERE is_lead AND NOT conflicted AND NOT unavailable)
        WHEN 'capacity' THEN EXISTS (SELECT 1 FROM cand WHERE is_lead AND NOT conflicted AND NOT unavailable)
        ELSE false END;
END
$$;

CREATE FUNCTION rnd.run(n integer, OUT total integer, OUT feasible integer, OUT infeasible integer, OUT violations integer,
                        OUT wrong_diag integer, OUT rules text, OUT nondet integer)
LANGUAGE plpgsql SET search_path = scsm, public, pg_catalog AS $$
DECLARE
    org bigint;
    pid bigint;
    pid2 bigint;
    h interval;
    st date := '2027-01-01';
    v integer;
    d record;
    nd integer;
    counts jsonb := '{}';
BEGIN
    total := 0; feasible := 0; infeasible := 0; violations := 0; wrong_diag := 0; nondet := 0;
    FOR i IN 1..n LOOP
        org := rnd.make(i);
        h := make_interval(months => rnd.ri(3, 40));
        BEGIN
            pid := plan_audit_programme_id(org, st, h);
            feasible := feasible + 1;
            SELECT count(*) INTO v FROM check_audit_programme(org, pid);
            IF v > 0 THEN
                RAISE WARNING 'instance % (org %): % violations, e.g. %', i, org, v,
                    (SELECT rule || ': ' || detail FROM check_audit_programme(org, pid) LIMIT 1);
            END IF;
            violations := violations + v;
            IF feasible <= 30 THEN
                pid2 := plan_audit_programme_id(org, st, h);
                IF EXISTS ((SELECT unit_id, period, lead_auditor, team, reason FROM planned_audit WHERE org_id = org AND programme_id = pid
                            EXCEPT ALL
                            SELECT unit_id, period, lead_auditor, team, reason FROM planned_audit WHERE org_id = org AND programme_id = pid2)
                           UNION ALL
                           (SELECT unit_id, period, lead_auditor, team, reason FROM planned_audit WHERE org_id = org AND programme_id = pid2
                            EXCEPT ALL
                            SELECT unit_id, period, lead_auditor, team, reason FROM planned_audit WHERE org_id = org AND programme_id = pid)) THEN
                    nondet := nondet + 1;
                END IF;
            END IF;
        EXCEPTION WHEN object_not_in_prerequisite_state THEN
            infeasible := infeasible + 1;
            nd := 0;
            FOR d IN SELECT * FROM audit_programme_diagnostics(org, st, h) LOOP
                nd := nd + 1;
                counts := jsonb_set(counts, ARRAY[d.rule], to_jsonb(coalesce((counts ->> d.rule)::integer, 0) + 1));
                IF NOT rnd.verify(org, d.unit_id, d.rule, d.detail, d.due_month) THEN
                    wrong_diag := wrong_diag + 1;
                    RAISE WARNING 'instance % (org %): diagnosis does not hold: unit % rule % month %: %',
                        i, org, d.unit_id, d.rule, d.due_month, d.detail;
                END IF;
            END LOOP;
            IF nd = 0 THEN
                wrong_diag := wrong_diag + 1;
                RAISE WARNING 'instance % (org %): infeasible but no diagnostics', i, org;
            END IF;
        END;
        total := total + 1;
    END LOOP;
    rules := counts::text;
END
$$;
