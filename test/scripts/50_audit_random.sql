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
-- Does the rule the planner named really leave no auditor?  Checked with
-- queries of this file only (not the planner's, not the checker's).  With a
-- team size above 1 a team (an independent lead and team size - 1 other
-- independent auditors in one month) must be impossible for independence or
-- unavailability, and possible but for capacity for capacity.  Capacity is
-- proved further by rnd.relax below.
CREATE FUNCTION rnd.verify(org bigint, p_unit bigint, p_rule text, p_detail text, p_month date) RETURNS boolean
-- small tables, large estimates: JIT would compile for every call
LANGUAGE plpgsql SET search_path = scsm, public, pg_catalog SET jit = off AS $$
DECLARE
    u record;
    w text[];
    w_from date;
    w_to date;
    ts integer := coalesce((SELECT team_size FROM audit_programme_config WHERE org_id = org), 1);
    lead_ok boolean;
    team_indep boolean;
    team_avail boolean;
BEGIN
    SELECT au.*, s.kind INTO u FROM audit_unit au JOIN site s USING (org_id, site_id)
     WHERE au.org_id = org AND au.unit_id = p_unit;
    -- the window of months the planner says it tried ("in 2027-12 to 2028-04" or "in 2028-04")
    w := regexp_match(p_detail, ' in ([0-9]{4}-[0-9]{2})(?: to ([0-9]{4}-[0-9]{2}))?');
    w_from := coalesce((w[1] || '-01')::date, p_month);
    w_to := coalesce((w[2] || '-01')::date, w_from);
    -- every active auditor in every month of the window
    CREATE TEMP TABLE IF NOT EXISTS allaud (person_id bigint, is_lead boolean, competent boolean, k date,
                                           conflicted boolean, unavailable boolean);
    TRUNCATE allaud;
    INSERT INTO allaud
    SELECT a.person_id, a.is_lead,
           EXISTS (SELECT 1 FROM auditor_competence c WHERE c.org_id = org AND c.person_id = a.person_id
                      AND (c.clause IS NULL OR c.clause @> u.clause) AND (c.sector IS NULL OR c.sector = u.kind)),
           k,
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
     WHERE a.org_id = org AND a.active;
    lead_ok := EXISTS (SELECT 1 FROM allaud WHERE competent AND is_lead AND NOT conflicted AND NOT unavailable);
    IF ts > 1 AND p_rule IN ('independence', 'unavailability', 'capacity') THEN
        -- a lead who is independent (and available) in a month, and ts - 1 others who are too
        SELECT coalesce(bool_or(l.ind AND g.nind >= ts), false), coalesce(bool_or(l.free AND g.nfree >= ts), false)
          INTO team_indep, team_avail
          FROM (SELECT k, bool_or(NOT conflicted) AS ind, bool_or(NOT conflicted AND NOT unavailable) AS free
                  FROM allaud WHERE competent AND is_lead GROUP BY k) l
          JOIN (SELECT k, count(*) FILTER (WHERE NOT conflicted) AS nind,
                       count(*) FILTER (WHERE NOT conflicted AND NOT unavailable) AS nfree
                  FROM allaud GROUP BY k) g USING (k);
    END IF;
    RETURN CASE p_rule
        WHEN 'competence' THEN NOT EXISTS (SELECT 1 FROM allaud WHERE competent)
        WHEN 'lead' THEN EXISTS (SELECT 1 FROM allaud WHERE competent) AND NOT EXISTS (SELECT 1 FROM allaud WHERE competent AND is_lead)
        WHEN 'independence' THEN (EXISTS (SELECT 1 FROM allaud WHERE competent AND is_lead)
                                  AND NOT EXISTS (SELECT 1 FROM allaud WHERE competent AND is_lead AND NOT conflicted))
                                 OR (ts > 1 AND lead_ok AND NOT team_indep)
        WHEN 'unavailability' THEN (EXISTS (SELECT 1 FROM allaud WHERE competent AND is_lead AND NOT conflicted) AND NOT lead_ok)
                                   OR (ts > 1 AND lead_ok AND team_indep AND NOT team_avail)
        WHEN 'capacity' THEN lead_ok AND (ts = 1 OR team_avail)
        ELSE false END;
END
$$;

-- Capacity diagnoses are proved by a relaxation of the programme over the
-- months 0..t_last (the first month with a capacity diagnosis): every unit
-- needs at least max(chain, coverage) audits by each month (chain: the first
-- by its due month, then one at least every interval; coverage: one in every
-- full cycle window), at most one a month; each audit needs a lead (an
-- active, competent, independent, available lead auditor) and team size - 1
-- other independent, available active auditors, all different, in a month
-- where such a team exists; an auditor takes part in at most
-- floor(capacity / audit-days) audits a month.  The relaxation lets the
-- lead and the rest of the team of one audit fall in different months.  The audits of a unit diagnosed with another rule in
-- month F <= t_last that are due from F on are left out (dropping audits only
-- relaxes).  If even the relaxation has no complete
-- assignment, no programme exists.  The SQL here writes the relaxation as
-- data from the register only; 50_audit_random.sh solves it as a maximum
-- flow (50_audit_capflow.py) and counts the capacity diagnoses of instances
-- where the flow is complete as not proved.  Nothing here uses the planner
-- or the checker.
CREATE TABLE rnd.cap_inst (inst integer PRIMARY KEY, org bigint, t_last integer, ndiag integer, team_size integer);
CREATE TABLE rnd.cap_item (inst integer, unit_id bigint, deadline integer, n integer);
CREATE TABLE rnd.cap_edge (inst integer, unit_id bigint, person_id bigint, month integer, lead boolean);
CREATE TABLE rnd.cap_slot (inst integer, person_id bigint, month integer, n integer);

CREATE FUNCTION rnd.relax(p_inst integer, org bigint, st date, h interval, t_last integer, exc_units bigint[], exc_months integer[], ndiag integer)
RETURNS void
LANGUAGE plpgsql SET search_path = scsm, public, pg_catalog SET jit = off AS $$
DECLARE
    m0 integer := (extract(year FROM st) * 12 + extract(month FROM st) - 1)::integer;
    hm integer := (extract(year FROM h) * 12 + extract(month FROM h))::integer;
    cyc integer;
    days numeric;
    ts integer;
    s0 date := date_trunc('month', st)::date;
BEGIN
    SELECT greatest(1, (extract(year FROM c.cycle) * 12 + extract(month FROM c.cycle) + floor(extract(day FROM c.cycle) / 30))::integer),
           c.audit_days, c.team_size
      INTO cyc, days, ts
      FROM (SELECT coalesce((SELECT cycle FROM audit_programme_config WHERE org_id = org), '3 years') AS cycle,
                   coalesce((SELECT audit_days FROM audit_programme_config WHERE org_id = org), 1) AS audit_days,
                   coalesce((SELECT team_size FROM audit_programme_config WHERE org_id = org), 1) AS team_size) c;
    INSERT INTO rnd.cap_inst VALUES (p_inst, org, t_last, ndiag, ts);
    -- required audits: item j of a unit is due by the first month t with N(t) >= j
    INSERT INTO rnd.cap_item
    SELECT p_inst, x.unit_id, x.t, x.need - coalesce(lag(x.need) OVER (PARTITION BY x.unit_id ORDER BY x.t), 0)
      FROM (SELECT u.unit_id, t,
                   greatest(CASE WHEN t >= u.d THEN 1 + (t - u.d) / u.ival ELSE 0 END,
                            least((t + 1) / cyc, hm / cyc)) AS need
              FROM (SELECT au.unit_id, au.interval_months AS ival,
                           greatest((extract(year FROM au.next_due) * 12 + extract(month FROM au.next_due) - 1)::integer - m0, 0) AS d
                      FROM audit_unit au JOIN site s USING (org_id, site_id)
                     WHERE au.org_id = org AND au.in_scope AND s.in_scope) u
             CROSS JOIN generate_series(0, t_last) t) x;
    DELETE FROM rnd.cap_item WHERE cap_item.inst = p_inst AND n <= 0;
    DELETE FROM rnd.cap_item i USING unnest(exc_units, exc_months) x(u, m)
     WHERE i.inst = p_inst AND i.unit_id = x.u AND i.deadline >= x.m;
    -- audits each active auditor can take part in each month (none when away)
    INSERT INTO rnd.cap_slot
    SELECT p_inst, a.person_id, t, floor(a.monthly_capacity / days)::integer
      FROM auditor a CROSS JOIN generate_series(0, t_last) t
     WHERE a.org_id = org AND a.active
       AND NOT EXISTS (SELECT 1 FROM auditor_unavailability un WHERE un.org_id = org AND un.person_id = a.person_id
                          AND un.during && daterange((s0 + make_interval(months => t))::date, (s0 + make_interval(months => t + 1))::date));
    -- who may be on the team of which unit in which month (lead: also a
    -- competent lead auditor)
    INSERT INTO rnd.cap_edge
    SELECT p_inst, au.unit_id, sl.person_id, sl.month,
           a.is_lead AND EXISTS (SELECT 1 FROM auditor_competence c WHERE c.org_id = org AND c.person_id = a.person_id
                                    AND (c.clause IS NULL OR c.clause @> au.clause) AND (c.sector IS NULL OR c.sector = s.kind))
      FROM audit_unit au JOIN site s USING (org_id, site_id)
      JOIN rnd.cap_slot sl ON sl.inst = p_inst
      JOIN auditor a ON a.org_id = org AND a.person_id = sl.person_id
      CROSS JOIN LATERAL (SELECT (s0 + make_interval(months => sl.month))::date AS k) k
     WHERE au.org_id = org AND au.in_scope AND s.in_scope
       AND NOT EXISTS (SELECT 1 FROM person p WHERE p.org_id = org AND p.person_id = a.person_id AND p.site_id = au.site_id)
       AND NOT EXISTS (SELECT 1 FROM appointment ap JOIN role r USING (org_id, role_id)
                        WHERE ap.org_id = org AND ap.person_id = a.person_id AND r.site_id = au.site_id
                          AND ap.valid_from < (k.k + interval '1 month')::date AND (ap.valid_until IS NULL OR ap.valid_until >= k.k))
       AND NOT EXISTS (SELECT 1 FROM risk x WHERE x.org_id = org AND x.owner = a.person_id AND x.site_id = au.site_id
                          AND x.status <> 'closed' AND ('4.3.1' @> au.clause OR au.clause @> '4.3.1'));
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
    cap_first date;
    ncap integer;
    others bigint[];
    oth_month date[];
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
            cap_first := NULL;
            ncap := 0;
            others := '{}';
            oth_month := '{}';
            FOR d IN SELECT * FROM audit_programme_diagnostics(org, st, h) LOOP
                nd := nd + 1;
                IF d.rule = 'capacity' THEN
                    cap_first := least(cap_first, d.due_month);
                    ncap := ncap + 1;
                ELSE
                    others := others || d.unit_id;
                    oth_month := oth_month || d.due_month;
                END IF;
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
            IF cap_first IS NOT NULL THEN
                PERFORM rnd.relax(i, org, st, h,
                                  ((extract(year FROM cap_first) * 12 + extract(month FROM cap_first))
                                   - (extract(year FROM st) * 12 + extract(month FROM st)))::integer,
                                  (SELECT coalesce(array_agg(x.u ORDER BY x.u, x.m), '{}') FROM unnest(others, oth_month) x(u, m) WHERE x.m <= cap_first),
                                  (SELECT coalesce(array_agg(((extract(year FROM x.m) * 12 + extract(month FROM x.m))
                                                              - (extract(year FROM st) * 12 + extract(month FROM st)))::integer ORDER BY x.u, x.m), '{}')
                                     FROM unnest(others, oth_month) x(u, m) WHERE x.m <= cap_first),
                                  ncap);
            END IF;
        END;
        total := total + 1;
    END LOOP;
    rules := counts::text;
END
$$;
