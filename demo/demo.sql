-- demo/demo.sql: a demo organisation for scsm.
--
-- Brackwater Gateway Terminals operates two sites: a deep-sea container
-- terminal (with an ISPS port facility) and an inland rail depot with a
-- bonded customs warehouse.  The script loads one year of its security
-- management system: people and roles, policy, threats and risks, legal
-- register, objectives, documents, supply chain, emergency plans, KPIs and
-- measurements, incidents, audits, nonconformities and a management review.
--
-- All names are invented.  Dates are relative to current_date, so the demo
-- always looks current.  Nothing is random: loading it twice into two fresh
-- databases gives the same rows.  Rows go in as the database owner, in the
-- order the register's rules require (e.g. a policy version is endorsed by an
-- appointed top-management member before objectives may derive from it).
--
-- Load:  psql -v ON_ERROR_STOP=1 -d scsm_demo -f demo/demo.sql
-- It runs in one transaction and refuses to load twice into one database.

\set ON_ERROR_STOP 1
BEGIN;
SET LOCAL client_min_messages = warning;

-- Lookup helpers (session-local, gone at the end of the session).  Each finds
-- exactly one row of the demo organisation by a text column (LIKE pattern)
-- and fails loudly otherwise, so a typo cannot silently load a NULL.
CREATE FUNCTION pg_temp.org() RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT org_id FROM scsm.organization WHERE short_name = 'brackwater' $$;

CREATE FUNCTION pg_temp.id(tbl text, col text, val text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    idcol name;
    found_id bigint;
    n bigint;
BEGIN
    SELECT a.attname INTO idcol
      FROM pg_catalog.pg_index i
      JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[1]
     WHERE i.indrelid = format('scsm.%I', tbl)::regclass AND i.indisprimary;
    EXECUTE format('SELECT min(%I), count(*) FROM scsm.%I WHERE org_id = $1 AND %I LIKE $2', idcol, tbl, col)
       INTO found_id, n USING pg_temp.org(), val;
    IF n <> 1 THEN
        RAISE EXCEPTION 'demo: % rows in scsm.% with % like %', n, tbl, col, quote_literal(val);
    END IF;
    RETURN found_id;
END
$$;
CREATE FUNCTION pg_temp.site(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('site', 'name', $1) $$;
CREATE FUNCTION pg_temp.person(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('person', 'full_name', $1) $$;
CREATE FUNCTION pg_temp.role(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('role', 'name', $1) $$;
CREATE FUNCTION pg_temp.threat(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('threat', 'title', $1) $$;
CREATE FUNCTION pg_temp.risk(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('risk', 'title', $1) $$;
CREATE FUNCTION pg_temp.control(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('control', 'title', $1) $$;
CREATE FUNCTION pg_temp.legal(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('legal_requirement', 'title', $1) $$;
CREATE FUNCTION pg_temp.objective(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('objective', 'title', $1) $$;
CREATE FUNCTION pg_temp.target(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('target', 'title', $1) $$;
CREATE FUNCTION pg_temp.programme(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('programme', 'title', $1) $$;
CREATE FUNCTION pg_temp.kpi(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('kpi', 'name', $1) $$;
CREATE FUNCTION pg_temp.competence(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('competence', 'name', $1) $$;
CREATE FUNCTION pg_temp.doc(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('document', 'code', $1) $$;
CREATE FUNCTION pg_temp.proc(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('procedure', 'title', $1) $$;
CREATE FUNCTION pg_temp.node(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('supply_chain_node', 'name', $1) $$;
CREATE FUNCTION pg_temp.plan(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('emergency_plan', 'title', $1) $$;
CREATE FUNCTION pg_temp.equipment(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('monitoring_equipment', 'name', $1) $$;
CREATE FUNCTION pg_temp.incident(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('incident', 'title', $1) $$;
CREATE FUNCTION pg_temp.finding(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('audit_finding', 'description', $1) $$;
CREATE FUNCTION pg_temp.evaluation(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('evaluation', 'subject', $1) $$;
CREATE FUNCTION pg_temp.nc(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('nonconformity', 'description', $1) $$;
CREATE FUNCTION pg_temp.output(text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT pg_temp.id('management_review_output', 'description', $1) $$;
-- an exercise of a plan, by its due date
CREATE FUNCTION pg_temp.exercise(plan text, due date) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT exercise_id FROM scsm.exercise WHERE org_id = pg_temp.org() AND plan_id = pg_temp.plan(plan) AND due_on = due $$;

-- 4.1 Organisation, sites, scope ----------------------------------------------

INSERT INTO scsm.organization (name, short_name, sector)
VALUES ('Brackwater Gateway Terminals', 'brackwater', 'terminal');

INSERT INTO scsm.site (org_id, name, kind, country, address)
VALUES (pg_temp.org(), 'Brackwater Deep-Sea Terminal', 'terminal', 'NL', 'Quay 7, Westhaven, Brackwater'),
       (pg_temp.org(), 'Ellmoor Rail Depot and Bonded Warehouse', 'depot', 'NL', 'Spoorweg 3, Ellmoor');

-- People (4.4.1, 4.4.2): employees, two contract guards, an external auditor.
INSERT INTO scsm.person (org_id, full_name, email, kind, employer, site_id)
SELECT pg_temp.org(), v.name, v.email, v.kind, v.employer,
       CASE v.site WHEN 'T' THEN pg_temp.site('Brackwater%') WHEN 'D' THEN pg_temp.site('Ellmoor%') END
  FROM (VALUES
    ('Maren Holtzer',         'm.holtzer@brackwater.example',   'employee', NULL, NULL),
    ('Tobias Renwick',        't.renwick@brackwater.example',   'employee', NULL, NULL),
    ('Ingrid Valstad',        'i.valstad@brackwater.example',   'employee', NULL, NULL),
    ('Pieter Okafor',         'p.okafor@brackwater.example',    'employee', NULL, 'T'),
    ('Lena Dorsch',           'l.dorsch@brackwater.example',    'employee', NULL, 'D'),
    ('Samir Haddou',          's.haddou@brackwater.example',    'employee', NULL, 'T'),
    ('Clara Whitfield',       'c.whitfield@brackwater.example', 'employee', NULL, 'D'),
    ('Jonas Mbeki',           'j.mbeki@brackwater.example',     'employee', NULL, NULL),
    ('Yuki Tanabe-Ross',      'y.tanabe@brackwater.example',    'employee', NULL, NULL),
    ('Ravi Castellano',       'r.castellano@brackwater.example','employee', NULL, NULL),
    ('Elise Norberg',         'e.norberg@brackwater.example',   'employee', NULL, NULL),
    ('Fenna de Wit',          'f.dewit@brackwater.example',     'employee', NULL, NULL),
    ('Oskar Lindqvist',       'o.lindqvist@brackwater.example', 'employee', NULL, NULL),
    ('Amina Yusuf',           'a.yusuf@brackwater.example',     'employee', NULL, 'T'),
    ('Bram Kessler',          'b.kessler@brackwater.example',   'employee', NULL, 'T'),
    ('Noor Saidi',            'n.saidi@brackwater.example',     'employee', NULL, 'D'),
    ('Hugo Marchetti',        'h.marchetti@brackwater.example', 'employee', NULL, 'T'),
    ('Greta Paulsen',         'g.paulsen@brackwater.example',   'employee', NULL, 'T'),
    ('Daan Verhoef',          'd.verhoef@brackwater.example',   'employee', NULL, 'T'),
    ('Ilse Brandt',           'i.brandt@brackwater.example',    'employee', NULL, 'D'),
    ('Mateo Ferreira',        'm.ferreira@brackwater.example',  'employee', NULL, 'T'),
    ('Kofi Mensah',           'k.mensah@brackwater.example',    'employee', NULL, 'T'),
    ('Hannah Groen',          'h.groen@brackwater.example',     'employee', NULL, NULL),
    ('Sanne Koopman',         'sanne.koopman@vigilon.example',  'contractor', 'Vigilon Guarding Services', 'T'),
    ('Victor Almeida',        'victor.almeida@vigilon.example', 'contractor', 'Vigilon Guarding Services', 'D'),
    ('Rosalind Achterberg',   'r.achterberg@certiva.example',   'external_auditor', 'Certiva Assurance', NULL)
  ) AS v(name, email, kind, employer, site)
 ORDER BY v.name;

INSERT INTO scsm.scope (org_id, revision, description, boundaries, exclusions, approved_by, approved_on)
VALUES
  (pg_temp.org(), 1,
   'Security management of container handling, storage and gate operations at the Brackwater Deep-Sea Terminal.',
   'Terminal fence line, quay walls 7 and 8, truck gate, empty depot.',
   'Head office (administrative only).', pg_temp.person('Maren Holtzer'), current_date - 900),
  (pg_temp.org(), 2,
   'Security management of container handling, storage, gate and rail operations at the Brackwater Deep-Sea Terminal and the Ellmoor Rail Depot, including the bonded customs warehouse at Ellmoor and the rail shuttle between both sites.',
   'Both fence lines, the rail shuttle between the sites, the bonded warehouse, the terminal operating system and its hosting.',
   'Head office (administrative only); vessels alongside (under the ship security plans of their operators).',
   pg_temp.person('Maren Holtzer'), current_date - 400);

-- 4.4.1 Roles and appointments -------------------------------------------------

INSERT INTO scsm.role (org_id, name, responsibilities, authority, is_top_management, is_sms_lead, is_objectives_lead, site_id)
SELECT pg_temp.org(), v.name, v.resp, v.auth, v.top, v.lead, v.obj,
       CASE v.site WHEN 'T' THEN pg_temp.site('Brackwater%') WHEN 'D' THEN pg_temp.site('Ellmoor%') END
  FROM (VALUES
    ('Managing Director', 'Sets the security policy, provides resources, chairs management review.',
     'Final authority over budgets, policy and the security management system.', true, false, false, NULL),
    ('Chief Operating Officer', 'Runs terminal and depot operations; sees that objectives and targets are implemented.',
     'Directs operations managers; approves operational changes.', true, false, true, NULL),
    ('Head of Security and Resilience', 'Designs, maintains and reports on the security management system.',
     'Stops any operation that puts security at risk; owns the risk register.', true, true, true, NULL),
    ('Port Facility Security Officer', 'Runs the port facility security plan and security operations at the terminal.',
     'Directs guards and gate staff at the terminal; liaises with the port authority.', false, false, true, 'T'),
    ('Depot Security Manager', 'Runs security at the rail depot and the bonded warehouse.',
     'Directs guards at the depot; may hold trains and containers.', false, false, true, 'D'),
    ('Terminal Operations Manager', 'Runs quay, yard and gate operations at the terminal.',
     'Plans shifts and equipment; enforces gate procedures.', false, false, false, 'T'),
    ('Depot Operations Manager', 'Runs rail and warehouse operations at the depot.',
     'Plans trains and warehouse shifts; chooses hauliers.', false, false, false, 'D'),
    ('Internal Audit Lead', 'Plans and leads internal audits of the security management system.',
     'Access to every record and site for audit purposes.', false, false, false, NULL),
    ('Internal Auditor', 'Carries out internal audits as assigned.',
     'Access to records and sites of the audit assigned.', false, false, false, NULL),
    ('IT and OT Security Manager', 'Protects the terminal operating system, networks and security systems.',
     'Isolates systems; approves access to IT and OT.', false, false, false, NULL),
    ('Customs and AEO Compliance Officer', 'Keeps the AEO-S authorisation and bonded warehouse licence in order.',
     'Blocks release of goods not cleared by customs.', false, false, false, NULL),
    ('Data Protection Officer', 'Advises on personal data in CCTV, access control and screening.',
     'May require changes to CCTV coverage and retention.', false, false, false, NULL),
    ('HR and Training Coordinator', 'Organises screening of staff, training and competence records.',
     'Schedules training; withholds site passes without required training.', false, false, false, NULL),
    ('Security Shift Supervisor (Terminal)', 'Leads the security shift at the terminal.',
     'Deploys guards; raises alarms; stops gate transactions.', false, false, false, 'T'),
    ('Security Shift Supervisor (Depot)', 'Leads the security shift at the depot.',
     'Deploys guards; raises alarms; holds trains.', false, false, false, 'D'),
    ('Scanner Operator', 'Operates the container x-ray scanner and radiation portal monitors.',
     'Refers containers for physical inspection.', false, false, false, 'T'),
    ('Gate Clerk', 'Checks drivers, documents and seals at the truck gate.',
     'Refuses entry or exit.', false, false, false, 'T'),
    ('Rail Yard Supervisor', 'Supervises train loading and stabling at the depot.',
     'Holds a train for inspection.', false, false, false, 'D'),
    ('Emergency Coordinator', 'Maintains emergency plans and runs exercises at the terminal.',
     'Orders evacuation; calls emergency services.', false, false, false, 'T'),
    ('Security Systems Engineer', 'Maintains and calibrates scanners, portal monitors, CCTV and access control.',
     'Takes equipment out of service.', false, false, false, 'T'),
    ('Finance Controller', 'Controls budgets of security programmes.',
     'Releases budget within approved programmes.', false, false, false, NULL),
    ('Contract Guard Team Lead (Terminal)', 'Leads contract guards at the terminal under the guarding contract.',
     'Deploys contract guards as instructed by the shift supervisor.', false, false, false, 'T'),
    ('Contract Guard (Depot)', 'Patrols the depot and checks trains under the guarding contract.',
     'Reports and detains within the limits of the contract.', false, false, false, 'D')
  ) AS v(name, resp, auth, top, lead, obj, site);

INSERT INTO scsm.appointment (org_id, role_id, person_id, valid_from, communicated_on)
SELECT pg_temp.org(), pg_temp.role(v.role), pg_temp.person(v.person), current_date - v.since, current_date - v.since + 3
  FROM (VALUES
    ('Managing Director', 'Maren Holtzer', 1400),
    ('Chief Operating Officer', 'Tobias Renwick', 1100),
    ('Head of Security and Resilience', 'Ingrid Valstad', 950),
    ('Port Facility Security Officer', 'Pieter Okafor', 900),
    ('Depot Security Manager', 'Lena Dorsch', 420),
    ('Terminal Operations Manager', 'Samir Haddou', 800),
    ('Depot Operations Manager', 'Clara Whitfield', 420),
    ('Internal Audit Lead', 'Jonas Mbeki', 700),
    ('Internal Auditor', 'Yuki Tanabe-Ross', 380),
    ('IT and OT Security Manager', 'Ravi Castellano', 600),
    ('Customs and AEO Compliance Officer', 'Elise Norberg', 650),
    ('Data Protection Officer', 'Fenna de Wit', 500),
    ('HR and Training Coordinator', 'Oskar Lindqvist', 750),
    ('Security Shift Supervisor (Terminal)', 'Amina Yusuf', 600),
    ('Security Shift Supervisor (Terminal)', 'Bram Kessler', 1300),
    ('Security Shift Supervisor (Depot)', 'Noor Saidi', 410),
    ('Scanner Operator', 'Hugo Marchetti', 900),
    ('Scanner Operator', 'Greta Paulsen', 850),
    ('Gate Clerk', 'Daan Verhoef', 500),
    ('Rail Yard Supervisor', 'Ilse Brandt', 415),
    ('Emergency Coordinator', 'Mateo Ferreira', 700),
    ('Security Systems Engineer', 'Kofi Mensah', 650),
    ('Finance Controller', 'Hannah Groen', 900),
    ('Contract Guard Team Lead (Terminal)', 'Sanne Koopman', 450),
    ('Contract Guard (Depot)', 'Victor Almeida', 400)
  ) AS v(role, person, since)
 ORDER BY v.since DESC, v.person;

-- 4.2 Policy ------------------------------------------------------------------

INSERT INTO scsm.policy (org_id, title, review_interval)
VALUES (pg_temp.org(), 'Supply chain security policy', '1 year');

-- Version 1 endorsed almost two years ago, version 2 (adds the depot) last
-- year; endorsing version 2 supersedes version 1.  Version 3 is a draft
-- asked for by the last management review.
INSERT INTO scsm.policy_version (org_id, policy_id, version, body, public_summary, status,
                                 commits_to_improvement, commits_to_compliance, consistent_with_other_policies,
                                 endorsed_by, endorsed_on, review_trigger, sensitivity)
SELECT pg_temp.org(), p.policy_id, v.version, v.body, v.summary, v.status, true, true, true,
       CASE WHEN v.endorsed IS NOT NULL THEN pg_temp.person('Maren Holtzer') END,
       current_date - v.endorsed, v.review_trigger, 'internal'
  FROM scsm.policy p,
       (VALUES
         (1, 'Brackwater Gateway Terminals protects the cargo, people and information entrusted to it at the Brackwater terminal. We assess security threats and risks, keep to the ISPS Code and customs rules, set objectives and review them, train our people, and improve our security management system continually.',
          'We protect the cargo, people and information entrusted to us and comply with port security and customs law.',
          'current', 700, NULL::text),
         (2, 'Brackwater Gateway Terminals protects the cargo, people and information entrusted to it at the Brackwater terminal, the Ellmoor rail depot and the bonded warehouse, and on the rail shuttle between them. We assess security threats and risks to our operations and our supply chain, comply with the ISPS Code, customs (AEO-S) and data protection law and the security terms agreed with our customers, set measurable objectives, give our people and contractors the training they need, prepare for emergencies, and improve our security management system continually. This policy is reviewed every year and whenever our scope changes.',
          'We protect cargo, people and information at both our sites, comply with port security, customs and data protection law, and improve continually.',
          'current', 320, 'Acquisition of the Ellmoor rail depot extended the scope.'),
         (3, 'Draft: as version 2, adding explicit commitments on cyber security of terminal systems and on drones over the terminal.',
          NULL, 'draft', NULL, 'Management review asked for cyber and drone threats to be named in the policy.')
       ) AS v(version, body, summary, status, endorsed, review_trigger)
 WHERE p.org_id = pg_temp.org()
 ORDER BY v.version;

-- 4.3.1 Threats and the supply chain --------------------------------------------

INSERT INTO scsm.threat (org_id, category, title, description, source, identified_on, sensitivity)
SELECT pg_temp.org(), v.cat, v.title, v.descr, v.source, current_date - v.days, v.sens::scsm.sensitivity
  FROM (VALUES
    ('a', 'Theft of cargo and containers', 'Organised theft of high-value cargo or whole containers, incl. fraudulent release.', 'Port security assessment; police crime figures', 720, 'internal'),
    ('a', 'Unauthorised access, intrusion and stowaways', 'Intruders over fences or from the water, stowaways, drones over the stack.', 'Port facility security assessment', 720, 'internal'),
    ('b', 'Insider collusion and procedural lapses', 'Staff or contractors colluding with smugglers or skipping checks under time pressure.', 'Customs risk analysis; incident history', 700, 'confidential'),
    ('c', 'Storm surge, flooding and extreme wind', 'Coastal and river flooding or gales that disable fences, CCTV and power.', 'Water board flood maps', 690, 'internal'),
    ('d', 'Failure of outsourced guarding and utilities', 'Guarding contractor, grid power or hosting provider failing to deliver.', 'Supplier reviews', 680, 'internal'),
    ('e', 'Regulatory non-compliance and reputational harm', 'Loss of ISPS compliance or AEO status, or media exposure after smuggling.', 'Legal register', 680, 'internal'),
    ('f', 'Degradation of screening and surveillance equipment', 'Scanners, portal monitors and CCTV drifting out of specification or failing.', 'Maintenance records', 670, 'internal'),
    ('g', 'Cyber attack and leakage of cargo information', 'Ransomware, phishing, theft of manifests and release PINs.', 'National cyber security centre advisories', 660, 'confidential'),
    ('h', 'Disruption of terminal and rail operations', 'Strikes, loss of the rail link or a security emergency stopping operations.', 'Business continuity analysis', 650, 'internal')
  ) AS v(cat, title, descr, source, days, sens);

INSERT INTO scsm.supply_chain_node (org_id, name, kind, position, site_id, country, certification,
                                    requirements_sent_on, disruption_probability, expected_loss)
SELECT pg_temp.org(), v.name, v.kind, v.pos,
       CASE v.site WHEN 'T' THEN pg_temp.site('Brackwater%') WHEN 'D' THEN pg_temp.site('Ellmoor%') END,
       v.country, v.cert, current_date - v.sent, v.p, v.loss
  FROM (VALUES
    ('Brackwater Deep-Sea Terminal', 'own_site', 'own', 'T', 'NL', 'ISPS SoC, AEO-S', NULL::int, 0.02::float8, 0::numeric),
    ('Ellmoor Rail Depot', 'own_site', 'own', 'D', 'NL', 'AEO-S', NULL, 0.03, 0),
    ('Tidewell Container Line', 'carrier', 'upstream', NULL, 'SG', 'ISPS (ships)', 300, 0.04, 250000),
    ('Nordkap Feeder Services', 'carrier', 'upstream', NULL, 'NO', 'ISPS (ships)', 300, 0.06, 90000),
    ('Azura Maritime', 'carrier', 'upstream', NULL, 'PA', 'ISPS (ships)', 280, 0.05, 180000),
    ('Pacific Crest Electronics', 'supplier', 'upstream', NULL, 'VN', 'C-TPAT', 200, 0.03, 120000),
    ('Harrowgate Apparel Exporters', 'supplier', 'upstream', NULL, 'BD', NULL, 200, 0.05, 40000),
    ('Vigilon Guarding Services', 'service_provider', 'upstream', NULL, 'NL', 'ISO 9001', 450, 0.08, 60000),
    ('Stratus Hosting', 'service_provider', 'upstream', NULL, 'NL', 'ISO 27001', 420, 0.02, 400000),
    ('Customs Administration, Brackwater office', 'customs', 'downstream', NULL, 'NL', NULL, NULL, 0.01, 0),
    ('Kestrel Haulage', 'carrier', 'downstream', NULL, 'NL', 'AEO-S', 150, 0.05, 30000),
    ('Hollin Road Freight', 'carrier', 'downstream', NULL, 'BE', NULL, 150, 0.09, 25000),
    ('Lindvale Rail Freight', 'carrier', 'downstream', NULL, 'NL', 'ISO 28000', 310, 0.04, 150000),
    ('Polder Freight Forwarding', 'forwarder', 'downstream', NULL, 'NL', 'AEO-F', 120, 0.03, 20000),
    ('Ostmark Retail Distribution', 'customer', 'downstream', NULL, 'DE', NULL, 90, 0.02, 50000),
    ('Calder Pharma Logistics', 'customer', 'downstream', NULL, 'NL', 'GDP', 90, 0.02, 75000)
  ) AS v(name, kind, pos, site, country, cert, sent, p, loss);

INSERT INTO scsm.supply_chain_link (org_id, from_node, to_node, mode, dependency)
SELECT pg_temp.org(), pg_temp.node(v.f), pg_temp.node(v.t), v.mode, v.dep
  FROM (VALUES
    ('Pacific Crest%', 'Tidewell%', 'sea', 0.9::float8),
    ('Harrowgate%', 'Azura%', 'sea', 0.8),
    ('Tidewell%', 'Brackwater Deep-Sea%', 'sea', 0.45),
    ('Nordkap%', 'Brackwater Deep-Sea%', 'sea', 0.2),
    ('Azura%', 'Brackwater Deep-Sea%', 'sea', 0.35),
    ('Vigilon%', 'Brackwater Deep-Sea%', 'service', 0.7),
    ('Vigilon%', 'Ellmoor%', 'service', 0.8),
    ('Stratus%', 'Brackwater Deep-Sea%', 'data', 0.9),
    ('Stratus%', 'Ellmoor%', 'data', 0.6),
    ('Customs%', 'Brackwater Deep-Sea%', 'service', 1.0),
    ('Customs%', 'Ellmoor%', 'service', 1.0),
    ('Brackwater Deep-Sea%', 'Lindvale%', 'rail', 0.6),
    ('Lindvale%', 'Ellmoor%', 'rail', 0.9),
    ('Brackwater Deep-Sea%', 'Kestrel%', 'road', 0.5),
    ('Brackwater Deep-Sea%', 'Hollin%', 'road', 0.3),
    ('Ellmoor%', 'Kestrel%', 'road', 0.4),
    ('Brackwater Deep-Sea%', 'Polder%', 'service', 0.2),
    ('Kestrel%', 'Ostmark%', 'road', 0.7),
    ('Hollin%', 'Calder%', 'road', 0.5),
    ('Ellmoor%', 'Calder%', 'road', 0.4)
  ) AS v(f, t, mode, dep);

-- 4.1 Outsourced processes
INSERT INTO scsm.outsourced_process (org_id, name, provider, node_id, controls, responsible)
VALUES
  (pg_temp.org(), 'Security guarding at both sites', 'Vigilon Guarding Services', pg_temp.node('Vigilon%'),
   'Contract with service levels and penalties; guards vetted and trained to our competence list before their first shift; monthly performance review; supplier audit every year.',
   pg_temp.person('Pieter Okafor')),
  (pg_temp.org(), 'Hosting of the terminal operating system', 'Stratus Hosting', pg_temp.node('Stratus%'),
   'ISO 27001 certified provider; right-to-audit clause; daily off-site backups tested quarterly; incident notification within 4 hours.',
   pg_temp.person('Ravi Castellano')),
  (pg_temp.org(), 'Calibration of radiation portal monitors', 'Isotron Calibration Services', NULL,
   'Accredited calibration laboratory; certificate per calibration checked by the security systems engineer.',
   pg_temp.person('Kofi Mensah'));

-- Risks: a threat at a site, likelihood 1-5, consequence per dimension 1-5
-- (the overall consequence is the worst dimension), residual values after
-- controls, treatment.
INSERT INTO scsm.risk (org_id, threat_id, title, site_id, node_id, owner, likelihood, consequence, consequences,
                       residual_likelihood, residual_consequence, treatment, status, assessed_on, sensitivity)
SELECT pg_temp.org(), pg_temp.threat(v.threat), v.title,
       CASE v.site WHEN 'T' THEN pg_temp.site('Brackwater%') WHEN 'D' THEN pg_temp.site('Ellmoor%') END,
       CASE WHEN v.node IS NOT NULL THEN pg_temp.node(v.node) END,
       pg_temp.person(v.owner), v.l, greatest(v.p, v.a, v.c, v.s, v.lg, v.e),
       jsonb_build_object('people', v.p, 'assets', v.a, 'continuity', v.c, 'stakeholder', v.s, 'legal', v.lg, 'environment', v.e),
       v.rl, v.rc, v.treat, v.status, current_date - v.days, v.sens::scsm.sensitivity
  FROM (VALUES
    -- title, threat, site, node, owner, L, people, assets, continuity, stakeholder, legal, environment, rL, rC, treatment, status, assessed days ago, sensitivity
    ('Theft of high-value cargo from the container stack', 'Theft of%', 'T', NULL, 'Pieter Okafor', 4, 1, 4, 2, 3, 2, 1, 2, 3, 'control', 'treated', 330, 'internal'),
    ('Fraudulent container release with stolen PINs', 'Theft of%', 'T', NULL, 'Samir Haddou', 3, 1, 4, 2, 4, 3, 1, 2, 3, 'control', 'treated', 330, 'confidential'),
    ('Sabotage of quay cranes or reefer power', 'Theft of%', 'T', NULL, 'Samir Haddou', 2, 3, 5, 5, 3, 2, 2, 1, 4, 'control', 'treated', 330, 'internal'),
    ('Intrusion across the waterside perimeter', 'Unauthorised%', 'T', NULL, 'Pieter Okafor', 3, 2, 3, 2, 3, 3, 1, 2, 3, 'control', 'treated', 330, 'internal'),
    ('Stowaways in outbound containers', 'Unauthorised%', 'T', NULL, 'Pieter Okafor', 2, 4, 1, 2, 4, 4, 1, 1, 4, 'control', 'treated', 330, 'internal'),
    ('Tailgating through the personnel turnstiles', 'Unauthorised%', 'T', NULL, 'Pieter Okafor', 4, 1, 2, 1, 2, 2, 1, 2, 2, 'control', 'treated', 330, 'internal'),
    ('Seal tampering and unrecorded seal changes at the gate', 'Insider%', 'T', NULL, 'Samir Haddou', 3, 1, 3, 2, 4, 4, 1, 2, 3, 'control', 'treated', 330, 'confidential'),
    ('Insider collusion in drug smuggling (rip-on/rip-off)', 'Insider%', 'T', NULL, 'Pieter Okafor', 3, 3, 2, 3, 5, 5, 1, 2, 4, 'control', 'treated', 330, 'confidential'),
    ('Gate clerks skipping identity checks at peak hours', 'Insider%', 'T', NULL, 'Samir Haddou', 3, 1, 2, 1, 3, 3, 1, 2, 2, 'control', 'treated', 330, 'internal'),
    ('Storm surge flooding the terminal electrical rooms', 'Storm%', 'T', NULL, 'Mateo Ferreira', 2, 2, 4, 4, 2, 1, 3, 2, 3, 'control', 'treated', 330, 'internal'),
    ('High winds disabling perimeter CCTV masts', 'Storm%', 'T', NULL, 'Kofi Mensah', 3, 1, 2, 2, 1, 1, 1, 3, 2, 'accept', 'treated', 400, 'internal'),
    ('Contract guards absent or understaffed at night', 'Failure of%', 'T', 'Vigilon%', 'Pieter Okafor', 3, 2, 3, 2, 2, 2, 1, 2, 2, 'control', 'treated', 330, 'internal'),
    ('Grid power failure taking down access control', 'Failure of%', 'T', NULL, 'Kofi Mensah', 2, 2, 3, 4, 2, 1, 1, 1, 3, 'control', 'treated', 330, 'internal'),
    ('Loss of the ISPS statement of compliance after a failed inspection', 'Regulatory%', 'T', NULL, 'Pieter Okafor', 2, 1, 1, 5, 5, 5, 1, 1, 4, 'control', 'treated', 330, 'internal'),
    ('Media exposure after a drugs seizure in transit cargo', 'Regulatory%', NULL, NULL, 'Ingrid Valstad', 3, 1, 1, 2, 4, 2, 1, 2, 3, 'control', 'open', 330, 'internal'),
    ('X-ray scanner image quality drifting out of specification', 'Degradation%', 'T', NULL, 'Kofi Mensah', 3, 1, 2, 2, 3, 3, 1, 2, 2, 'control', 'treated', 330, 'internal'),
    ('Radiation portal monitors missing low-level sources', 'Degradation%', 'T', NULL, 'Kofi Mensah', 2, 5, 2, 3, 4, 4, 4, 1, 4, 'control', 'treated', 330, 'internal'),
    ('Ransomware on the terminal operating system', 'Cyber%', NULL, 'Stratus%', 'Ravi Castellano', 3, 1, 3, 5, 4, 3, 1, 2, 4, 'control', 'treated', 330, 'confidential'),
    ('Leakage of cargo manifests and release PINs', 'Cyber%', NULL, NULL, 'Ravi Castellano', 3, 1, 4, 1, 4, 4, 1, 2, 3, 'control', 'treated', 330, 'confidential'),
    ('Phishing of gate staff credentials', 'Cyber%', 'T', NULL, 'Ravi Castellano', 4, 1, 2, 2, 3, 2, 1, 2, 3, 'control', 'treated', 330, 'internal'),
    ('Strike of lashing and crane staff', 'Disruption%', 'T', NULL, 'Tobias Renwick', 2, 1, 1, 4, 3, 1, 1, 2, 3, 'accept', 'treated', 330, 'internal'),
    ('Closure of the terminal after a security emergency', 'Disruption%', 'T', NULL, 'Mateo Ferreira', 2, 3, 3, 5, 4, 2, 2, 2, 4, 'control', 'treated', 330, 'internal'),
    ('Theft from bonded warehouse storage', 'Theft of%', 'D', NULL, 'Lena Dorsch', 3, 1, 4, 1, 3, 4, 1, 2, 3, 'control', 'treated', 330, 'internal'),
    ('Cargo theft from trains stabled overnight', 'Theft of%', 'D', 'Lindvale%', 'Ilse Brandt', 4, 1, 3, 2, 3, 2, 1, 3, 3, 'control', 'open', 330, 'internal'),
    ('Fence breach along the rail siding', 'Unauthorised%', 'D', NULL, 'Lena Dorsch', 3, 2, 3, 1, 2, 2, 1, 2, 2, 'control', 'treated', 330, 'internal'),
    ('Release of bonded goods without customs clearance', 'Regulatory%', 'D', 'Customs%', 'Elise Norberg', 2, 1, 2, 3, 4, 5, 1, 1, 4, 'control', 'treated', 330, 'internal'),
    ('Depot CCTV blind spots after the yard re-layout', 'Degradation%', 'D', NULL, 'Lena Dorsch', 3, 1, 3, 1, 2, 2, 1, 2, 3, 'control', 'open', 330, 'internal'),
    ('Loss of the rail link to the terminal', 'Disruption%', 'D', 'Lindvale%', 'Clara Whitfield', 2, 1, 2, 4, 3, 1, 1, 2, 3, 'accept', 'treated', 330, 'internal'),
    ('River flooding of the depot yard', 'Storm%', 'D', NULL, 'Clara Whitfield', 1, 1, 4, 3, 1, 1, 2, 1, 3, 'accept', 'treated', 410, 'internal'),
    ('Subcontracted hauliers without security vetting', 'Failure of%', 'D', 'Hollin%', 'Clara Whitfield', 3, 1, 3, 1, 3, 2, 1, 2, 3, 'control', 'treated', 330, 'internal'),
    ('Mis-declared dangerous goods in bonded storage', 'Insider%', 'D', NULL, 'Clara Whitfield', 2, 5, 3, 3, 3, 4, 5, 1, 4, 'control', 'treated', 330, 'internal')
  ) AS v(title, threat, site, node, owner, l, p, a, c, s, lg, e, rl, rc, treat, status, days, sens);

-- 4.4.4 / 4.4.5 Documents and versions -------------------------------------------

INSERT INTO scsm.document (org_id, code, title, kind, about_clause, owner, review_interval, status, archive_reason, sensitivity)
SELECT pg_temp.org(), v.code, v.title, v.kind, v.clause::scsm.clause, pg_temp.person(v.owner), v.rev::interval,
       v.status, v.reason, v.sens::scsm.sensitivity
  FROM (VALUES
    ('BGT-SMS-01', 'Security management manual', 'manual', '4.4.4', 'Ingrid Valstad', '1 year', 'active', NULL, 'internal'),
    ('BGT-POL-01', 'Supply chain security policy', 'policy', '4.2', 'Maren Holtzer', '1 year', 'active', NULL, 'internal'),
    ('BGT-SCO-01', 'Scope of the security management system', 'scope', '4.1', 'Ingrid Valstad', '1 year', 'active', NULL, 'internal'),
    ('BGT-PFSP-01', 'Port facility security plan, Brackwater Deep-Sea Terminal', 'plan', '4.4.6', 'Pieter Okafor', '1 year', 'active', NULL, 'restricted'),
    ('BGT-PRO-01', 'Gate transactions and seal verification', 'procedure', '4.4.6', 'Samir Haddou', '1 year', 'active', NULL, 'internal'),
    ('BGT-PRO-02', 'Container screening and radiation alarm response', 'procedure', '4.4.6', 'Pieter Okafor', '1 year', 'active', NULL, 'confidential'),
    ('BGT-PRO-03', 'Access control and visitor management', 'procedure', '4.4.6', 'Pieter Okafor', '1 year', 'active', NULL, 'internal'),
    ('BGT-PRO-04', 'Bonded warehouse receipt and release', 'procedure', '4.4.6', 'Elise Norberg', '1 year', 'active', NULL, 'internal'),
    ('BGT-PRO-05', 'Depot patrols and train stabling checks', 'procedure', '4.4.6', 'Lena Dorsch', '1 year', 'active', NULL, 'internal'),
    ('BGT-PRO-06', 'Management of change', 'procedure', '4.4.6', 'Ingrid Valstad', '2 years', 'active', NULL, 'internal'),
    ('BGT-PRO-07', 'Incident reporting and investigation', 'procedure', '4.5.3', 'Ingrid Valstad', '2 years', 'active', NULL, 'internal'),
    ('BGT-PRO-08', 'Backup and recovery of terminal systems', 'procedure', '4.4.6', 'Ravi Castellano', '1 year', 'active', NULL, 'confidential'),
    ('BGT-PRO-09', 'Haulier and subcontractor vetting', 'procedure', '4.4.6', 'Clara Whitfield', '1 year', 'active', NULL, 'internal'),
    ('BGT-PRO-10', 'Security equipment maintenance and calibration', 'procedure', '4.5.1', 'Kofi Mensah', '1 year', 'active', NULL, 'internal'),
    ('BGT-EMP-01', 'Terminal emergency response plan', 'plan', '4.4.7', 'Mateo Ferreira', '1 year', 'active', NULL, 'confidential'),
    ('BGT-EMP-02', 'Depot emergency response plan', 'plan', '4.4.7', 'Lena Dorsch', '1 year', 'active', NULL, 'confidential'),
    ('BGT-EMP-03', 'Cyber incident response plan', 'plan', '4.4.7', 'Ravi Castellano', '1 year', 'active', NULL, 'confidential'),
    ('BGT-FRM-01', 'Security incident report form', 'form', '4.5.3', 'Ingrid Valstad', '2 years', 'active', NULL, 'internal'),
    ('BGT-FRM-02', 'Internal audit report template', 'form', '4.5.5', 'Jonas Mbeki', '2 years', 'active', NULL, 'internal'),
    ('EXT-ISPS', 'ISPS Code, consolidated edition', 'external', '4.3.2', 'Pieter Okafor', '3 years', 'active', NULL, 'public'),
    ('BGT-PRO-00', 'Gate procedure before the automated gate (2019)', 'procedure', '4.4.6', 'Samir Haddou', '1 year', 'archived', 'knowledge', 'internal')
  ) AS v(code, title, kind, clause, owner, rev, status, reason, sens);

-- Versions: (document, version, status, approved days ago, approver, change).
-- Inserted version by version: approving a version makes the one before it
-- obsolete (4.4.5 d).
CREATE TEMP TABLE demo_docv (code text, version int, status text, days int, approver text, change text);
INSERT INTO demo_docv VALUES
  ('BGT-SMS-01', 1, 'approved', 700, 'Ingrid Valstad', 'First issue.'),
  ('BGT-SMS-01', 2, 'approved', 300, 'Ingrid Valstad', 'Depot and bonded warehouse added to the system.'),
  ('BGT-SMS-01', 3, 'draft', NULL, NULL, 'Cyber and drone threats (follows policy draft 3).'),
  ('BGT-POL-01', 1, 'approved', 700, 'Maren Holtzer', 'First issue.'),
  ('BGT-POL-01', 2, 'approved', 320, 'Maren Holtzer', 'Scope extended to Ellmoor.'),
  ('BGT-SCO-01', 1, 'approved', 900, 'Maren Holtzer', 'First issue.'),
  ('BGT-SCO-01', 2, 'approved', 400, 'Maren Holtzer', 'Ellmoor depot and rail shuttle added.'),
  ('BGT-SCO-01', 3, 'approved', 30, 'Maren Holtzer', 'Annual review: outsourced calibration named; boundaries unchanged.'),
  ('BGT-PFSP-01', 1, 'approved', 800, 'Pieter Okafor', 'Approved by the port authority.'),
  ('BGT-PFSP-01', 2, 'approved', 380, 'Pieter Okafor', 'Five-yearly reassessment.'),
  ('BGT-PFSP-01', 3, 'approved', 90, 'Pieter Okafor', 'New truck gate lanes 5 and 6.'),
  ('BGT-PRO-01', 1, 'approved', 600, 'Samir Haddou', 'First issue.'),
  ('BGT-PRO-01', 2, 'approved', 150, 'Samir Haddou', 'Seal photo at the gate; PIN release.'),
  ('BGT-PRO-01', 3, 'rejected', NULL, NULL, 'Proposed dropping the second seal check at night: rejected.'),
  ('BGT-PRO-02', 1, 'approved', 500, 'Pieter Okafor', 'First issue.'),
  ('BGT-PRO-02', 2, 'approved', 120, 'Pieter Okafor', 'Night-time response to radiation alarms.'),
  ('BGT-PRO-03', 1, 'approved', 420, 'Pieter Okafor', 'First issue.'),
  ('BGT-PRO-04', 1, 'approved', 350, 'Elise Norberg', 'First issue.'),
  ('BGT-PRO-04', 2, 'approved', 30, 'Elise Norberg', 'Two-person seal verification before release (major nonconformity).'),
  ('BGT-PRO-05', 1, 'approved', 250, 'Lena Dorsch', 'First issue.'),
  ('BGT-PRO-06', 1, 'approved', 300, 'Ingrid Valstad', 'First issue.'),
  ('BGT-PRO-07', 1, 'approved', 600, 'Ingrid Valstad', 'First issue.'),
  ('BGT-PRO-07', 2, 'approved', 200, 'Ingrid Valstad', 'Near misses and false alarms reported too.'),
  ('BGT-PRO-08', 1, 'approved', 280, 'Ravi Castellano', 'First issue.'),
  ('BGT-PRO-09', 1, 'approved', 100, 'Clara Whitfield', 'First issue.'),
  ('BGT-PRO-10', 1, 'approved', 340, 'Kofi Mensah', 'First issue.'),
  ('BGT-EMP-01', 1, 'approved', 400, 'Mateo Ferreira', 'First issue.'),
  ('BGT-EMP-01', 2, 'approved', 60, 'Mateo Ferreira', 'Electrical rooms and flood barriers after the storm surge.'),
  ('BGT-EMP-02', 1, 'approved', 330, 'Lena Dorsch', 'First issue.'),
  ('BGT-EMP-03', 1, 'approved', 200, 'Ravi Castellano', 'First issue.'),
  ('BGT-FRM-01', 1, 'approved', 600, 'Ingrid Valstad', 'First issue.'),
  ('BGT-FRM-02', 1, 'approved', 650, 'Jonas Mbeki', 'First issue.'),
  ('EXT-ISPS', 1, 'approved', 1000, 'Pieter Okafor', 'Registered as external document.'),
  ('BGT-PRO-00', 1, 'approved', 1500, 'Samir Haddou', 'First issue.'),
  ('BGT-PRO-00', 2, 'approved', 1200, 'Samir Haddou', 'Last version before the automated gate.');

INSERT INTO scsm.document_version (org_id, document_id, version, content, change_summary, status, approved_by, approved_on, sensitivity)
SELECT pg_temp.org(), d.document_id, v.version,
       format('%s, version %s. %s', d.title, v.version, v.change),
       v.change, v.status,
       CASE WHEN v.approver IS NOT NULL THEN pg_temp.person(v.approver) END,
       current_date - v.days, d.sensitivity
  FROM demo_docv v
  JOIN scsm.document d ON d.org_id = pg_temp.org() AND d.code = v.code
 WHERE v.version = 1
 ORDER BY v.code;
INSERT INTO scsm.document_version (org_id, document_id, version, content, change_summary, status, approved_by, approved_on, sensitivity)
SELECT pg_temp.org(), d.document_id, v.version, format('%s, version %s. %s', d.title, v.version, v.change),
       v.change, v.status, CASE WHEN v.approver IS NOT NULL THEN pg_temp.person(v.approver) END,
       current_date - v.days, d.sensitivity
  FROM demo_docv v JOIN scsm.document d ON d.org_id = pg_temp.org() AND d.code = v.code
 WHERE v.version = 2
 ORDER BY v.code;
INSERT INTO scsm.document_version (org_id, document_id, version, content, change_summary, status, approved_by, approved_on, sensitivity)
SELECT pg_temp.org(), d.document_id, v.version, format('%s, version %s. %s', d.title, v.version, v.change),
       v.change, v.status, CASE WHEN v.approver IS NOT NULL THEN pg_temp.person(v.approver) END,
       current_date - v.days, d.sensitivity
  FROM demo_docv v JOIN scsm.document d ON d.org_id = pg_temp.org() AND d.code = v.code
 WHERE v.version = 3
 ORDER BY v.code;
-- The archived gate procedure: its last version is obsolete too.
UPDATE scsm.document_version SET status = 'obsolete'
 WHERE org_id = pg_temp.org() AND document_id = pg_temp.doc('BGT-PRO-00') AND status = 'approved';

-- Where current versions must be available (4.4.5 c).
INSERT INTO scsm.document_location (org_id, document_id, site_id)
SELECT pg_temp.org(), d.document_id, s.site_id
  FROM scsm.document d JOIN scsm.site s ON s.org_id = d.org_id
 WHERE d.org_id = pg_temp.org() AND d.status = 'active'
   AND NOT (d.code IN ('BGT-PFSP-01', 'BGT-PRO-01', 'BGT-PRO-02', 'BGT-PRO-03', 'BGT-PRO-10', 'BGT-EMP-01') AND s.name LIKE 'Ellmoor%')
   AND NOT (d.code IN ('BGT-PRO-04', 'BGT-PRO-05', 'BGT-PRO-09', 'BGT-EMP-02') AND s.name LIKE 'Brackwater%')
 ORDER BY d.code, s.name;

-- 4.4.6 Procedures and controls ---------------------------------------------------

INSERT INTO scsm.procedure (org_id, title, operation, purpose, document_id, site_id, covers_equipment, owner)
SELECT pg_temp.org(), v.title, v.op, v.purpose, pg_temp.doc(v.doc),
       CASE v.site WHEN 'T' THEN pg_temp.site('Brackwater%') WHEN 'D' THEN pg_temp.site('Ellmoor%') END,
       v.eq, pg_temp.person(v.owner)
  FROM (VALUES
    ('Gate transactions and seal verification', 'Truck gate in and out: driver identity, PIN, seal number and seal condition', 'significant_risk', 'BGT-PRO-01', 'T', false, 'Samir Haddou'),
    ('Container screening and radiation alarm response', 'X-ray screening of targeted containers; radiation portal monitor alarms', 'compliance', 'BGT-PRO-02', 'T', true, 'Pieter Okafor'),
    ('Access control and visitor management', 'Passes, turnstiles, escorts and visitor registration', 'policy', 'BGT-PRO-03', 'T', true, 'Pieter Okafor'),
    ('Bonded warehouse receipt and release', 'Receipt, storage and release of goods under customs supervision', 'compliance', 'BGT-PRO-04', 'D', false, 'Elise Norberg'),
    ('Depot patrols and train stabling checks', 'Patrol rounds and checks of trains stabled overnight', 'significant_risk', 'BGT-PRO-05', 'D', false, 'Lena Dorsch'),
    ('Management of change', 'Assessment of security risks before changes to organisation, processes, systems or suppliers', 'policy', 'BGT-PRO-06', NULL, false, 'Ingrid Valstad'),
    ('Incident reporting and investigation', 'Reporting, investigating and closing incidents, near misses and false alarms', 'objectives', 'BGT-PRO-07', NULL, false, 'Ingrid Valstad'),
    ('Backup and recovery of terminal systems', 'Backups, restores and segmentation of the terminal operating system', 'significant_risk', 'BGT-PRO-08', NULL, false, 'Ravi Castellano'),
    ('Haulier and subcontractor vetting', 'Vetting hauliers, drivers and subcontractors before they handle our cargo', 'supply_chain_security', 'BGT-PRO-09', 'D', false, 'Clara Whitfield'),
    ('Security equipment maintenance and calibration', 'Maintenance and calibration of scanners, portal monitors and CCTV', 'programmes', 'BGT-PRO-10', 'T', true, 'Kofi Mensah')
  ) AS v(title, op, purpose, doc, site, eq, owner);

INSERT INTO scsm.control (org_id, title, kind, description, owner, effectiveness, status, procedure_id)
SELECT pg_temp.org(), v.title, v.kind, v.descr, pg_temp.person(v.owner), v.eff, v.status,
       CASE WHEN v.proc IS NOT NULL THEN pg_temp.proc(v.proc) END
  FROM (VALUES
    ('Container x-ray screening of targeted boxes', 'technical', 'Risk-targeted x-ray scanning; images read by certified operators.', 'Pieter Okafor', 0.70, 'implemented', 'Container screening%'),
    ('Radiation portal monitors at the truck gate', 'technical', 'All trucks pass a portal monitor; alarms resolved by procedure.', 'Kofi Mensah', 0.80, 'implemented', 'Container screening%'),
    ('High-security bolt seals and seal verification', 'procedural', 'ISO 17712 high-security seals; seal number and photo checked at the gate.', 'Samir Haddou', 0.60, 'implemented', 'Gate transactions%'),
    ('PIN-based container release with second factor', 'technical', 'Release PIN plus driver identity check against the haulier booking.', 'Ravi Castellano', 0.70, 'implemented', 'Gate transactions%'),
    ('Perimeter fence, waterside intrusion detection and CCTV', 'physical', 'Double fence on the landside, radar and thermal cameras on the waterside.', 'Pieter Okafor', 0.60, 'implemented', NULL),
    ('Biometric access control at personnel turnstiles', 'physical', 'Turnstiles with fingerprint readers; anti-passback.', 'Pieter Okafor', 0.65, 'implemented', 'Access control%'),
    ('Pre-employment screening and rescreening every three years', 'personnel', 'Identity, references and certificate of conduct for staff with cargo access.', 'Oskar Lindqvist', 0.50, 'implemented', NULL),
    ('Guarding contract with service levels and penalties', 'contractual', 'Minimum staffing per shift, penalties for gaps, monthly review.', 'Pieter Okafor', 0.50, 'implemented', NULL),
    ('UPS and generator backup for security systems', 'technical', 'Access control, CCTV and scanners on UPS with generator backup.', 'Kofi Mensah', 0.70, 'implemented', 'Security equipment%'),
    ('Backups and network segmentation of the terminal operating system', 'technical', 'Immutable off-site backups; OT and office networks separated.', 'Ravi Castellano', 0.70, 'implemented', 'Backup and recovery%'),
    ('Security awareness and phishing training', 'personnel', 'Annual awareness training and quarterly phishing simulations.', 'Oskar Lindqvist', 0.40, 'implemented', NULL),
    ('Bonded stock reconciliation with customs', 'procedural', 'Daily reconciliation of bonded stock with the customs declaration system.', 'Elise Norberg', 0.70, 'implemented', 'Bonded warehouse%'),
    ('Depot patrols and checks of stabled trains', 'procedural', 'Patrol rounds every two hours; seals of stabled wagons checked.', 'Lena Dorsch', 0.50, 'implemented', 'Depot patrols%'),
    ('Flood barriers and raised electrical rooms', 'physical', 'Demountable flood barriers; electrical room B raised above surge level.', 'Mateo Ferreira', 0.60, 'implemented', NULL),
    ('Approved haulier list with vetting', 'contractual', 'Only vetted hauliers and registered drivers may collect cargo.', 'Clara Whitfield', 0.50, 'implemented', 'Haulier%'),
    ('Crisis communication protocol', 'procedural', 'Prepared statements, spokesperson and media line for security events.', 'Ingrid Valstad', 0.50, 'planned', NULL),
    ('Calibration and maintenance schedule for security equipment', 'procedural', 'Calibration at fixed intervals by accredited laboratories.', 'Kofi Mensah', 0.60, 'implemented', 'Security equipment%'),
    ('Anti-drone detection trial', 'technical', 'Radio-frequency drone detection over the container stack (trial).', 'Pieter Okafor', 0.30, 'planned', NULL)
  ) AS v(title, kind, descr, owner, eff, status, proc);

INSERT INTO scsm.risk_control (org_id, risk_id, control_id, effectiveness)
SELECT pg_temp.org(), pg_temp.risk(v.r), pg_temp.control(v.c), v.eff
  FROM (VALUES
    ('Theft of high-value%', 'Perimeter fence%', NULL::numeric),
    ('Theft of high-value%', 'Pre-employment%', NULL),
    ('Theft of high-value%', 'Guarding contract%', NULL),
    ('Fraudulent container release%', 'PIN-based%', 0.80),
    ('Fraudulent container release%', 'Approved haulier%', NULL),
    ('Sabotage of quay%', 'Perimeter fence%', NULL),
    ('Sabotage of quay%', 'UPS and generator%', NULL),
    ('Intrusion across%', 'Perimeter fence%', 0.70),
    ('Intrusion across%', 'Anti-drone%', NULL),
    ('Stowaways%', 'Container x-ray%', 0.60),
    ('Stowaways%', 'High-security bolt%', NULL),
    ('Tailgating%', 'Biometric access%', 0.60),
    ('Tailgating%', 'Security awareness%', NULL),
    ('Seal tampering%', 'High-security bolt%', 0.70),
    ('Insider collusion%', 'Pre-employment%', NULL),
    ('Insider collusion%', 'Container x-ray%', NULL),
    ('Insider collusion%', 'High-security bolt%', NULL),
    ('Gate clerks skipping%', 'PIN-based%', NULL),
    ('Gate clerks skipping%', 'Security awareness%', NULL),
    ('Storm surge%', 'Flood barriers%', 0.60),
    ('High winds%', 'UPS and generator%', 0.30),
    ('Contract guards absent%', 'Guarding contract%', 0.60),
    ('Grid power failure%', 'UPS and generator%', 0.80),
    ('Loss of the ISPS%', 'Container x-ray%', NULL),
    ('Loss of the ISPS%', 'Biometric access%', NULL),
    ('Media exposure%', 'Crisis communication%', NULL),
    ('X-ray scanner image%', 'Calibration and maintenance%', 0.70),
    ('Radiation portal monitors missing%', 'Calibration and maintenance%', 0.70),
    ('Radiation portal monitors missing%', 'Radiation portal monitors at%', NULL),
    ('Ransomware%', 'Backups and network%', 0.75),
    ('Ransomware%', 'Security awareness%', NULL),
    ('Leakage of cargo manifests%', 'Backups and network%', NULL),
    ('Leakage of cargo manifests%', 'PIN-based%', NULL),
    ('Phishing of gate staff%', 'Security awareness%', 0.50),
    ('Closure of the terminal%', 'Crisis communication%', NULL),
    ('Closure of the terminal%', 'Flood barriers%', NULL),
    ('Theft from bonded%', 'Bonded stock reconciliation%', 0.70),
    ('Theft from bonded%', 'Depot patrols%', NULL),
    ('Cargo theft from trains%', 'Depot patrols%', 0.40),
    ('Fence breach%', 'Depot patrols%', NULL),
    ('Release of bonded goods%', 'Bonded stock reconciliation%', 0.80),
    ('Depot CCTV blind spots%', 'Depot patrols%', NULL),
    ('Subcontracted hauliers%', 'Approved haulier%', 0.60),
    ('Mis-declared dangerous%', 'Bonded stock reconciliation%', NULL),
    ('River flooding%', 'Flood barriers%', NULL)
  ) AS v(r, c, eff);

-- 4.3.2 Legal, statutory and other requirements --------------------------------------

INSERT INTO scsm.legal_requirement (org_id, title, kind, jurisdiction, authority, reference, how_it_applies, owner,
                                    last_reviewed_on, communicated_on)
SELECT pg_temp.org(), v.title, v.kind, v.jur, v.auth, v.ref, v.how, pg_temp.person(v.owner),
       current_date - v.reviewed, current_date - v.reviewed + 14
  FROM (VALUES
    ('ISPS Code', 'legal', 'International', 'International Maritime Organization',
     'SOLAS chapter XI-2 and the ISPS Code, part A (part B as guidance)',
     'The terminal is a port facility: it needs an approved port facility security plan, a PFSO, drills and security levels.', 'Pieter Okafor', 200),
    ('EU regulation on ship and port facility security', 'legal', 'EU', 'European Commission / national port authority',
     'Regulation (EC) No 725/2004',
     'Makes parts of ISPS part B mandatory for the terminal; inspections by the national authority.', 'Pieter Okafor', 200),
    ('National port security act', 'statutory', 'NL', 'National port security authority',
     'Port security act and decree (national implementation of Directive 2005/65/EC)',
     'Port facility assessment every five years; reporting of security incidents to the port security officer.', 'Pieter Okafor', 200),
    ('AEO security and safety criteria', 'regulatory', 'EU', 'Customs administration',
     'Union Customs Code, Regulation (EU) No 952/2013, art. 38-39; Implementing Regulation (EU) 2015/2447, art. 28',
     'Our AEO-S authorisation requires secured premises, access control, cargo integrity, personnel screening and partner security.', 'Elise Norberg', 150),
    ('Customs warehousing authorisation', 'regulatory', 'EU', 'Customs administration',
     'Union Customs Code, art. 240-242; authorisation conditions of the Ellmoor bonded warehouse',
     'Bonded goods released only after customs clearance; stock records kept and reconciled.', 'Elise Norberg', 150),
    ('GDPR: video surveillance and access control data', 'legal', 'EU', 'Data protection authority',
     'Regulation (EU) 2016/679, art. 5, 6, 13 and 35',
     'CCTV and biometric access data need a lawful basis, a DPIA, signage, limited retention and no view of private property.', 'Fenna de Wit', 120),
    ('NIS2 obligations for port operators', 'legal', 'EU', 'National cyber security authority',
     'Directive (EU) 2022/2555 as transposed into national law',
     'As operator of a port facility we are an essential entity: cyber risk management and incident reporting within 24 hours.', 'Ravi Castellano', 100),
    ('Radiation protection for portal monitors and check sources', 'regulatory', 'NL', 'Nuclear safety and radiation protection authority',
     'Council Directive 2013/59/Euratom as transposed; registration of check sources',
     'Registered check sources for the portal monitors; trained staff; response to radiation alarms.', 'Kofi Mensah', 90),
    ('Security annex of terminal services agreements', 'contractual', NULL, 'Shipping line customers',
     'Terminal services agreements with Tidewell, Nordkap and Azura, security annex',
     'Seal checks, screening on request and incident notification within 24 hours to the shipping line.', 'Tobias Renwick', 60)
  ) AS v(title, kind, jur, auth, ref, how, owner, reviewed);

INSERT INTO scsm.legal_requirement_risk (org_id, legal_id, risk_id, note)
SELECT pg_temp.org(), pg_temp.legal(v.l), pg_temp.risk(v.r), v.note
  FROM (VALUES
    ('ISPS Code', 'Intrusion across%', 'Access control to the port facility'),
    ('ISPS Code', 'Stowaways%', NULL),
    ('ISPS Code', 'Loss of the ISPS%', 'Statement of compliance at stake'),
    ('ISPS Code', 'Tailgating%', NULL),
    ('EU regulation on ship%', 'Loss of the ISPS%', NULL),
    ('National port security act', 'Loss of the ISPS%', NULL),
    ('National port security act', 'Closure of the terminal%', 'Incident reporting duty'),
    ('AEO security%', 'Seal tampering%', 'Cargo integrity criterion'),
    ('AEO security%', 'Insider collusion%', 'Personnel screening criterion'),
    ('AEO security%', 'Subcontracted hauliers%', 'Business partner security criterion'),
    ('Customs warehousing%', 'Release of bonded goods%', NULL),
    ('Customs warehousing%', 'Theft from bonded%', NULL),
    ('GDPR%', 'Depot CCTV blind spots%', 'New camera positions need a DPIA update'),
    ('NIS2%', 'Ransomware%', NULL),
    ('NIS2%', 'Leakage of cargo manifests%', NULL),
    ('Radiation protection%', 'Radiation portal monitors missing%', NULL),
    ('Security annex%', 'Seal tampering%', NULL),
    ('Security annex%', 'Theft of high-value%', NULL)
  ) AS v(l, r, note);

-- 4.5.1 KPIs (defined before targets, which point at them) -------------------------

INSERT INTO scsm.kpi (org_id, name, measure_kind, orientation, unit, frequency, threshold, direction, owner)
SELECT pg_temp.org(), v.name, v.mk, v.ori, v.unit, '1 month', v.thr, v.dir, pg_temp.person(v.owner)
  FROM (VALUES
    ('Targeted containers screened by x-ray', 'quantitative', 'proactive', '%', 98::numeric, 'at_least', 'Pieter Okafor'),
    ('Radiation alarms resolved within 30 minutes', 'quantitative', 'proactive', '%', 95, 'at_least', 'Kofi Mensah'),
    ('Terminal CCTV availability', 'quantitative', 'proactive', '%', 99, 'at_least', 'Kofi Mensah'),
    ('Depot CCTV availability', 'quantitative', 'proactive', '%', 98, 'at_least', 'Lena Dorsch'),
    ('Gate transactions with seal verified', 'quantitative', 'proactive', '%', 99.5, 'at_least', 'Samir Haddou'),
    ('Security incidents', 'quantitative', 'reactive', 'count', 3, 'at_most', 'Ingrid Valstad'),
    ('Staff with valid security training', 'quantitative', 'proactive', '%', 95, 'at_least', 'Oskar Lindqvist'),
    ('Guarding service quality', 'qualitative', 'proactive', NULL, NULL, 'at_least', 'Pieter Okafor')
  ) AS v(name, mk, ori, unit, thr, dir, owner);

-- 4.3.3 - 4.3.5 Objectives, targets, programmes ----------------------------------------

INSERT INTO scsm.objective (org_id, policy_id, title, function_level, quantified, rationale, owner,
                            review_interval, last_reviewed_on, communicated_on)
SELECT pg_temp.org(), p.policy_id, v.title, v.lvl, v.q, v.why, pg_temp.person(v.owner), '1 year',
       current_date - v.reviewed, current_date - v.reviewed + 10
  FROM scsm.policy p,
       (VALUES
         ('Prevent cargo theft and tampering at both sites', 'organization', true, 'Theft and seal tampering are our most frequent incidents.', 'Ingrid Valstad', 300),
         ('Keep screening and surveillance equipment fully effective', 'Brackwater Deep-Sea Terminal', true, 'Screening is required by customs and the shipping lines.', 'Kofi Mensah', 300),
         ('Make all staff and contractors competent for their security duties', 'organization', true, 'Audits found training gaps.', 'Oskar Lindqvist', 300),
         ('Keep ISPS compliance and the AEO-S authorisation without major findings', 'organization', true, 'Loss of either would stop the business.', 'Elise Norberg', 400),
         ('Strengthen cyber resilience of the terminal systems', 'organization', true, 'Ransomware hit two peer terminals last year.', 'Ravi Castellano', 200)
       ) AS v(title, lvl, q, why, owner, reviewed)
 WHERE p.org_id = pg_temp.org();

INSERT INTO scsm.objective_input (org_id, objective_id, input_kind, legal_id, risk_id, note)
SELECT pg_temp.org(), pg_temp.objective(v.o), v.kind,
       CASE WHEN v.l IS NOT NULL THEN pg_temp.legal(v.l) END,
       CASE WHEN v.r IS NOT NULL THEN pg_temp.risk(v.r) END, v.note
  FROM (VALUES
    ('Prevent cargo theft%', 'risk', NULL, 'Theft of high-value%', NULL),
    ('Prevent cargo theft%', 'risk', NULL, 'Seal tampering%', NULL),
    ('Prevent cargo theft%', 'stakeholder', NULL, NULL, 'Shipping lines ask for theft figures in tenders.'),
    ('Keep screening%', 'legal', 'ISPS Code', NULL, NULL),
    ('Keep screening%', 'technology', NULL, NULL, 'Scanner XS-1 reaches end of life in three years.'),
    ('Make all staff%', 'business', NULL, NULL, 'Contract guard turnover above 30 % a year.'),
    ('Keep ISPS compliance%', 'legal', 'AEO security%', NULL, NULL),
    ('Keep ISPS compliance%', 'legal', 'National port security act', NULL, NULL),
    ('Strengthen cyber%', 'risk', NULL, 'Ransomware%', NULL),
    ('Strengthen cyber%', 'legal', 'NIS2%', NULL, NULL),
    ('Strengthen cyber%', 'business', NULL, NULL, 'Budget agreed in the last business plan.')
  ) AS v(o, kind, l, r, note);

INSERT INTO scsm.target (org_id, objective_id, title, metric, target_value, unit, direction, due_date, kpi_id,
                         owner, last_reviewed_on, communicated_on, status)
SELECT pg_temp.org(), pg_temp.objective(v.o), v.title, v.metric, v.val, v.unit, v.dir, current_date + v.due,
       CASE WHEN v.kpi IS NOT NULL THEN pg_temp.kpi(v.kpi) END, pg_temp.person(v.owner),
       current_date - v.reviewed, current_date - 290, v.status
  FROM (VALUES
    ('Prevent cargo theft%', 'At most 4 theft incidents in twelve months', 'theft incidents in the last 12 months', 4::numeric, 'count', 'at_most', 120, NULL::text, 'Ingrid Valstad', 40, 'open'),
    ('Prevent cargo theft%', 'Seal verified on 99.5 % of gate transactions', 'gate transactions with seal verified', 99.5, '%', 'at_least', 60, 'Gate transactions%', 'Samir Haddou', 40, 'open'),
    ('Keep screening%', 'Screen 98 % of targeted containers', 'targeted containers screened', 98, '%', 'at_least', -30, 'Targeted containers%', 'Pieter Okafor', 150, 'open'),
    ('Keep screening%', 'CCTV available 99 % of the time at the terminal', 'terminal CCTV availability', 99, '%', 'at_least', 200, 'Terminal CCTV%', 'Kofi Mensah', 60, 'open'),
    ('Make all staff%', '95 % of staff with valid security training', 'staff with valid security training', 95, '%', 'at_least', 90, 'Staff with valid%', 'Oskar Lindqvist', 60, 'open'),
    ('Make all staff%', 'Every contract guard vetted and trained before the first shift', 'contract guards vetted and trained before first shift', 100, '%', 'at_least', -100, NULL, 'Pieter Okafor', 100, 'met'),
    ('Keep ISPS compliance%', 'No major nonconformity in external audits', 'major nonconformities in external audits', 0, 'count', 'at_most', 150, NULL, 'Elise Norberg', 150, 'open'),
    ('Strengthen cyber%', 'Phishing simulation click rate at most 5 %', 'share of staff clicking in phishing simulations', 5, '%', 'at_most', 180, NULL, 'Ravi Castellano', 30, 'open')
  ) AS v(o, title, metric, val, unit, dir, due, kpi, owner, reviewed, status);

INSERT INTO scsm.programme (org_id, title, objective_id, target_id, responsible, authority, means, budget, priority,
                            start_date, due_date, last_reviewed_on, status)
SELECT pg_temp.org(), v.title, pg_temp.objective(v.o), CASE WHEN v.t IS NOT NULL THEN pg_temp.target(v.t) END,
       pg_temp.person(v.resp), v.auth, v.means, v.budget, v.prio, current_date - v.start, current_date + v.due,
       current_date - v.reviewed, v.status
  FROM (VALUES
    ('Gate and seal integrity programme', 'Prevent cargo theft%', 'Seal verified%', 'Samir Haddou',
     'Approves gate procedure changes and overtime for seal checks.', 'Seal readers on lanes 1-6, refresher training, random seal audits.', 185000::numeric, 1, 200, 160, 30, 'active'),
    ('Screening capacity upgrade', 'Keep screening%', 'Screen 98 %%', 'Kofi Mensah',
     'Orders scanner upgrades within budget; schedules maintenance windows.', 'Second image-reading station, faster scanner belt, extra operator per shift.', 640000, 1, 300, 90, 60, 'active'),
    ('Depot perimeter and CCTV renewal', 'Prevent cargo theft%', NULL, 'Lena Dorsch',
     'Contracts fence and CCTV works at the depot.', 'New fence along the rail siding, 14 new cameras covering the re-laid yard.', 210000, 2, 150, -10, 90, 'active'),
    ('Security training and awareness campaign', 'Make all staff%', '95 %%', 'Oskar Lindqvist',
     'Books trainers and releases staff for training.', 'E-learning for all, classroom sessions for guards and scanner operators.', 45000, 2, 240, 120, 45, 'active'),
    ('Cyber hardening of terminal systems', 'Strengthen cyber%', 'Phishing%', 'Ravi Castellano',
     'Changes system configurations; engages the hosting provider.', 'Multi-factor login, network segmentation, immutable backups, phishing simulations.', 320000, 1, 90, 270, 20, 'active'),
    ('Guard vetting programme', 'Make all staff%', 'Every contract guard%', 'Pieter Okafor',
     'Refuses site access to unvetted guards.', 'Vetting with the guarding company before the first shift.', 12000, 3, 400, -100, 100, 'completed')
  ) AS v(title, o, t, resp, auth, means, budget, prio, start, due, reviewed, status);

INSERT INTO scsm.programme_measure (org_id, programme_id, title, risk_id, control_id, cost, expected_reduction, selected, due_date, status)
SELECT pg_temp.org(), pg_temp.programme(v.p), v.title,
       CASE WHEN v.r IS NOT NULL THEN pg_temp.risk(v.r) END,
       CASE WHEN v.c IS NOT NULL THEN pg_temp.control(v.c) END,
       v.cost, v.red, v.sel, current_date + v.due, v.status
  FROM (VALUES
    ('Gate and seal%', 'Seal readers on gate lanes 1-6', 'Seal tampering%', 'High-security bolt%', 96000::numeric, 40000::numeric, true, 60, 'approved'),
    ('Gate and seal%', 'Refresher training for gate clerks', 'Gate clerks skipping%', 'Security awareness%', 14000, 9000, true, -20, 'done'),
    ('Gate and seal%', 'Random seal audits by the security shift', 'Seal tampering%', NULL, 25000, 12000, true, 120, 'approved'),
    ('Gate and seal%', 'Electronic seals for all export boxes', 'Seal tampering%', NULL, 410000, 55000, false, NULL, 'dropped'),
    ('Screening capacity%', 'Second image-reading station', 'Stowaways%', 'Container x-ray%', 180000, 60000, true, 30, 'approved'),
    ('Screening capacity%', 'Faster scanner conveyor', NULL, 'Container x-ray%', 420000, 45000, true, 90, 'approved'),
    ('Depot perimeter%', 'New fence along the rail siding', 'Fence breach%', NULL, 120000, 30000, true, -10, 'approved'),
    ('Depot perimeter%', 'Fourteen cameras for the re-laid yard', 'Depot CCTV blind spots%', NULL, 90000, 35000, true, -10, 'approved'),
    ('Security training%', 'E-learning licences', 'Phishing of gate staff%', 'Security awareness%', 15000, 8000, true, 30, 'done'),
    ('Security training%', 'Scanner operator recertification', 'X-ray scanner image%', NULL, 30000, 10000, true, 60, 'approved'),
    ('Cyber hardening%', 'Multi-factor login for all terminal users', 'Phishing of gate staff%', NULL, 60000, 50000, true, 45, 'approved'),
    ('Cyber hardening%', 'Immutable backups at a second data centre', 'Ransomware%', 'Backups and network%', 140000, 90000, true, 150, 'approved'),
    ('Cyber hardening%', 'OT network segmentation', 'Ransomware%', NULL, 120000, 70000, true, 270, 'proposed')
  ) AS v(p, title, r, c, cost, red, sel, due, status);

-- 4.4.2 Competences and training ----------------------------------------------------

INSERT INTO scsm.competence (org_id, name, description, kind, validity)
SELECT pg_temp.org(), v.name, v.descr, v.kind, v.validity::interval
  FROM (VALUES
    ('PFSO certificate', 'Port facility security officer course recognised by the port authority.', 'qualification', '5 years'),
    ('Port facility security duties', 'Security duties under the port facility security plan.', 'training', '2 years'),
    ('Security awareness', 'Policy, reporting, consequences of deviation, roles in an emergency.', 'awareness', '1 year'),
    ('X-ray image interpretation', 'Reading container x-ray images; recognising concealments.', 'qualification', '2 years'),
    ('Radiation detection and response', 'Portal monitor alarms, handheld detectors, radiation safety.', 'training', '2 years'),
    ('ISO 28000 internal auditor', 'Auditing a security management system against ISO 28000.', 'qualification', '3 years'),
    ('First aid and emergency response', 'First aid, evacuation and emergency roles.', 'training', '3 years'),
    ('Customs and AEO procedures', 'Customs supervision, bonded goods and AEO criteria.', 'training', '2 years'),
    ('Data protection for CCTV operators', 'Lawful use, viewing and retention of CCTV images.', 'training', '2 years'),
    ('Crisis management', 'Leading the response to a security emergency.', 'training', '3 years')
  ) AS v(name, descr, kind, validity);

INSERT INTO scsm.role_competence (org_id, role_id, competence_id)
SELECT pg_temp.org(), pg_temp.role(v.role), pg_temp.competence(c)
  FROM (VALUES
    ('Managing Director', ARRAY['Crisis management', 'Security awareness']),
    ('Head of Security and Resilience', ARRAY['Crisis management', 'Security awareness', 'PFSO certificate']),
    ('Port Facility Security Officer', ARRAY['PFSO certificate', 'Port facility security duties', 'Security awareness', 'Crisis management']),
    ('Depot Security Manager', ARRAY['Port facility security duties', 'Security awareness', 'Customs and AEO procedures']),
    ('Internal Audit Lead', ARRAY['ISO 28000 internal auditor', 'Security awareness']),
    ('Internal Auditor', ARRAY['ISO 28000 internal auditor', 'Security awareness']),
    ('IT and OT Security Manager', ARRAY['Security awareness']),
    ('Customs and AEO Compliance Officer', ARRAY['Customs and AEO procedures', 'Security awareness']),
    ('Data Protection Officer', ARRAY['Data protection for CCTV operators', 'Security awareness']),
    ('Security Shift Supervisor (Terminal)', ARRAY['Port facility security duties', 'Security awareness', 'First aid and emergency response', 'Data protection for CCTV operators']),
    ('Security Shift Supervisor (Depot)', ARRAY['Port facility security duties', 'Security awareness', 'First aid and emergency response', 'Data protection for CCTV operators']),
    ('Scanner Operator', ARRAY['X-ray image interpretation', 'Radiation detection and response', 'Security awareness']),
    ('Gate Clerk', ARRAY['Security awareness']),
    ('Rail Yard Supervisor', ARRAY['Security awareness', 'First aid and emergency response']),
    ('Emergency Coordinator', ARRAY['First aid and emergency response', 'Crisis management', 'Security awareness']),
    ('Security Systems Engineer', ARRAY['Radiation detection and response', 'Security awareness']),
    ('Contract Guard Team Lead (Terminal)', ARRAY['Port facility security duties', 'Security awareness', 'First aid and emergency response']),
    ('Contract Guard (Depot)', ARRAY['Port facility security duties', 'Security awareness', 'First aid and emergency response'])
  ) AS v(role, comps), unnest(v.comps) AS c;

-- Training records: every appointed person holds a valid record for each
-- competence their role requires, completed on a date spread over the
-- validity period (deterministic: derived from the names) ...
INSERT INTO scsm.training_record (org_id, person_id, competence_id, awareness_topic, completed_on, valid_until, provider, evidence, result)
SELECT x.org_id, x.person_id, x.competence_id,
       CASE WHEN x.kind = 'awareness' THEN 'policy_compliance' END,
       x.done, (x.done + x.validity)::date,
       CASE x.kind WHEN 'qualification' THEN 'Harbour Security Academy' WHEN 'awareness' THEN 'e-learning' ELSE 'in-house' END,
       format('certificate %s-%s', upper(left(x.cname, 3)), 1000 + (abs(hashtext(x.full_name || x.cname)) % 9000)),
       'passed'
  FROM (SELECT DISTINCT p.org_id, p.person_id, p.full_name, c.competence_id, c.name AS cname, c.kind, c.validity,
               current_date - 10 - abs(hashtext(p.full_name || '/' || c.name)) % 300 AS done
          FROM scsm.appointment a
          JOIN scsm.person p USING (org_id, person_id)
          JOIN scsm.role_competence rc ON rc.org_id = a.org_id AND rc.role_id = a.role_id
          JOIN scsm.competence c ON c.org_id = rc.org_id AND c.competence_id = rc.competence_id
         WHERE a.org_id = pg_temp.org()
           AND (p.full_name, c.name) NOT IN (('Greta Paulsen', 'X-ray image interpretation'),
                                             ('Victor Almeida', 'Security awareness'),
                                             ('Bram Kessler', 'First aid and emergency response'),
                                             ('Noor Saidi', 'Data protection for CCTV operators'))) x
 ORDER BY x.full_name, x.cname;

-- ... except for a few gaps: expired records never renewed, one never trained,
-- and some history (an expired record later renewed, a failed attempt).
INSERT INTO scsm.training_record (org_id, person_id, competence_id, awareness_topic, completed_on, valid_until, provider, evidence, result)
SELECT pg_temp.org(), pg_temp.person(v.p), pg_temp.competence(v.c), v.topic,
       current_date - v.done, current_date - v.done + v.valid, v.provider, v.evidence, v.result
  FROM (VALUES
    ('Greta Paulsen', 'X-ray image interpretation', NULL, 800, 730, 'Harbour Security Academy', 'certificate XRA-2231', 'passed'),
    ('Victor Almeida', 'Security awareness', 'policy_compliance', 420, 365, 'e-learning', 'completion XS-881', 'passed'),
    ('Bram Kessler', 'First aid and emergency response', 'roles_and_emergency', 1200, 1095, 'Red Star First Aid', 'card FA-1187', 'passed'),
    ('Hugo Marchetti', 'X-ray image interpretation', NULL, 900, 730, 'Harbour Security Academy', 'certificate XRA-1170', 'passed'),
    ('Greta Paulsen', 'Radiation detection and response', NULL, 260, NULL, 'in-house', 'exam sheet RD-77', 'failed'),
    ('Daan Verhoef', 'Security awareness', 'consequences_of_deviation', 35, 365, 'toolbox talk', 'attendance list TB-12', 'attended')
  ) AS v(p, c, topic, done, valid, provider, evidence, result);

-- 4.4.3 Communication ---------------------------------------------------------------

INSERT INTO scsm.communication (org_id, direction, party_kind, party, subject, summary, is_complaint, about_clause,
                                occurred_on, response_due, responded_on, sensitivity, sensitivity_checked_by)
SELECT pg_temp.org(), v.dir, v.kind, v.party, v.subject, v.summary, v.complaint, v.clause::scsm.clause,
       current_date - v.days, current_date - v.due, current_date - v.resp, v.sens::scsm.sensitivity,
       CASE WHEN v.checker IS NOT NULL THEN pg_temp.person(v.checker) END
  FROM (VALUES
    ('internal', 'employee', 'All staff', 'Policy version 2 briefing', 'Town-hall briefings at both sites on the revised policy.', false, '4.2', 315, NULL::int, NULL::int, 'internal', NULL),
    ('outbound', 'contractor', 'Vigilon Guarding Services', 'Security requirements for contract guards', 'Vetting, training and reporting duties under the guarding contract.', false, '4.4.6', 440, NULL, NULL, 'internal', 'Pieter Okafor'),
    ('outbound', 'supplier', 'Tidewell, Nordkap and Azura', 'Seal and screening requirements', 'Security annex obligations restated for the coming season.', false, '4.4.6', 290, NULL, NULL, 'internal', 'Tobias Renwick'),
    ('inbound', 'authority', 'National port security authority', 'Security level 2 for 48 hours', 'Port raised to security level 2 after a threat against the port area.', false, '4.4.7', 210, NULL, NULL, 'confidential', NULL),
    ('outbound', 'authority', 'Customs Administration, Brackwater office', 'Report of tampered seal on an export container', 'Notification with photos and gate records.', false, '4.5.3', 139, NULL, NULL, 'confidential', 'Elise Norberg'),
    ('outbound', 'public', 'Website', 'Public summary of the security policy', 'Summary of policy version 2 published.', false, '4.2', 300, NULL, NULL, 'public', NULL),
    ('inbound', 'public', 'Resident, Havenstraat', 'Complaint: camera overlooks private gardens', 'A resident complains that camera 14 on the landside fence looks into private gardens.', true, '4.4.3', 95, 81, 84, 'internal', NULL),
    ('inbound', 'customer', 'Calder Pharma Logistics', 'Complaint: release delayed by screening', 'Customer complains about a 20-hour release delay of a reefer held for screening.', true, '4.4.3', 20, 6, NULL, 'internal', NULL),
    ('inbound', 'supplier', 'Vigilon Guarding Services', 'Staff shortage over the holiday period', 'Guarding company warns of 15 % fewer guards during the holidays.', false, '4.4.6', 25, 10, 12, 'internal', NULL),
    ('internal', 'employee', 'Gate and security staff', 'Toolbox talk: tailgating', 'Short briefing after the tailgating incident.', false, '4.4.2', 110, NULL, NULL, 'internal', NULL),
    ('outbound', 'authority', 'National cyber security authority', 'Early warning: compromised gate staff account', 'Incident notification within 24 hours (NIS2).', false, '4.5.3', 209, NULL, NULL, 'confidential', 'Ravi Castellano')
  ) AS v(dir, kind, party, subject, summary, complaint, clause, days, due, resp, sens, checker);

-- 4.4.6 Management of change ---------------------------------------------------------

INSERT INTO scsm.change_request (org_id, title, kind, description, requested_by, status, risk_assessed_on, risk_assessed_by,
                                 risk_assessment, risk_id, approved_by, implemented_on)
SELECT pg_temp.org(), v.title, v.kind, v.descr, pg_temp.person(v.req), v.status,
       current_date - v.assessed, CASE WHEN v.assessor IS NOT NULL THEN pg_temp.person(v.assessor) END, v.assessment,
       CASE WHEN v.r IS NOT NULL THEN pg_temp.risk(v.r) END,
       CASE WHEN v.approver IS NOT NULL THEN pg_temp.person(v.approver) END,
       current_date - v.implemented
  FROM (VALUES
    ('Introduce PIN-based container release', 'process', 'Replace paper release orders by a PIN plus driver identity check.', 'Samir Haddou', 'implemented',
     250, 'Ingrid Valstad', 'Reduces fraudulent release; new risk of PIN leakage handled by encryption and expiry.', 'Fraudulent container release%', 'Tobias Renwick', 200),
    ('Relocate the depot truck entrance to the east gate', 'infrastructure_technology', 'Move the truck entrance so trucks no longer cross the rail siding.', 'Clara Whitfield', 'proposed',
     NULL::int, NULL, NULL, NULL, NULL, NULL::int),
    ('Replace the guarding contractor at the depot', 'suppliers_personnel', 'Tender the depot guarding separately from the terminal.', 'Lena Dorsch', 'assessed',
     15, 'Ingrid Valstad', 'Transition period of six weeks with double staffing; vetting of new guards before start.', 'Contract guards absent%', NULL, NULL),
    ('Merge the terminal and depot security control rooms', 'organization', 'One control room at the terminal watching both sites.', 'Tobias Renwick', 'rejected',
     120, 'Ingrid Valstad', 'Single point of failure; depot response times would exceed 20 minutes.', NULL, NULL, NULL)
  ) AS v(title, kind, descr, req, status, assessed, assessor, assessment, r, approver, implemented);

-- 4.4.7 Emergency plans and exercises ----------------------------------------------------

INSERT INTO scsm.emergency_plan (org_id, title, scenario, site_id, document_id, resources, owner, review_interval,
                                 last_reviewed_on, exercise_interval, sensitivity)
SELECT pg_temp.org(), v.title, v.scenario,
       CASE v.site WHEN 'T' THEN pg_temp.site('Brackwater%') WHEN 'D' THEN pg_temp.site('Ellmoor%') END,
       pg_temp.doc(v.doc), v.res, pg_temp.person(v.owner), '1 year', current_date - v.reviewed, v.ex::interval, 'confidential'
  FROM (VALUES
    ('Terminal security incident and bomb threat response', 'Bomb threat, suspicious package or armed intrusion at the terminal; evacuation of quay and gate.', 'T', 'BGT-EMP-01',
     'Assembly points, public address system, police liaison line, evacuation marshals per shift.', 'Mateo Ferreira', 380, '6 months'),
    ('Radiation alarm and hazardous cargo response', 'Confirmed radiation alarm or leaking dangerous goods at the terminal.', 'T', 'BGT-EMP-01',
     'Isolation area, handheld detectors, fire brigade hazmat unit on call.', 'Kofi Mensah', 200, '1 year'),
    ('Storm surge and flooding', 'Storm surge above 3.5 m; evacuation of low yard blocks; flood barriers.', 'T', 'BGT-EMP-01',
     'Demountable barriers, pumps, generator, mobile CCTV towers.', 'Mateo Ferreira', 60, '1 year'),
    ('Depot intrusion and train theft response', 'Intruders on the rail siding or in the bonded warehouse at night.', 'D', 'BGT-EMP-02',
     'Guard response team, police liaison, lighting towers.', 'Lena Dorsch', 330, '1 year'),
    ('Cyber incident response', 'Ransomware or loss of the terminal operating system.', NULL, 'BGT-EMP-03',
     'Offline runbooks, manual gate procedure, hosting provider emergency line.', 'Ravi Castellano', 200, '1 year')
  ) AS v(title, scenario, site, doc, res, owner, reviewed, ex);

INSERT INTO scsm.exercise (org_id, plan_id, kind, due_on, held_on, outcome, lessons)
SELECT pg_temp.org(), pg_temp.plan(v.p), v.kind, current_date + v.due, current_date + v.held, v.outcome, v.lessons
  FROM (VALUES
    ('Terminal security%', 'tabletop', -300, -296, 'effective', 'Roles clear; police liaison number outdated in the plan.'),
    ('Terminal security%', 'drill', -120, -117, 'partly_effective', 'Evacuation of the gate took 14 minutes against 10; marshals missing on night shift.'),
    ('Terminal security%', 'drill', 60, NULL::int, NULL, NULL),
    ('Radiation alarm%', 'drill', -200, -190, 'effective', 'Isolation area set up within 8 minutes.'),
    ('Radiation alarm%', 'functional', 165, NULL, NULL, NULL),
    ('Storm surge%', 'tabletop', -250, -240, 'effective', 'Barrier deployment list updated.'),
    ('Storm surge%', 'functional', 110, NULL, NULL, NULL),
    ('Depot intrusion%', 'drill', -380, -375, 'effective', 'Police arrived in 12 minutes.'),
    ('Depot intrusion%', 'drill', -20, NULL, NULL, NULL),
    ('Cyber incident%', 'tabletop', -150, -140, 'partly_effective', 'Manual gate procedure not known to night shift.'),
    ('Cyber incident%', 'functional', 215, NULL, NULL, NULL)
  ) AS v(p, kind, due, held, outcome, lessons);

-- 4.5.1 Monitoring equipment and calibration ------------------------------------------------

INSERT INTO scsm.monitoring_equipment (org_id, name, serial_number, site_id, calibration_interval)
SELECT pg_temp.org(), v.name, v.serial,
       CASE v.site WHEN 'T' THEN pg_temp.site('Brackwater%') WHEN 'D' THEN pg_temp.site('Ellmoor%') END,
       v.ival::interval
  FROM (VALUES
    ('Container x-ray scanner XS-1', 'XS1-22031', 'T', '6 months'),
    ('Radiation portal monitors, truck gate lanes 1-6', 'RPM-6L-0412', 'T', '1 year'),
    ('Terminal CCTV network video recorder', 'NVR-T-7731', 'T', '1 year'),
    ('Depot CCTV network video recorder', 'NVR-D-1208', 'D', '1 year'),
    ('Handheld radiation detector HD-2', 'HD2-5531', 'T', '1 year')
  ) AS v(name, serial, site, ival);

INSERT INTO scsm.calibration (org_id, equipment_id, kind, performed_on, result, next_due, performed_by, certificate_ref)
SELECT pg_temp.org(), pg_temp.equipment(v.e), v.kind, current_date - v.done, v.result, current_date - v.done + v.valid,
       v.by, v.cert
  FROM (VALUES
    ('Container x-ray%', 'calibration', 420, 'pass', 180, 'Scanner vendor field service', 'CAL-XS1-0419'),
    ('Container x-ray%', 'calibration', 240, 'adjusted', 180, 'Scanner vendor field service', 'CAL-XS1-0598'),
    ('Container x-ray%', 'calibration', 60, 'pass', 180, 'Scanner vendor field service', 'CAL-XS1-0777'),
    ('Radiation portal%', 'calibration', 390, 'pass', 365, 'Isotron Calibration Services', 'ISO-RPM-2211'),
    ('Radiation portal%', 'calibration', 26, 'pass', 365, 'Isotron Calibration Services', 'ISO-RPM-2570'),
    ('Terminal CCTV%', 'calibration', 665, 'pass', 365, 'Kofi Mensah', 'NVR-T-CHK-10'),
    ('Terminal CCTV%', 'calibration', 300, 'pass', 365, 'Kofi Mensah', 'NVR-T-CHK-11'),
    ('Terminal CCTV%', 'maintenance', 100, 'pass', 180, 'Kofi Mensah', NULL),
    ('Depot CCTV%', 'calibration', 380, 'pass', 365, 'Kofi Mensah', 'NVR-D-CHK-04'),
    ('Handheld radiation%', 'calibration', 200, 'fail', 30, 'Isotron Calibration Services', 'ISO-HD2-0090'),
    ('Handheld radiation%', 'calibration', 185, 'adjusted', 365, 'Isotron Calibration Services', 'ISO-HD2-0101')
  ) AS v(e, kind, done, result, valid, by, cert);

-- 4.5.3 A year of incidents, near misses and false alarms ------------------------------------
-- Investigated a few days after they happen; closed some weeks later, except
-- the most recent ones.

INSERT INTO scsm.incident (org_id, kind, title, description, occurred_at, reported_at, site_id, node_id, threat_category,
                           risk_id, severity, loss_estimate, investigated_by, investigation, investigated_on, mitigation,
                           closed_on, sensitivity)
SELECT pg_temp.org(), v.kind, v.title, v.descr,
       (current_date - v.days) + v.at, (current_date - v.days) + v.at + interval '40 minutes',
       CASE v.site WHEN 'T' THEN pg_temp.site('Brackwater%') WHEN 'D' THEN pg_temp.site('Ellmoor%') END,
       CASE WHEN v.node IS NOT NULL THEN pg_temp.node(v.node) END,
       v.cat, CASE WHEN v.r IS NOT NULL THEN pg_temp.risk(v.r) END, v.sev, v.loss,
       CASE WHEN v.inv IS NOT NULL THEN pg_temp.person(v.inv) END,
       v.finding, current_date - v.days + v.inv_after, v.mitigation,
       current_date - v.days + v.close_after,
       CASE WHEN v.kind = 'false_alarm' THEN 'internal' ELSE 'confidential' END::scsm.sensitivity
  FROM (VALUES
    ('incident', 'Theft of laptops from a container in stack block C', 'Forty laptops missing from a container found with a cut seal during a routine stack patrol.', 350, time '03:20', 'T', NULL, 'a', 'Theft of high-value%', 4, 62000::numeric,
     'Pieter Okafor', 'Cut seal replaced by a look-alike at night; blind spot between CCTV masts 9 and 10.', 5, 'Extra camera at block C; seal checks on high-value boxes in the stack.', 50),
    ('false_alarm', 'Perimeter alarm triggered by birds on the waterside fence', 'Intrusion detection alarm, no intruder found.', 335, time '05:10', 'T', NULL, 'a', 'Intrusion across%', 1, NULL,
     'Amina Yusuf', 'Gulls on the fence sensor.', 1, 'Sensor sensitivity tuned.', 10),
    ('near_miss', 'Truck presented a release PIN issued to another haulier', 'Driver of Hollin Road Freight presented a PIN booked for Kestrel Haulage; gate refused release.', 320, time '14:05', 'T', 'Hollin%', 'a', 'Fraudulent container release%', 3, NULL,
     'Samir Haddou', 'PIN forwarded by e-mail inside the haulier; no loss.', 3, 'Hauliers reminded that PINs are personal.', 30),
    ('incident', 'Seal number mismatch on an inbound reefer container', 'Seal number at the gate differed from the manifest.', 305, time '09:40', 'T', 'Tidewell%', 'b', 'Seal tampering%', 2, NULL,
     'Samir Haddou', 'Seal replaced by the ship crew after a reefer fault; not documented.', 4, 'Shipping line asked to report seal changes.', 25),
    ('incident', 'Intruder on the rail siding at night', 'Guard saw a person crossing the siding fence; fled before police arrived.', 290, time '01:55', 'D', NULL, 'a', 'Fence breach%', 3, NULL,
     'Lena Dorsch', 'Hole cut in the fence behind wagon track 4.', 2, 'Fence repaired; patrols doubled for two weeks.', 40),
    ('failure', 'X-ray scanner out of service for 36 hours', 'Scanner XS-1 failed; targeted containers held or inspected by hand.', 270, time '11:00', 'T', NULL, 'f', 'X-ray scanner image%', 3, 15000,
     'Kofi Mensah', 'Detector board failure; spare parts not in stock.', 3, 'Critical spares now kept on site.', 20),
    ('false_alarm', 'Radiation portal monitor alarm on ceramic tiles', 'Alarm on a container of floor tiles (naturally occurring radioactive material).', 255, time '16:30', 'T', NULL, 'f', 'Radiation portal monitors missing%', 1, NULL,
     'Hugo Marchetti', 'NORM confirmed with the handheld detector.', 1, NULL, 5),
    ('incident', 'Two stowaways found in an outbound container', 'Two people found in an empty outbound container during x-ray screening.', 240, time '07:15', 'T', 'Azura%', 'a', 'Stowaways%', 4, NULL,
     'Pieter Okafor', 'Entered the empty depot through the landside fence; empties not screened before stuffing.', 3, 'Empty containers inspected before release; fence repaired.', 60),
    ('near_miss', 'Gate clerk let a driver through without identity check at peak hour', 'Driver passed the gate on PIN only during a queue of 60 trucks.', 226, time '08:50', 'T', NULL, 'b', 'Gate clerks skipping%', 2, NULL,
     'Samir Haddou', 'Queue pressure; no second clerk on lane 3.', 2, 'Second clerk at peak hours.', 15),
    ('incident', 'Phishing e-mail led to a compromised gate staff account', 'A gate staff account was used from abroad after a phishing e-mail.', 210, time '22:10', NULL, NULL, 'g', 'Phishing of gate staff%', 3, 8000,
     'Ravi Castellano', 'Password reused; no multi-factor login.', 1, 'Account locked; multi-factor login brought forward.', 30),
    ('emergency', 'Storm surge flooded electrical room B', 'Storm surge of 3.8 m flooded electrical room B; CCTV and access control at the gate down for 9 hours.', 196, time '04:30', 'T', NULL, 'c', 'Storm surge%', 5, 145000,
     'Mateo Ferreira', 'Flood barrier for room B not deployed: missing from the deployment list.', 2, 'Mobile CCTV towers and guards at the gate; room B to be raised.', 70),
    ('incident', 'Cargo theft from a stabled train', 'Cartons of sports shoes stolen from a wagon stabled overnight at Ellmoor.', 180, time '02:40', 'D', 'Lindvale%', 'a', 'Cargo theft from trains%', 3, 18000,
     'Lena Dorsch', 'Wagon seal cut; patrol missed the track because of the yard re-layout.', 4, 'Patrol route updated.', 45),
    ('failure', 'Contract guards short-staffed on two night shifts', 'Two of six guard posts empty on two night shifts.', 165, time '23:00', 'T', 'Vigilon%', 'd', 'Contract guards absent%', 2, NULL,
     'Pieter Okafor', 'Sickness; no reserve pool at the guarding company.', 3, 'Contract penalty applied; reserve pool agreed.', 30),
    ('false_alarm', 'Depot fence alarm in high winds', 'Fence alarm at the depot during a gale; no intruder.', 150, time '19:20', 'D', NULL, 'c', 'Fence breach%', 1, NULL,
     'Noor Saidi', 'Loose fence panel.', 1, 'Panel fixed.', 7),
    ('incident', 'Tampered bolt seal found on an export container', 'Bolt seal showed drill marks at the gate; container held for customs.', 140, time '10:05', 'T', 'Kestrel%', 'a', 'Seal tampering%', 3, NULL,
     'Samir Haddou', 'Tampering before arrival at the terminal; customs found no contraband.', 2, 'Reported to customs and the shipper.', 20),
    ('near_miss', 'Bonded goods staged for release before customs clearance', 'Pallets staged at the loading door before clearance; stopped by the warehouse clerk.', 128, time '13:30', 'D', 'Customs%', 'e', 'Release of bonded goods%', 3, NULL,
     'Elise Norberg', 'Release list printed before clearance status was updated.', 2, 'Release list now filtered on clearance status.', 25),
    ('incident', 'Tailgating at a personnel turnstile by a visitor', 'A visitor followed a member of staff through the turnstile.', 115, time '08:05', 'T', NULL, 'b', 'Tailgating%', 2, NULL,
     'Amina Yusuf', 'Staff member held the turnstile open out of politeness.', 1, 'Toolbox talk on tailgating.', 10),
    ('failure', 'Terminal operating system outage at the hosting provider', 'Terminal operating system unavailable for 5 hours; manual gate procedure used.', 101, time '06:00', NULL, 'Stratus%', 'd', 'Ransomware%', 3, 40000,
     'Ravi Castellano', 'Storage failure at the hosting provider; failover not tested.', 2, 'Failover test added to the contract.', 35),
    ('incident', 'Attempted drug rip-off: bag found behind container doors', 'Sports bag with packages found behind the doors of an import container during screening.', 88, time '15:45', 'T', 'Tidewell%', 'a', 'Insider collusion%', 4, NULL,
     'Pieter Okafor', 'Rip-on in the port of loading; handed over to customs and police.', 1, 'Extra screening of containers from the same route.', 40),
    ('false_alarm', 'Smoke detector alarm in the bonded warehouse', 'Smoke alarm from forklift exhaust; no fire.', 74, time '12:10', 'D', NULL, 'b', NULL, 1, NULL,
     'Noor Saidi', 'Forklift exhaust near the detector.', 1, NULL, 5),
    ('incident', 'Theft of fuel from reach stackers at the depot', 'About 600 litres of diesel drained from two reach stackers overnight.', 60, time '03:00', 'D', NULL, 'a', 'Theft from bonded%', 2, 3200,
     'Lena Dorsch', 'Vehicles parked outside camera view.', 3, 'Vehicles parked in the lit area.', 20),
    ('near_miss', 'Haulier arrived with an unvetted substitute driver', 'Hollin Road Freight sent a driver not on the approved list; refused at the depot gate.', 45, time '10:30', 'D', 'Hollin%', 'd', 'Subcontracted hauliers%', 2, NULL,
     'Clara Whitfield', 'Haulier subcontracted the trip without telling us.', 2, 'Haulier warned in writing.', 12),
    ('incident', 'Drone flown over the container stack', 'A drone hovered over stack blocks D and E for 10 minutes at dusk.', 30, time '17:35', 'T', NULL, 'a', 'Intrusion across%', 2, NULL,
     'Pieter Okafor', 'Operator not found; police informed.', 2, 'Anti-drone detection trial proposed.', NULL::int),
    ('incident', 'Seal discrepancy on a bonded container at Ellmoor', 'Seal number on a bonded container did not match the transit declaration.', 18, time '09:15', 'D', 'Lindvale%', 'b', 'Release of bonded goods%', 3, NULL,
     NULL, NULL, NULL, NULL, NULL),
    ('false_alarm', 'CCTV motion alarm at the depot caused by a fox', 'Motion alarm on camera D-07; a fox on the siding.', 9, time '02:25', 'D', NULL, 'f', 'Depot CCTV blind spots%', 1, NULL,
     'Noor Saidi', 'Animal.', 0, NULL, 1),
    ('incident', 'Fake haulier e-mail asking to change a release PIN', 'E-mail in the name of Kestrel Haulage asked to reissue a PIN to a new address.', 4, time '11:50', NULL, 'Kestrel%', 'g', 'Leakage of cargo manifests%', 2, NULL,
     NULL, NULL, NULL, NULL, NULL)
  ) AS v(kind, title, descr, days, at, site, node, cat, r, sev, loss, inv, finding, inv_after, mitigation, close_after)
 ORDER BY v.days DESC;

-- The last twelve month ends.
CREATE TEMP TABLE demo_months AS
SELECT k, (date_trunc('month', current_date) - make_interval(months => k - 1) - interval '1 day')::date AS day
  FROM generate_series(1, 12) AS k;

-- 4.5.1 A year of monthly measurements, taken at the end of each month.  A
-- measurement names its equipment only while that equipment was in
-- calibration (the rule of 4.5.1 e; the depot recorder's calibration has
-- expired, so its last reading is recorded without it).
INSERT INTO scsm.measurement (org_id, kpi_id, measured_at, value, assessment, equipment_id, site_id)
SELECT pg_temp.org(), k.kpi_id, m.day + time '16:00',
       CASE d.kpi
         WHEN 'Targeted containers screened by x-ray' THEN 96.4 + ((m.k * 7) % 5) * 0.6
         WHEN 'Radiation alarms resolved within 30 minutes' THEN 91 + ((m.k * 3) % 7)
         WHEN 'Terminal CCTV availability' THEN CASE WHEN m.day = (SELECT max(x.day) FROM pg_temp.demo_months x WHERE x.day < current_date - 190) THEN 97.2 ELSE 99.0 + (m.k % 4) * 0.25 END
         WHEN 'Depot CCTV availability' THEN 97.4 + (m.k % 3) * 0.7
         WHEN 'Gate transactions with seal verified' THEN 99.1 + ((m.k * 5) % 4) * 0.2
         WHEN 'Security incidents' THEN (SELECT count(*) FROM scsm.incident i
                                          WHERE i.org_id = pg_temp.org() AND i.kind IN ('incident', 'emergency')
                                            AND i.occurred_at >= date_trunc('month', m.day) AND i.occurred_at < m.day + 1)
         WHEN 'Staff with valid security training' THEN 96.0 - m.k * 0.6
       END,
       CASE d.kpi WHEN 'Guarding service quality' THEN
         (ARRAY['All posts staffed; reports on time.', 'Two reports late; posts staffed.', 'Posts staffed; one guard without site pass briefing.'])[1 + m.k % 3]
       END,
       cal.equipment_id, d.site
  FROM pg_temp.demo_months m
 CROSS JOIN (VALUES
    ('Targeted containers screened by x-ray', 'Container x-ray%', 'T'),
    ('Radiation alarms resolved within 30 minutes', 'Radiation portal%', 'T'),
    ('Terminal CCTV availability', 'Terminal CCTV%', 'T'),
    ('Depot CCTV availability', 'Depot CCTV%', 'D'),
    ('Gate transactions with seal verified', NULL, 'T'),
    ('Security incidents', NULL, NULL),
    ('Staff with valid security training', NULL, NULL),
    ('Guarding service quality', NULL, NULL)
  ) AS d0(kpi, eq, s)
 CROSS JOIN LATERAL (SELECT d0.kpi,
                            CASE d0.s WHEN 'T' THEN pg_temp.site('Brackwater%') WHEN 'D' THEN pg_temp.site('Ellmoor%') END AS site,
                            CASE WHEN d0.eq IS NOT NULL THEN pg_temp.equipment(d0.eq) END AS eq) d
  JOIN scsm.kpi k ON k.org_id = pg_temp.org() AND k.name = d.kpi
  LEFT JOIN LATERAL (SELECT c.equipment_id
                       FROM (SELECT c1.* FROM scsm.calibration c1
                              WHERE c1.org_id = pg_temp.org() AND c1.equipment_id = d.eq AND c1.kind = 'calibration'
                                AND c1.performed_on <= m.day
                              ORDER BY c1.performed_on DESC, c1.calibration_id DESC LIMIT 1) c
                      WHERE c.result <> 'fail' AND c.next_due >= m.day) cal ON true
 ORDER BY m.day, k.kpi_id;

-- 4.5.2 Evaluations: legal compliance, after incidents and exercises, performance ----------

INSERT INTO scsm.evaluation (org_id, kind, subject, performed_on, performed_by, legal_id, incident_id, exercise_id,
                             conforming, findings, procedure_change_needed, sensitivity)
SELECT pg_temp.org(), v.kind, v.subject, current_date - v.days, pg_temp.person(v.by),
       CASE WHEN v.l IS NOT NULL THEN pg_temp.legal(v.l) END,
       CASE WHEN v.i IS NOT NULL THEN pg_temp.incident(v.i) END,
       CASE WHEN v.x_plan IS NOT NULL THEN pg_temp.exercise(v.x_plan, current_date + v.x_due) END,
       v.ok, v.findings, v.change, v.sens::scsm.sensitivity
  FROM (VALUES
    ('legal_compliance', 'Compliance with the ISPS Code', 205, 'Pieter Okafor', 'ISPS Code', NULL, NULL, NULL::int, true, 'Plan approved, drills held, security levels applied.', false, 'internal'),
    ('legal_compliance', 'Compliance with the EU port security regulation', 205, 'Pieter Okafor', 'EU regulation on ship%', NULL, NULL, NULL, true, 'Inspection by the national authority passed.', false, 'internal'),
    ('legal_compliance', 'Compliance with the national port security act', 204, 'Ingrid Valstad', 'National port security act', NULL, NULL, NULL, true, 'Assessment renewed; incidents reported to the port security officer.', false, 'internal'),
    ('legal_compliance', 'Compliance with the AEO security criteria', 155, 'Elise Norberg', 'AEO security%', NULL, NULL, NULL, true, 'Self-assessment questionnaire up to date.', false, 'internal'),
    ('legal_compliance', 'Compliance with the customs warehousing authorisation', 155, 'Elise Norberg', 'Customs warehousing%', NULL, NULL, NULL, true, 'Stock reconciled; one near miss handled.', false, 'internal'),
    ('legal_compliance', 'Compliance with GDPR for CCTV and access control', 82, 'Fenna de Wit', 'GDPR%', NULL, NULL, NULL, false, 'Camera 14 overlooks private gardens; the DPIA was not updated after cameras were moved.', true, 'internal'),
    ('legal_compliance', 'Compliance with NIS2 obligations', 100, 'Ravi Castellano', 'NIS2%', NULL, NULL, NULL, true, 'Incident notified within 24 hours; risk measures documented.', false, 'internal'),
    ('legal_compliance', 'Compliance with radiation protection rules', 92, 'Kofi Mensah', 'Radiation protection%', NULL, NULL, NULL, true, 'Check sources registered; staff trained.', false, 'internal'),
    ('legal_compliance', 'Compliance with the security annex of terminal services agreements', 62, 'Tobias Renwick', 'Security annex%', NULL, NULL, NULL, true, 'Notifications to shipping lines sent on time.', false, 'internal'),
    ('post_incident', 'Post-incident review: laptop theft in block C', 340, 'Ingrid Valstad', NULL, 'Theft of laptops%', NULL, NULL, false, 'Blind spot in CCTV coverage; seal checks in the stack not required.', true, 'confidential'),
    ('post_incident', 'Post-incident review: stowaways', 230, 'Ingrid Valstad', NULL, 'Two stowaways%', NULL, NULL, false, 'Empty containers were not inspected before release.', true, 'confidential'),
    ('post_incident', 'Post-incident review: storm surge', 185, 'Mateo Ferreira', NULL, 'Storm surge flooded%', NULL, NULL, false, 'Room B missing from the flood barrier list; emergency response otherwise effective.', true, 'confidential'),
    ('post_incident', 'Post-incident review: theft from a stabled train', 170, 'Lena Dorsch', NULL, 'Cargo theft from a stabled%', NULL, NULL, false, 'Patrol routes not updated after the yard re-layout.', true, 'confidential'),
    ('post_incident', 'Post-incident review: drug rip-off attempt', 80, 'Pieter Okafor', NULL, 'Attempted drug rip-off%', NULL, NULL, true, 'Screening detected it as designed.', false, 'confidential'),
    ('exercise', 'Evaluation of the gate evacuation drill', 115, 'Mateo Ferreira', NULL, NULL, 'Terminal security%', -120, false, 'Evacuation took 14 minutes against 10; night-shift marshals missing.', true, 'internal'),
    ('exercise', 'Evaluation of the cyber tabletop exercise', 138, 'Ravi Castellano', NULL, NULL, 'Cyber incident%', -150, false, 'Manual gate procedure unknown to the night shift.', true, 'internal'),
    ('exercise', 'Evaluation of the radiation alarm drill', 188, 'Kofi Mensah', NULL, NULL, 'Radiation alarm%', -200, true, 'Isolation area within 8 minutes.', false, 'internal'),
    ('performance', 'Quarterly security performance review, first quarter', 270, 'Ingrid Valstad', NULL, NULL, NULL, NULL, true, 'KPIs within thresholds except radiation alarm resolution.', false, 'internal'),
    ('performance', 'Quarterly security performance review, second quarter', 180, 'Ingrid Valstad', NULL, NULL, NULL, NULL, false, 'Incident count reached the threshold in the storm month.', false, 'internal'),
    ('performance', 'Quarterly security performance review, third quarter', 90, 'Ingrid Valstad', NULL, NULL, NULL, NULL, true, 'Training KPI improving; depot CCTV below threshold.', false, 'internal'),
    ('policy_conformance', 'Annual check of operations against the policy', 60, 'Ingrid Valstad', NULL, NULL, NULL, NULL, true, 'Operations at both sites follow the policy; cyber and drones not named in it.', false, 'internal'),
    ('lessons_learned', 'Lessons learned from the storm surge', 150, 'Mateo Ferreira', NULL, NULL, NULL, NULL, true, 'Barrier lists checked twice a year; mobile CCTV towers proved their value.', false, 'internal'),
    ('periodic_review', 'Review of the guarding contractor', 170, 'Pieter Okafor', NULL, NULL, NULL, NULL, false, 'Two short-staffed night shifts; no reserve pool.', true, 'internal'),
    ('test', 'Penetration test of gate systems', 120, 'Ravi Castellano', NULL, NULL, NULL, NULL, true, 'No critical findings; two medium findings fixed.', false, 'confidential'),
    ('best_practice', 'Benchmark with peer terminals on drones', 35, 'Pieter Okafor', NULL, NULL, NULL, NULL, true, 'Peers trial radio-frequency drone detection.', false, 'internal')
  ) AS v(kind, subject, days, by, l, i, x_plan, x_due, ok, findings, change, sens);

-- 4.5.5 Audits over the year, with findings ------------------------------------------------
-- Auditors are independent of the site they audit: the internal audit team
-- has no site role; site managers audit only the other site.

INSERT INTO scsm.audit (org_id, kind, site_id, clauses, planned_for, performed_on, lead_auditor, status, conclusion,
                        reported_to_management_on)
SELECT pg_temp.org(), v.kind,
       CASE v.site WHEN 'T' THEN pg_temp.site('Brackwater%') WHEN 'D' THEN pg_temp.site('Ellmoor%') END,
       v.clauses::scsm.clause[], current_date + v.planned, current_date + v.done, pg_temp.person(v.lead), v.status,
       v.conclusion, current_date + v.reported
  FROM (VALUES
    ('internal', NULL, '{4.1,4.2,4.3.1,4.3.2}', -330, -328, 'Jonas Mbeki', 'completed', 'Scope, policy and legal register conform; threat register to cover river flooding.', -320),
    ('internal', 'D', '{4.4.2,4.4.3,4.5.2}', -290, -289, 'Yuki Tanabe-Ross', 'completed', 'Depot competence and communication conform; contractor records to be held by us.', -280),
    ('internal', 'T', '{4.4.2,4.4.6,4.5.1}', -250, -249, 'Yuki Tanabe-Ross', 'completed', 'Two minor nonconformities on competence and calibration records.', -240),
    ('supplier', NULL, '{4.4.6}', -200, -198, 'Pieter Okafor', 'completed', 'Guarding contractor vets guards well; no reserve pool for sickness.', -190),
    ('internal', NULL, '{4.3.3,4.3.4,4.3.5,4.4.1,4.6}', -160, -158, 'Jonas Mbeki', 'completed', 'One minor nonconformity: an objective not reviewed in time.', -150),
    ('internal', 'D', '{4.4.6,4.4.7,4.5.3}', -100, -99, 'Jonas Mbeki', 'completed', 'Major nonconformity: bonded containers released without documented seal check.', -95),
    ('certification', NULL, '{4.2,4.4.4,4.4.5,4.5.3,4.5.4,4.5.5,4.6}', -40, -39, 'Rosalind Achterberg', 'completed', 'Surveillance audit: certificate maintained; one minor nonconformity.', -35),
    ('internal', 'T', '{4.4.3,4.4.4,4.4.5,4.5.4}', -12, -12, 'Yuki Tanabe-Ross', 'in_progress', NULL, NULL::int),
    ('internal', 'D', '{4.4.1,4.4.2,4.5.1,4.5.2}', 20, NULL, 'Yuki Tanabe-Ross', 'planned', NULL, NULL),
    ('internal', NULL, '{4.1,4.3.1,4.3.2,4.5.5,4.6}', 75, NULL, 'Jonas Mbeki', 'planned', NULL, NULL)
  ) AS v(kind, site, clauses, planned, done, lead, status, conclusion, reported)
 ORDER BY v.planned;

CREATE FUNCTION pg_temp.audit(planned int) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT audit_id FROM scsm.audit WHERE org_id = pg_temp.org() AND planned_for = current_date + planned $$;

INSERT INTO scsm.audit_team_member (org_id, audit_id, person_id)
SELECT pg_temp.org(), pg_temp.audit(v.planned), pg_temp.person(v.p)
  FROM (VALUES (-330, 'Yuki Tanabe-Ross'), (-290, 'Amina Yusuf'), (-250, 'Lena Dorsch'), (-160, 'Yuki Tanabe-Ross'),
               (-100, 'Pieter Okafor'), (-12, 'Lena Dorsch'), (20, 'Pieter Okafor'), (75, 'Yuki Tanabe-Ross')) AS v(planned, p);

INSERT INTO scsm.audit_finding (org_id, audit_id, clause, kind, description, evidence)
SELECT pg_temp.org(), pg_temp.audit(v.planned), v.clause::scsm.clause, v.kind, v.descr, v.evidence
  FROM (VALUES
    (-330, '4.1', 'conformity', 'Scope revision 2 covers the depot and the rail shuttle.', 'BGT-SCO-01 v2'),
    (-330, '4.2', 'conformity', 'Policy version 2 endorsed and communicated at both sites.', 'BGT-POL-01 v2; briefing attendance lists'),
    (-330, '4.3.1', 'observation', 'Threat register does not yet cover river flooding at the depot.', 'Threat register extract'),
    (-330, '4.3.2', 'conformity', 'Legal register complete and reviewed.', 'Legal register'),
    (-290, '4.4.2', 'observation', 'Depot contract guard training records held only by the guarding company.', 'Interview with the depot security manager'),
    (-290, '4.4.3', 'conformity', 'Security briefings at the depot recorded.', 'Briefing records'),
    (-290, '4.5.2', 'conformity', 'Legal compliance evaluations done for customs requirements.', 'Evaluation records'),
    (-250, '4.4.2', 'minor_nc', 'Two scanner operators without a current image interpretation certificate.', 'Training records of scanner operators'),
    (-250, '4.5.1', 'minor_nc', 'Calibration record of the handheld detector lacks a valid certificate.', 'Calibration records HD-2'),
    (-250, '4.4.6', 'conformity', 'Gate procedure followed in 20 sampled transactions.', 'Gate logs'),
    (-250, '4.5.1', 'opportunity', 'Record scanner availability as a KPI.', NULL),
    (-200, '4.4.6', 'observation', 'Guarding company has no reserve pool for sickness.', 'Supplier audit checklist'),
    (-200, '4.4.6', 'conformity', 'Guard vetting files complete for all sampled guards.', 'Vetting files'),
    (-160, '4.3.3', 'minor_nc', 'Objective on ISPS and AEO compliance not reviewed within its interval.', 'Objective register'),
    (-160, '4.3.5', 'conformity', 'Programmes have budgets, responsibilities and time-scales.', 'Programme register'),
    (-160, '4.4.1', 'conformity', 'Roles and appointments documented and communicated.', 'Appointment letters'),
    (-160, '4.6', 'observation', 'Review minutes do not show the review of objectives.', 'Management review minutes'),
    (-100, '4.4.6', 'major_nc', 'Bonded containers released without documented seal verification.', 'Release records of 12 containers, 7 without seal check'),
    (-100, '4.4.7', 'conformity', 'Depot emergency plan known to the shift supervisors.', 'Interviews'),
    (-100, '4.5.3', 'observation', 'Near misses at the depot reported late.', 'Incident log'),
    (-40, '4.2', 'conformity', 'Policy available to staff and, in summary, to the public.', 'Website; notice boards'),
    (-40, '4.4.4', 'conformity', 'Manual describes the system and points to its documents.', 'BGT-SMS-01 v2'),
    (-40, '4.4.5', 'conformity', 'Obsolete document versions withdrawn from use.', 'Document register'),
    (-40, '4.5.4', 'conformity', 'Records legible, identifiable and retained as planned.', 'Sampled incident and training records'),
    (-40, '4.5.3', 'minor_nc', 'Root causes of seal incidents not documented.', 'Incident files of three seal incidents'),
    (-40, '4.5.5', 'opportunity', 'Set audit intervals by risk.', NULL),
    (-12, '4.5.4', 'observation', 'Gate records kept in two systems with different retention.', 'Gate system and archive')
  ) AS v(planned, clause, kind, descr, evidence);

-- 4.5.3 Nonconformities -------------------------------------------------------------------

INSERT INTO scsm.nonconformity (org_id, source, finding_id, incident_id, evaluation_id, clause, site_id, severity,
                                description, raised_on, investigated_on, cause, sensitivity)
SELECT pg_temp.org(), v.source,
       CASE WHEN v.f IS NOT NULL THEN pg_temp.finding(v.f) END,
       CASE WHEN v.i IS NOT NULL THEN pg_temp.incident(v.i) END,
       CASE WHEN v.e IS NOT NULL THEN pg_temp.evaluation(v.e) END,
       v.clause::scsm.clause,
       CASE v.site WHEN 'T' THEN pg_temp.site('Brackwater%') WHEN 'D' THEN pg_temp.site('Ellmoor%') END,
       v.sev, v.descr, current_date - v.raised, current_date - v.inv, v.cause, 'internal'
  FROM (VALUES
    ('other', NULL, NULL, NULL, '4.4.2', 'D', 'minor', 'Contract guard training records held only by the guarding company', 285, 280::int, 'Contract did not require the records to be shared.'),
    ('incident', NULL, 'Two stowaways%', NULL, '4.4.6', 'T', 'minor', 'Empty containers released without inspection', 237, 232, 'Inspection of empties not in the gate procedure.'),
    ('audit', 'Two scanner operators%', NULL, NULL, NULL, 'T', 'minor', 'Scanner operators working without a current certificate', 249, 240, 'Recertification dates not tracked.'),
    ('audit', 'Calibration record of the handheld%', NULL, NULL, NULL, 'T', 'minor', 'Handheld detector used after a failed calibration', 249, 244, 'Failed calibration not followed by an out-of-service tag.'),
    ('incident', NULL, 'Storm surge flooded%', NULL, '4.4.7', 'T', 'minor', 'Flood plan did not cover electrical room B', 194, 188, 'Barrier list not updated after the room was re-equipped.'),
    ('incident', NULL, 'Cargo theft from a stabled%', NULL, '4.4.6', 'D', 'minor', 'Patrol routes not updated after the yard re-layout', 176, 170, 'Re-layout not handled as a change.'),
    ('audit', 'Objective on ISPS%', NULL, NULL, NULL, NULL, 'minor', 'Compliance objective not reviewed within its interval', 158, 150, 'Objective owner changed; review date not handed over.'),
    ('incident', NULL, 'Bonded goods staged%', NULL, '4.4.6', 'D', 'minor', 'Release list printed before customs clearance', 126, 120, 'Release list did not filter on clearance status.'),
    ('audit', 'Bonded containers released%', NULL, NULL, NULL, 'D', 'major', 'Bonded containers released without documented seal verification', 99, 95, 'Single clerk on the late shift; the release screen does not ask for the seal number.'),
    ('evaluation', NULL, NULL, 'Compliance with GDPR%', '4.3.2', 'T', 'minor', 'CCTV camera 14 overlooks private gardens without an updated DPIA', 80, 74, 'Camera moves not routed through the data protection officer.'),
    ('audit', 'Root causes of seal%', NULL, NULL, NULL, NULL, 'minor', 'Root causes of seal incidents not documented', 39, 30, 'Investigation form has no root-cause field.'),
    ('measurement', NULL, NULL, NULL, '4.5.1', 'T', 'minor', 'Radiation alarms resolved within 30 minutes below threshold for three months', 30, NULL, NULL)
  ) AS v(source, f, i, e, clause, site, sev, descr, raised, inv, cause)
 ORDER BY v.raised DESC;

-- 4.6 Management reviews (the corrective actions below may point at their outputs) ------------

INSERT INTO scsm.management_review (org_id, held_on, chair, attendees, suitability, adequacy, effectiveness, next_review_due)
VALUES
  (pg_temp.org(), current_date - 410, pg_temp.person('Maren Holtzer'),
   'Maren Holtzer, Tobias Renwick, Ingrid Valstad, Pieter Okafor, Elise Norberg',
   'The system suits the terminal; the coming depot acquisition needs a new scope.',
   'Resources adequate for the terminal; depot security staff to be hired.',
   'Objectives largely met; theft incidents down by a third.', current_date - 45),
  (pg_temp.org(), current_date - 50, pg_temp.person('Maren Holtzer'),
   'Maren Holtzer, Tobias Renwick, Ingrid Valstad, Pieter Okafor, Lena Dorsch, Elise Norberg, Ravi Castellano, Jonas Mbeki',
   'The system now covers both sites; cyber and drone threats need a place in the policy.',
   'Depot CCTV and perimeter underfunded; scanner capacity tight at peak.',
   'Most targets on track; a major nonconformity at the depot shows the release process is not yet under control.',
   current_date + 315);

CREATE FUNCTION pg_temp.review(held int) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT review_id FROM scsm.management_review WHERE org_id = pg_temp.org() AND held_on = current_date - held $$;

INSERT INTO scsm.management_review_input (org_id, review_id, item, summary)
SELECT pg_temp.org(), pg_temp.review(v.held), v.item, v.summary
  FROM (VALUES
    (410, 'a', 'Two internal audits, no major findings; legal compliance evaluations all conforming.'),
    (410, 'b', 'Port authority inspection letter; one shipping line asked for theft statistics.'),
    (410, 'c', 'Incidents down from 31 to 22; screening rate 97 %.'),
    (410, 'd', 'Four of five targets met; screening target missed narrowly.'),
    (410, 'e', 'Six corrective actions closed, two open.'),
    (410, 'f', 'Actions of the previous review completed.'),
    (410, 'g', 'Acquisition of the Ellmoor depot; NIS2 transposition announced.'),
    (410, 'h', 'Extend the system to the depot; add PIN-based release.'),
    (50, 'a', 'Six internal audits, one certification audit; one major nonconformity at the depot; GDPR evaluation found camera 14 nonconforming.'),
    (50, 'b', 'Complaint from a resident about camera 14; customer complaint about screening delays; security level 2 order from the port authority.'),
    (50, 'c', 'Incidents above threshold in the storm month; depot CCTV below threshold; training rate improving.'),
    (50, 'd', 'Guard vetting target met; screening target at risk; theft target on track.'),
    (50, 'e', 'Eleven nonconformities this year, five closed; one emergency action after the storm surge.'),
    (50, 'f', 'Depot brought into scope; PIN release implemented.'),
    (50, 'g', 'NIS2 in force; drones seen over peer terminals; guarding market tight.'),
    (50, 'h', 'Anti-drone detection trial; risk-based audit intervals; root-cause field on the incident form.')
  ) AS v(held, item, summary);

INSERT INTO scsm.management_review_output (org_id, review_id, kind, subject, description, owner, due_on)
SELECT pg_temp.org(), pg_temp.review(v.held), v.kind, v.subject, v.descr,
       CASE WHEN v.owner IS NOT NULL THEN pg_temp.person(v.owner) END, current_date + v.due
  FROM (VALUES
    (410, 'decision', 'other_element', 'Extend the scope to the Ellmoor depot and the rail shuttle.', 'Ingrid Valstad', -400),
    (410, 'action', 'resources', 'Hire a depot security manager and shift supervisors.', 'Tobias Renwick', -380),
    (50, 'decision', 'policy', 'Revise the policy to name cyber and drone threats (draft version 3).', 'Ingrid Valstad', 30),
    (50, 'action', 'resources', 'Fund the depot perimeter and CCTV renewal.', 'Hannah Groen', -20),
    (50, 'action', 'threats_and_risks', 'Add the drone threat to the risk assessment.', 'Ingrid Valstad', -10),
    (50, 'action', 'objectives', 'Review the objective on ISPS and AEO compliance.', 'Elise Norberg', -10),
    (50, 'decision', 'targets', 'Keep the screening target at 98 % and add scanner capacity.', NULL, NULL::int),
    (50, 'improvement', 'other_element', 'Set internal audit intervals by risk.', 'Jonas Mbeki', 90)
  ) AS v(held, kind, subject, descr, owner, due);

-- 4.5.3 Corrective, preventive and mitigating actions ----------------------------------------
-- Each goes through risk review before it is implemented, except the one
-- emergency action taken during the storm surge (reviewed afterwards).

INSERT INTO scsm.corrective_action (org_id, kind, nc_id, incident_id, risk_id, review_output_id, description, owner, due_on,
                                    status, risk_reviewed_on, risk_review, emergency, emergency_justification,
                                    implemented_on, effectiveness_checked_on, effective, procedure_changes)
SELECT pg_temp.org(), v.kind,
       CASE WHEN v.nc IS NOT NULL THEN pg_temp.nc(v.nc) END,
       CASE WHEN v.i IS NOT NULL THEN pg_temp.incident(v.i) END,
       CASE WHEN v.r IS NOT NULL THEN pg_temp.risk(v.r) END,
       CASE WHEN v.o IS NOT NULL THEN pg_temp.output(v.o) END,
       v.descr, pg_temp.person(v.owner), current_date + v.due, v.status,
       current_date + v.reviewed, CASE WHEN v.reviewed IS NOT NULL THEN v.review END,
       v.emergency, v.justification, current_date + v.implemented, current_date + v.checked, v.effective, v.proc_changes
  FROM (VALUES
    -- kind, nonconformity, incident, risk, review output, description, owner, due, status, reviewed, review, emergency, justification, implemented, checked, effective, procedure changes
    ('corrective', 'Contract guard training%', NULL, NULL, NULL, 'Guarding company uploads training records to us monthly.', 'Pieter Okafor', -240, 'verified', -275, 'No new risk; data sharing covered by the contract.', false, NULL, -250, -205, true, 'Guarding contract annex amended.'),
    ('corrective', 'Contract guard training%', NULL, NULL, NULL, 'Own learning platform for contractors.', 'Oskar Lindqvist', -200, 'cancelled', NULL::int, NULL, false, NULL, NULL::int, NULL::int, NULL::boolean, NULL),
    ('corrective', 'Empty containers released%', 'Two stowaways%', 'Stowaways%', NULL, 'Inspect every empty container before release from the empty depot.', 'Samir Haddou', -215, 'closed', -230, 'Adds 4 minutes per empty; acceptable.', false, NULL, -220, -160, true, 'Gate procedure BGT-PRO-01 v2.'),
    ('corrective', 'Scanner operators working%', NULL, 'X-ray scanner image%', NULL, 'Recertify both operators and track certificate expiry.', 'Oskar Lindqvist', -200, 'closed', -245, 'Operators work under supervision until recertified.', false, NULL, -210, -160, true, NULL),
    ('corrective', 'Handheld detector used%', NULL, 'Radiation portal monitors missing%', NULL, 'Out-of-service tag after a failed calibration; recalibrate HD-2.', 'Kofi Mensah', -230, 'verified', -244, 'Spare detector from the depot in the meantime.', false, NULL, -240, -200, true, 'Calibration procedure BGT-PRO-10.'),
    ('mitigation', 'Flood plan did not%', 'Storm surge flooded%', 'Storm surge%', NULL, 'Mobile CCTV towers and extra guards at the gate while room B was flooded.', 'Mateo Ferreira', -195, 'verified', -190, 'Reviewed afterwards: towers and guards kept the gate secure.', true, 'Gate without CCTV and access control during a storm; waiting for a review would have left it open.', -196, -150, true, NULL),
    ('corrective', 'Flood plan did not%', 'Storm surge flooded%', 'Storm surge%', NULL, 'Raise electrical room B above surge level; add it to the barrier list.', 'Mateo Ferreira', -110, 'closed', -180, 'Works during low season; temporary power for the gate.', false, NULL, -120, -105, true, 'Emergency plan BGT-EMP-01 v2.'),
    ('corrective', 'Patrol routes not updated%', 'Cargo theft from a stabled%', 'Cargo theft from trains%', NULL, 'Redraw patrol routes for the new yard layout.', 'Lena Dorsch', -150, 'implemented', -172, 'Longer rounds; one more guard at night.', false, NULL, -160, -60, false, NULL),
    ('corrective', 'Patrol routes not updated%', NULL, 'Depot CCTV blind spots%', NULL, 'Cover the re-laid yard with cameras (programme: depot perimeter and CCTV renewal).', 'Lena Dorsch', 30, 'risk_reviewed', -55, 'Cameras reduce reliance on patrols; DPIA needed.', false, NULL, NULL, NULL, NULL, NULL),
    ('corrective', 'Compliance objective not%', NULL, NULL, 'Review the objective on ISPS%', 'Review the ISPS/AEO objective and hand over review dates with ownership.', 'Elise Norberg', -10, 'proposed', NULL, NULL, false, NULL, NULL, NULL, NULL, NULL),
    ('corrective', 'Release list printed%', 'Bonded goods staged%', 'Release of bonded goods%', NULL, 'Filter the release list on customs clearance status.', 'Elise Norberg', -100, 'closed', -118, 'No new risk.', false, NULL, -110, -65, true, 'BGT-PRO-04 v1 work instruction.'),
    ('corrective', 'Bonded containers released%', NULL, 'Release of bonded goods%', NULL, 'Two-person seal verification before release, recorded in the terminal operating system.', 'Elise Norberg', 10, 'implemented', -85, 'Second clerk on late shift; no new security risk.', false, NULL, -70, NULL, NULL, 'BGT-PRO-04 v2.'),
    ('corrective', 'Bonded containers released%', NULL, NULL, NULL, 'Retrain warehouse clerks on release checks.', 'Oskar Lindqvist', -50, 'verified', -90, 'No new risk.', false, NULL, -60, -20, true, NULL),
    ('corrective', 'CCTV camera 14%', NULL, NULL, NULL, 'Mask private areas in camera 14 and update the DPIA.', 'Fenna de Wit', 20, 'implemented', -75, 'Masking leaves the fence line covered.', false, NULL, -60, NULL, NULL, NULL),
    ('corrective', 'Root causes of seal%', NULL, 'Seal tampering%', NULL, 'Add a root-cause field to the incident form and analyse past seal incidents.', 'Ingrid Valstad', 20, 'risk_reviewed', -25, 'No new risk.', false, NULL, NULL, NULL, NULL, 'Form BGT-FRM-01 v2 (draft).'),
    ('corrective', 'Radiation alarms resolved%', NULL, 'Radiation portal monitors missing%', NULL, 'Second responder on call for radiation alarms at night.', 'Kofi Mensah', 30, 'proposed', NULL, NULL, false, NULL, NULL, NULL, NULL, NULL),
    ('corrective', NULL, NULL, 'Intrusion across%', 'Add the drone threat%', 'Assess drones over the stack as a risk and link controls.', 'Ingrid Valstad', -10, 'verified', -45, 'Assessment itself introduces no risk.', false, NULL, -40, -12, true, NULL),
    ('corrective', NULL, NULL, NULL, 'Hire a depot security manager%', 'Recruit the depot security manager and three shift supervisors.', 'Tobias Renwick', -380, 'closed', -405, 'Interim cover by terminal supervisors until the hires start.', false, NULL, -385, -300, true, NULL),
    ('corrective', NULL, NULL, 'Depot CCTV blind spots%', 'Fund the depot perimeter%', 'Release the budget of the depot perimeter and CCTV renewal.', 'Hannah Groen', -20, 'verified', -45, 'Budget release carries no security risk.', false, NULL, -30, -15, true, NULL),
    ('preventive', NULL, 'Drone flown%', 'Intrusion across%', NULL, 'Trial radio-frequency drone detection over the container stack.', 'Pieter Okafor', 45, 'proposed', NULL, NULL, false, NULL, NULL, NULL, NULL, NULL),
    ('mitigation', NULL, 'Seal discrepancy on a bonded%', 'Release of bonded goods%', NULL, 'Hold the container and request a customs inspection.', 'Elise Norberg', 15, 'implemented', -17, 'Hold delays the customer by a day; acceptable.', false, NULL, -16, NULL, NULL, NULL),
    ('mitigation', NULL, 'Fake haulier e-mail%', 'Leakage of cargo manifests%', NULL, 'Warn hauliers; PIN changes only through the haulier portal.', 'Ravi Castellano', 7, 'proposed', NULL, NULL, false, NULL, NULL, NULL, NULL, NULL)
  ) AS v(kind, nc, i, r, o, descr, owner, due, status, reviewed, review, emergency, justification, implemented, checked, effective, proc_changes);

-- Nonconformities whose actions are all verified, closed or cancelled are closed.
UPDATE scsm.nonconformity n
   SET closed_on = (SELECT max(a.effectiveness_checked_on) FROM scsm.corrective_action a
                     WHERE a.org_id = n.org_id AND a.nc_id = n.nc_id) + 5
 WHERE n.org_id = pg_temp.org()
   AND EXISTS (SELECT 1 FROM scsm.corrective_action a
                WHERE a.org_id = n.org_id AND a.nc_id = n.nc_id AND a.status IN ('verified', 'closed'))
   AND NOT EXISTS (SELECT 1 FROM scsm.corrective_action a
                    WHERE a.org_id = n.org_id AND a.nc_id = n.nc_id AND a.status NOT IN ('verified', 'closed', 'cancelled'));

-- Risks whose incidents are all closed were reassessed after the last closure
-- (clearing the review flag the incidents raised); risks with open incidents
-- still wait for review.
UPDATE scsm.risk r
   SET assessed_on = x.last_closed + 3
  FROM (SELECT i.org_id, i.risk_id, max(i.closed_on) AS last_closed
          FROM scsm.incident i
         WHERE i.org_id = pg_temp.org() AND i.risk_id IS NOT NULL
         GROUP BY i.org_id, i.risk_id
        HAVING bool_and(i.closed_on IS NOT NULL)) x
 WHERE r.org_id = x.org_id AND r.risk_id = x.risk_id AND r.assessed_on < x.last_closed + 3;

-- Plans are reviewed after incidents at their site; recording the review
-- clears the flag the incidents raised.  The depot plan was reviewed after
-- the fuel theft, but the seal discrepancy since then calls for another look.
UPDATE scsm.emergency_plan SET last_reviewed_on = current_date - 25
 WHERE org_id = pg_temp.org() AND site_id = pg_temp.site('Brackwater%');
UPDATE scsm.emergency_plan SET last_reviewed_on = current_date - 2
 WHERE org_id = pg_temp.org() AND site_id IS NULL;
UPDATE scsm.emergency_plan SET last_reviewed_on = current_date - 40
 WHERE org_id = pg_temp.org() AND site_id = pg_temp.site('Ellmoor%');
UPDATE scsm.emergency_plan SET needs_review = true
 WHERE org_id = pg_temp.org() AND site_id = pg_temp.site('Ellmoor%');


-- The risk register, scored (docs/risk.md, "The register's risks").  Backup
-- power, backups, flood barriers and crisis communication limit the damage
-- rather than prevent the event: they act on the consequence.  The two
-- continuity risks without a control get the (still planned) crisis
-- communication protocol.  Then every open risk is assessed on the
-- organisation's risk method (the 5x5 preset), which writes the levels,
-- residual values and treatment back to the register; from here on, triggers
-- re-score a risk when its inputs or its controls change.
INSERT INTO scsm.risk_control (org_id, risk_id, control_id, reduces)
SELECT pg_temp.org(), pg_temp.risk(v.r), pg_temp.control('Crisis communication%'), 'consequence'
  FROM (VALUES ('Strike of lashing%'), ('Loss of the rail link%')) AS v(r);
UPDATE scsm.risk_control rc SET reduces = 'consequence'
  FROM scsm.control c
 WHERE c.org_id = rc.org_id AND c.control_id = rc.control_id AND rc.org_id = pg_temp.org()
   AND c.title ~ '^(UPS and generator|Backups and network|Flood barriers|Crisis communication)';
SELECT scsm.score_risks(pg_temp.org()) AS risks_scored \gset

COMMIT;

\echo demo organisation "Brackwater Gateway Terminals" loaded
