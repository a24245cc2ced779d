
-- ---------------------------------------------------------------------------
-- 15_catalogue: editions, the clause tree of ISO 28000:2007 clause 4, its
-- requirements and the threat categories of 4.3.1 a)-h).
-- Titles and summaries are our own words, never the standard's sentences.
-- Contents and queries: docs/catalogue.md
-- ---------------------------------------------------------------------------

CREATE TABLE scsm.edition (
    edition   text PRIMARY KEY CHECK (btrim(edition) <> ''),
    title     text NOT NULL CHECK (btrim(title) <> ''),
    published date,
    builtin   boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE scsm.edition IS
    'Editions of the standards the catalogue describes; every catalogue row belongs to one';
COMMENT ON COLUMN scsm.edition.edition IS 'Identifier of the edition, e.g. ''ISO 28000:2007''';
COMMENT ON COLUMN scsm.edition.title IS 'Short title of the standard (our wording)';
COMMENT ON COLUMN scsm.edition.published IS 'Publication date of the edition';
COMMENT ON COLUMN scsm.edition.builtin IS 'True for rows installed by the extension; user rows are dumped by pg_dump';

CREATE TABLE scsm.clause_catalogue (
    edition text NOT NULL REFERENCES scsm.edition ON UPDATE CASCADE,
    clause  scsm.clause NOT NULL,
    parent  scsm.clause,
    kind    text NOT NULL CHECK (kind IN ('heading', 'item')),
    title   text NOT NULL CHECK (btrim(title) <> ''),
    summary text CHECK (btrim(summary) <> ''),
    builtin boolean NOT NULL DEFAULT false,
    PRIMARY KEY (edition, clause),
    FOREIGN KEY (edition, parent) REFERENCES scsm.clause_catalogue (edition, clause),
    CONSTRAINT clause_catalogue_parent_derived
        CHECK (parent IS NOT DISTINCT FROM scsm.clause_parent(clause)),
    CONSTRAINT clause_catalogue_kind_matches_clause
        CHECK ((kind = 'item') = scsm.clause_is_item(clause))
);
COMMENT ON TABLE scsm.clause_catalogue IS
    'Clause tree of each edition: headings and the items the standard enumerates, with our own short titles';
COMMENT ON COLUMN scsm.clause_catalogue.edition IS 'Edition the clause belongs to';
COMMENT ON COLUMN scsm.clause_catalogue.clause IS 'Clause reference (4.3.1, 4.3.1.a, 4.3.1#2.c, 4.5.3.b.2)';
COMMENT ON COLUMN scsm.clause_catalogue.parent IS
    'Enclosing clause or item, always scsm.clause_parent(clause); must exist in the same edition; NULL for a root';
COMMENT ON COLUMN scsm.clause_catalogue.kind IS '''heading'' for a numbered clause, ''item'' for an enumerated item or sub-item';
COMMENT ON COLUMN scsm.clause_catalogue.title IS 'Our own short title, never the text of the standard';
COMMENT ON COLUMN scsm.clause_catalogue.summary IS 'One sentence in our own words on what the clause or item asks for';
COMMENT ON COLUMN scsm.clause_catalogue.builtin IS 'True for rows installed by the extension; user rows are dumped by pg_dump';

CREATE INDEX clause_catalogue_parent_idx ON scsm.clause_catalogue (edition, parent);

CREATE TABLE scsm.requirement (
    edition   text NOT NULL,
    req_code  text NOT NULL CHECK (req_code ~ '^[0-9][0-9.]*-[0-9]+$'),
    clause    scsm.clause NOT NULL,
    statement text NOT NULL CHECK (btrim(statement) <> ''),
    builtin   boolean NOT NULL DEFAULT false,
    PRIMARY KEY (edition, req_code),
    FOREIGN KEY (edition, clause) REFERENCES scsm.clause_catalogue (edition, clause)
        ON UPDATE CASCADE,
    CONSTRAINT requirement_code_matches_clause
        CHECK (split_part(req_code, '-', 1) = clause::text)
);
COMMENT ON TABLE scsm.requirement IS
    'One row per requirement ("shall") of clause 4 that is not itself an enumerated item; with the items, what the conformance matrix maps';
COMMENT ON COLUMN scsm.requirement.edition IS 'Edition the requirement belongs to';
COMMENT ON COLUMN scsm.requirement.req_code IS 'Code <clause>-<n>, numbered in the order of the clause text (4.1-1, 4.1-2, ...)';
COMMENT ON COLUMN scsm.requirement.clause IS 'Heading the requirement appears under';
COMMENT ON COLUMN scsm.requirement.statement IS 'Short paraphrase in our own words';
COMMENT ON COLUMN scsm.requirement.builtin IS 'True for rows installed by the extension; user rows are dumped by pg_dump';

CREATE INDEX requirement_clause_idx ON scsm.requirement (edition, clause);

CREATE TABLE scsm.threat_category (
    code        char(1) PRIMARY KEY CHECK (code BETWEEN 'a' AND 'z'),
    edition     text NOT NULL DEFAULT 'ISO 28000:2007',
    clause      scsm.clause NOT NULL,
    name        text NOT NULL UNIQUE CHECK (btrim(name) <> ''),
    description text NOT NULL CHECK (btrim(description) <> ''),
    builtin     boolean NOT NULL DEFAULT false,
    FOREIGN KEY (edition, clause) REFERENCES scsm.clause_catalogue (edition, clause)
        ON UPDATE CASCADE,
    CONSTRAINT threat_category_clause_check
        CHECK (scsm.clause_is_item(clause))
);
COMMENT ON TABLE scsm.threat_category IS
    'Categories of threats and risks a security risk assessment must consider (4.3.1, first list, a-h)';
COMMENT ON COLUMN scsm.threat_category.code IS 'Letter of the category (a .. h for ISO 28000:2007)';
COMMENT ON COLUMN scsm.threat_category.edition IS 'Edition whose item defines the category';
COMMENT ON COLUMN scsm.threat_category.clause IS 'Catalogue item that defines the category (4.3.1.a .. 4.3.1.h)';
COMMENT ON COLUMN scsm.threat_category.name IS 'Our own short name of the category';
COMMENT ON COLUMN scsm.threat_category.description IS 'What falls under the category, in our own words';
COMMENT ON COLUMN scsm.threat_category.builtin IS 'True for rows installed by the extension; user rows are dumped by pg_dump';

-- seed ----------------------------------------------------------------------

INSERT INTO scsm.edition (edition, title, published, builtin) VALUES
    ('ISO 28000:2007', 'Security management systems for the supply chain — specification',
     '2007-09-15', true);

-- One statement, so the self-referencing foreign key is checked once all
-- rows are in.  parent is derived, never typed.
INSERT INTO scsm.clause_catalogue (edition, clause, parent, kind, title, summary, builtin)
SELECT 'ISO 28000:2007', v.c::scsm.clause, scsm.clause_parent(v.c::scsm.clause),
       CASE WHEN scsm.clause_is_item(v.c::scsm.clause) THEN 'item' ELSE 'heading' END,
       v.title, v.summary, true
  FROM (VALUES
    ('4', 'Security management system elements',
     'The requirements an organization''s supply-chain security management system must meet.'),
    ('4.1', 'General requirements',
     'Run a documented, improving security management system with a defined scope, including control of outsourced work.'),
    ('4.2', 'Security policy',
     'Top management authorizes a policy with the qualities listed in the items.'),
    ('4.2.a', 'Consistent with other policies', 'The security policy does not contradict the organization''s other policies.'),
    ('4.2.b', 'Framework for objectives', 'The policy gives the frame from which objectives, targets and programmes are derived.'),
    ('4.2.c', 'Consistent with risk framework', 'The policy fits the organization''s overall threat and risk management approach.'),
    ('4.2.d', 'Appropriate to threats and scale', 'The policy suits the threats faced and the nature and size of operations.'),
    ('4.2.e', 'States broad objectives', 'The policy names the overall security objectives.'),
    ('4.2.f', 'Continual improvement commitment', 'The policy commits to keep improving security management.'),
    ('4.2.g', 'Compliance commitment', 'The policy commits to meet applicable law and other requirements the organization accepts.'),
    ('4.2.h', 'Endorsed by top management', 'Top management visibly backs the policy.'),
    ('4.2.i', 'Documented and maintained', 'The policy is written down, put into practice and kept current.'),
    ('4.2.j', 'Communicated to people', 'Employees, contractors and visitors learn the policy and their own security duties.'),
    ('4.2.k', 'Available to stakeholders', 'Stakeholders can obtain the policy where appropriate.'),
    ('4.2.l', 'Review on business change', 'Mergers, acquisitions or scope changes trigger a policy review.'),
    ('4.3', 'Risk assessment and planning',
     'Assess security threats and risks and plan objectives, targets and programmes from them.'),
    ('4.3.1', 'Security risk assessment',
     'Keep procedures to identify and assess threats and risks continuously and to decide on controls.'),
    ('4.3.1.a', 'Physical failure and malicious damage', 'Consider equipment failure, accidental or deliberate damage, terrorism and crime.'),
    ('4.3.1.b', 'Operational threats', 'Consider how security is run, human factors and activities affecting performance or safety.'),
    ('4.3.1.c', 'Natural events', 'Consider weather and other natural events that can defeat security measures.'),
    ('4.3.1.d', 'External factors', 'Consider things outside the organization''s control, such as failing supplied equipment or services.'),
    ('4.3.1.e', 'Stakeholder threats', 'Consider regulatory non-compliance and harm to reputation or brand.'),
    ('4.3.1.f', 'Security equipment lifecycle', 'Consider the design, installation, maintenance and replacement of security equipment.'),
    ('4.3.1.g', 'Information and communications', 'Consider the handling of information, data and communications.'),
    ('4.3.1.h', 'Continuity of operations', 'Consider threats to keeping operations running.'),
    ('4.3.1#2.a', 'Feeds objectives and targets', 'Assessment results inform the security objectives and targets.'),
    ('4.3.1#2.b', 'Feeds programmes', 'Assessment results inform the security programmes.'),
    ('4.3.1#2.c', 'Feeds design requirements', 'Assessment results inform design, specification and installation requirements.'),
    ('4.3.1#2.d', 'Feeds resourcing', 'Assessment results inform resources and staffing levels.'),
    ('4.3.1#2.e', 'Feeds training needs', 'Assessment results inform training and skills needs.'),
    ('4.3.1#2.f', 'Feeds operational controls', 'Assessment results inform the operational controls.'),
    ('4.3.1#2.g', 'Feeds risk framework', 'Assessment results inform the overall threat and risk management framework.'),
    ('4.3.1#3.a', 'Proactive scope and timing', 'The method defines scope, nature and timing so it anticipates rather than reacts.'),
    ('4.3.1#3.b', 'Information gathering', 'The method collects information about threats and risks.'),
    ('4.3.1#3.c', 'Classification and treatment', 'The method classifies risks and decides which to avoid, eliminate or control.'),
    ('4.3.1#3.d', 'Monitoring of actions', 'The method tracks that actions are effective and on time.'),
    ('4.3.2', 'Legal and regulatory requirements',
     'Keep a procedure to know the security laws and other requirements that apply and how they apply.'),
    ('4.3.2.a', 'Identify and access requirements', 'Find and have access to the legal and other requirements relevant to security risks.'),
    ('4.3.2.b', 'Determine how they apply', 'Work out how each requirement bears on the organization''s threats and risks.'),
    ('4.3.3', 'Security objectives',
     'Set documented objectives at relevant levels, derived from the policy and regularly reviewed.'),
    ('4.3.3.a', 'Consider legal requirements', 'Objectives take legal and regulatory requirements into account.'),
    ('4.3.3.b', 'Consider threats and risks', 'Objectives take the assessed threats and risks into account.'),
    ('4.3.3.c', 'Consider technology options', 'Objectives take technological and other options into account.'),
    ('4.3.3.d', 'Consider business needs', 'Objectives take financial, operational and business needs into account.'),
    ('4.3.3.e', 'Consider stakeholder views', 'Objectives take the views of relevant stakeholders into account.'),
    ('4.3.3#2.a', 'Support improvement', 'Objectives fit the commitment to continual improvement.'),
    ('4.3.3#2.b', 'Quantified', 'Objectives carry numbers where practicable.'),
    ('4.3.3#2.c', 'Communicated', 'Objectives are made known to the people and third parties concerned.'),
    ('4.3.3#2.d', 'Reviewed and amended', 'Objectives are reviewed periodically and changed where needed.'),
    ('4.3.4', 'Security targets',
     'Set documented targets derived from the objectives, with the qualities in the items.'),
    ('4.3.4.a', 'Sufficiently detailed', 'Targets are detailed enough to act on.'),
    ('4.3.4.b', 'SMART', 'Targets are specific, measurable, achievable, relevant and time-bound where practicable.'),
    ('4.3.4.c', 'Communicated', 'Targets are made known to the people and third parties concerned.'),
    ('4.3.4.d', 'Reviewed and amended', 'Targets are reviewed periodically and changed where needed.'),
    ('4.3.5', 'Security programmes',
     'Run prioritized, cost-effective programmes to reach the objectives and targets, and review them.'),
    ('4.3.5.a', 'Responsibility and authority', 'Programme documents say who is responsible and empowered to reach each objective.'),
    ('4.3.5.b', 'Means and time-scale', 'Programme documents say how and by when objectives and targets are reached.'),
    ('4.4', 'Implementation and operation',
     'Put the system into practice: roles, competence, communication, documents, operations and emergencies.'),
    ('4.4.1', 'Structure, authority and responsibilities',
     'Define and communicate security roles; top management shows commitment in the ways listed.'),
    ('4.4.1.a', 'Appoint a top-management lead', 'A top-management member owns the security management system.'),
    ('4.4.1.b', 'Appoint managers for objectives', 'Managers are given the authority to deliver objectives and targets.'),
    ('4.4.1.c', 'Manage stakeholder expectations', 'Stakeholder requirements are tracked and acted on in time.'),
    ('4.4.1.d', 'Provide resources', 'Adequate resources are made available.'),
    ('4.4.1.e', 'Weigh side effects', 'Adverse effects of the security policy and plans on other areas are considered.'),
    ('4.4.1.f', 'Align other security programmes', 'Security programmes from other parts of the organization fit the system.'),
    ('4.4.1.g', 'Communicate importance', 'The organization is told why meeting security requirements matters.'),
    ('4.4.1.h', 'Integrate risk assessments', 'Security risks are part of the organization''s wider risk assessments.'),
    ('4.4.1.i', 'Keep plans viable', 'Objectives, targets and programmes remain achievable.'),
    ('4.4.2', 'Competence, training and awareness',
     'Ensure security staff are qualified, make people aware of their duties, and keep training records.'),
    ('4.4.2.a', 'Why compliance matters', 'People know why following the policy and procedures matters.'),
    ('4.4.2.b', 'Own roles and responsibilities', 'People know their own part, emergency duties included.'),
    ('4.4.2.c', 'Consequences of deviation', 'People know what departing from procedures can cost.'),
    ('4.4.3', 'Communication',
     'Have procedures so security information flows to and from staff, contractors and stakeholders.'),
    ('4.4.4', 'Documentation',
     'Keep a documentation system covering the listed content, classify information and block unauthorized access.'),
    ('4.4.4.a', 'Policy, objectives and targets', 'The documentation holds the policy, objectives and targets.'),
    ('4.4.4.b', 'Scope description', 'The documentation describes the scope of the system.'),
    ('4.4.4.c', 'Main elements and links', 'The documentation describes the main elements, how they interact, and related documents.'),
    ('4.4.4.d', 'Documents the standard requires', 'The documentation holds the documents and records the standard calls for.'),
    ('4.4.4.e', 'Documents the organization needs', 'The documentation holds what the organization needs to run its significant risk processes.'),
    ('4.4.5', 'Document and data control',
     'Control documents, data and information so they have the properties listed.'),
    ('4.4.5.a', 'Authorized access only', 'Only authorized people can locate and access controlled information.'),
    ('4.4.5.b', 'Reviewed and approved', 'Controlled information is reviewed, revised and approved periodically.'),
    ('4.4.5.c', 'Current versions available', 'Current versions are available wherever essential operations happen.'),
    ('4.4.5.d', 'Obsolete versions withdrawn', 'Obsolete versions are removed from use or guarded against unintended use.'),
    ('4.4.5.e', 'Archives identified', 'Archived information kept for legal or knowledge reasons is marked as such.'),
    ('4.4.5.f', 'Secure and backed up', 'Controlled information is secure, and electronic copies are backed up and recoverable.'),
    ('4.4.6', 'Operational control',
     'Identify critical operations, run them under specified conditions, and assess changes before making them.'),
    ('4.4.6.a', 'Operations for the policy', 'Identify the operations needed to deliver the policy.'),
    ('4.4.6.b', 'Operations controlling significant risks', 'Identify the operations needed to control significant risks.'),
    ('4.4.6.c', 'Operations for compliance', 'Identify the operations needed to meet legal and regulatory security requirements.'),
    ('4.4.6.d', 'Operations for objectives', 'Identify the operations needed to reach the objectives.'),
    ('4.4.6.e', 'Operations for programmes', 'Identify the operations needed to deliver the programmes.'),
    ('4.4.6.f', 'Operations for supply-chain security', 'Identify the operations needed for the required supply-chain security level.'),
    ('4.4.6#2.a', 'Documented procedures', 'Written procedures cover situations where their absence would put these operations at risk.'),
    ('4.4.6#2.b', 'Upstream threats', 'Threats from upstream activities are evaluated and controlled for the organization and those downstream.'),
    ('4.4.6#2.c', 'Supplier security requirements', 'Security requirements for goods and services are set and passed to suppliers and contractors.'),
    ('4.4.6#3.a', 'Change: organization and roles', 'Changes to structure, roles or responsibilities are assessed first.'),
    ('4.4.6#3.b', 'Change: policy and plans', 'Changes to policy, objectives, targets or programmes are assessed first.'),
    ('4.4.6#3.c', 'Change: processes', 'Changes to processes and procedures are assessed first.'),
    ('4.4.6#3.d', 'Change: infrastructure and technology', 'New infrastructure, security equipment, hardware or software is assessed first.'),
    ('4.4.6#3.e', 'Change: contractors, suppliers, staff', 'New contractors, suppliers or personnel are assessed first.'),
    ('4.4.7', 'Emergency preparedness and recovery',
     'Keep, review and test plans for security incidents and emergencies, including the equipment they need.'),
    ('4.5', 'Checking and corrective action',
     'Measure, evaluate, investigate, correct, keep records and audit.'),
    ('4.5.1', 'Performance measurement and monitoring',
     'Monitor and measure system and security performance, at risk-based frequencies, with calibrated equipment.'),
    ('4.5.1.a', 'Qualitative and quantitative', 'Measurements are both qualitative and quantitative as needed.'),
    ('4.5.1.b', 'Policy and objectives met', 'Monitoring shows how far policy, objectives and targets are met.'),
    ('4.5.1.c', 'Proactive measures', 'Leading measures check compliance with programmes, operating criteria and law.'),
    ('4.5.1.d', 'Reactive measures', 'Lagging measures track failures, incidents, near misses and false alarms.'),
    ('4.5.1.e', 'Recorded results', 'Monitoring data is recorded well enough to support corrective and preventive analysis.'),
    ('4.5.2', 'System evaluation',
     'Evaluate plans and capabilities and compliance periodically, and keep records of the results.'),
    ('4.5.3', 'Failures, incidents, nonconformities and actions',
     'Assign responsibility for investigating and correcting problems; assess actions for risk before implementing them.'),
    ('4.5.3.a', 'Preventive action', 'Evaluate and start actions that prevent potential security failures.'),
    ('4.5.3.b', 'Investigation', 'Investigate security-related events of the kinds listed.'),
    ('4.5.3.b.1', 'Failures, near misses, false alarms', 'Investigate failures, including near misses and false alarms.'),
    ('4.5.3.b.2', 'Incidents and emergencies', 'Investigate incidents and emergency situations.'),
    ('4.5.3.b.3', 'Nonconformities', 'Investigate nonconformities.'),
    ('4.5.3.c', 'Mitigate consequences', 'Act to limit the consequences of failures, incidents or nonconformities.'),
    ('4.5.3.d', 'Corrective action', 'Start and complete corrective actions.'),
    ('4.5.3.e', 'Effectiveness check', 'Confirm that corrective actions worked.'),
    ('4.5.4', 'Control of records',
     'Keep legible, traceable records with a procedure for their storage, protection, retention and disposal.'),
    ('4.5.5', 'Audit',
     'Run a risk-based audit programme at planned intervals, with independent auditors where possible.'),
    ('4.5.5.a', 'Determine conformity', 'Audits establish whether the system meets the criteria listed.'),
    ('4.5.5.a.1', 'Conforms to arrangements', 'The system matches what was planned, including all of clause 4.'),
    ('4.5.5.a.2', 'Implemented and maintained', 'The system has been put in place and kept up.'),
    ('4.5.5.a.3', 'Effective', 'The system achieves the policy and objectives.'),
    ('4.5.5.b', 'Review previous audits', 'Audits look at earlier results and the actions taken on them.'),
    ('4.5.5.c', 'Report to management', 'Audit results go to management.'),
    ('4.5.5.d', 'Verify deployment', 'Audits check that security equipment and people are deployed properly.'),
    ('4.6', 'Management review and improvement',
     'Top management reviews the system at planned intervals using the inputs listed and records decisions.'),
    ('4.6.a', 'Audit and compliance results', 'Review audit results and compliance evaluations.'),
    ('4.6.b', 'External communications', 'Review communications and complaints from outside parties.'),
    ('4.6.c', 'Security performance', 'Review how the organization performed on security.'),
    ('4.6.d', 'Objectives and targets met', 'Review how far objectives and targets were reached.'),
    ('4.6.e', 'Action status', 'Review the status of corrective and preventive actions.'),
    ('4.6.f', 'Previous review follow-up', 'Review follow-up actions from earlier management reviews.'),
    ('4.6.g', 'Changing circumstances', 'Review changes in circumstances, including legal developments.'),
    ('4.6.h', 'Improvement recommendations', 'Review recommendations for improvement.')
  ) AS v(c, title, summary);

INSERT INTO scsm.requirement (edition, req_code, clause, statement, builtin)
SELECT 'ISO 28000:2007', v.code, split_part(v.code, '-', 1)::scsm.clause, v.statement, true
  FROM (VALUES
    ('4.1-1', 'Establish, document, implement, maintain and improve a security management system that identifies threats, assesses risks and controls their consequences.'),
    ('4.1-2', 'Improve the system''s effectiveness continually against all of clause 4.'),
    ('4.1-3', 'Define the scope of the system.'),
    ('4.1-4', 'Keep outsourced processes that affect conformity under control.'),
    ('4.1-5', 'Identify the controls and responsibilities for outsourced processes within the system.'),
    ('4.2-1', 'Top management authorizes an overall security policy.'),
    ('4.3.1-1', 'Keep procedures for ongoing identification and assessment of threats and risks and for choosing and applying controls.'),
    ('4.3.1-2', 'Assess both the likelihood of an event and all its consequences.'),
    ('4.3.1-3', 'Make sure assessment results and control effects are considered and feed planning.'),
    ('4.3.1-4', 'Document the assessment information and keep it current.'),
    ('4.3.2-1', 'Establish, implement and maintain a procedure for legal and other requirements.'),
    ('4.3.2-2', 'Keep the information on legal and other requirements current.'),
    ('4.3.2-3', 'Tell employees and relevant third parties about the legal and other requirements that concern them.'),
    ('4.3.3-1', 'Set documented security objectives for relevant functions and levels.'),
    ('4.3.3-2', 'Derive objectives from the policy and keep them consistent with it.'),
    ('4.3.4-1', 'Set documented security targets suited to the organization''s needs.'),
    ('4.3.4-2', 'Derive targets from the objectives and keep them consistent with them.'),
    ('4.3.5-1', 'Establish and maintain programmes to reach objectives and targets.'),
    ('4.3.5-2', 'Optimize and then prioritize the programmes.'),
    ('4.3.5-3', 'Provide for efficient, cost-effective implementation of the programmes.'),
    ('4.3.5-4', 'Review programmes periodically for effectiveness and consistency with objectives and targets.'),
    ('4.3.5-5', 'Amend programmes where a review shows it is needed.'),
    ('4.4.1-1', 'Maintain a structure of roles, responsibilities and authorities that serves the policy and plans.'),
    ('4.4.1-2', 'Define, document and communicate roles, responsibilities and authorities to those who carry them.'),
    ('4.4.1-3', 'Top management provides evidence of its commitment to the system and its improvement.'),
    ('4.4.2-1', 'People who design, operate or manage security equipment and processes are qualified by education, training or experience.'),
    ('4.4.2-2', 'Keep procedures that make people working for the organization aware of their security duties.'),
    ('4.4.2-3', 'Keep records of competence and training.'),
    ('4.4.3-1', 'Keep procedures for passing security information to and from staff, contractors and stakeholders.'),
    ('4.4.4-1', 'Establish and maintain a security documentation system.'),
    ('4.4.4-2', 'Determine how sensitive each piece of information is.'),
    ('4.4.4-3', 'Take steps against unauthorized access to information.'),
    ('4.4.5-1', 'Keep procedures that control all documents, data and information clause 4 requires.'),
    ('4.4.6-1', 'Identify the operations and activities needed for the purposes listed.'),
    ('4.4.6-2', 'Carry out those operations and activities under specified conditions.'),
    ('4.4.6-3', 'Procedures control design, installation, operation, refurbishment and modification of security equipment.'),
    ('4.4.6-4', 'Assess the threats and risks of new or revised arrangements before putting them in place.'),
    ('4.4.7-1', 'Keep plans and procedures to anticipate and respond to incidents and emergencies and limit their consequences.'),
    ('4.4.7-2', 'Plans cover providing and maintaining the equipment, facilities and services needed during or after an emergency.'),
    ('4.4.7-3', 'Review emergency plans periodically, and especially after a security incident.'),
    ('4.4.7-4', 'Test emergency procedures periodically where practicable.'),
    ('4.5.1-1', 'Keep procedures to monitor and measure the performance of the management system.'),
    ('4.5.1-2', 'Keep procedures to monitor and measure security performance.'),
    ('4.5.1-3', 'Set measurement frequencies from threats, risks and deterioration mechanisms.'),
    ('4.5.1-4', 'Keep procedures to calibrate and maintain monitoring equipment where it is used.'),
    ('4.5.1-5', 'Retain calibration and maintenance records as long as law and policy require.'),
    ('4.5.2-1', 'Evaluate plans, procedures and capabilities through reviews, tests, incident reports, lessons learned and exercises.'),
    ('4.5.2-2', 'Reflect significant changes in procedures without delay.'),
    ('4.5.2-3', 'Evaluate compliance with law, regulation, good practice and own policy and objectives periodically.'),
    ('4.5.2-4', 'Keep records of the evaluation results.'),
    ('4.5.3-1', 'Keep procedures that assign responsibility and authority for handling problems and actions.'),
    ('4.5.3-2', 'Review proposed corrective and preventive actions through risk assessment before implementing them, unless immediate action prevents imminent danger to life or public safety.'),
    ('4.5.3-3', 'Size each action to the problem and the risks involved.'),
    ('4.5.3-4', 'Implement and record procedure changes resulting from actions.'),
    ('4.5.3-5', 'Include the training those changes need.'),
    ('4.5.4-1', 'Keep the records needed to show conformity and results.'),
    ('4.5.4-2', 'Keep a procedure for identifying, storing, protecting, retrieving, retaining and disposing of records.'),
    ('4.5.4-3', 'Records stay legible, identifiable and traceable.'),
    ('4.5.5-1', 'Establish and maintain a security audit programme.'),
    ('4.5.5-2', 'Carry out audits at planned intervals.'),
    ('4.5.5-3', 'Base the audit programme and schedule on risk assessments and earlier audit results.'),
    ('4.5.5-4', 'Audit procedures cover scope, frequency, methods, competence, responsibilities and reporting.'),
    ('4.5.5-5', 'Use auditors independent of the audited activity where possible.'),
    ('4.6-1', 'Top management reviews the system at planned intervals for suitability, adequacy and effectiveness.'),
    ('4.6-2', 'Reviews assess improvement opportunities and needed changes to policy, objectives, threats and risks.'),
    ('4.6-3', 'Retain records of management reviews.'),
    ('4.6-4', 'Review outputs record decisions and actions on changes to policy, objectives, targets and other elements.')
  ) AS v(code, statement);

INSERT INTO scsm.threat_category (code, edition, clause, name, description, builtin) VALUES
    ('a', 'ISO 28000:2007', '4.3.1.a', 'Physical failure and malicious damage',
     'Equipment that stops working, accidental damage, sabotage, terrorism and crime.', true),
    ('b', 'ISO 28000:2007', '4.3.1.b', 'Operational',
     'How security is run day to day, human error and other activities that affect performance or safety.', true),
    ('c', 'ISO 28000:2007', '4.3.1.c', 'Natural environment',
     'Storms, floods and other natural events that can put security measures out of action.', true),
    ('d', 'ISO 28000:2007', '4.3.1.d', 'Outside the organization''s control',
     'Failures of equipment and services supplied from outside.', true),
    ('e', 'ISO 28000:2007', '4.3.1.e', 'Stakeholder and reputation',
     'Missing regulatory requirements, or harm to reputation or brand.', true),
    ('f', 'ISO 28000:2007', '4.3.1.f', 'Security equipment lifecycle',
     'Design, installation, maintenance and replacement of security equipment.', true),
    ('g', 'ISO 28000:2007', '4.3.1.g', 'Information and communications',
     'Handling of information and data, and communications.', true),
    ('h', 'ISO 28000:2007', '4.3.1.h', 'Continuity of operations',
     'Anything that could interrupt the operation.', true);

-- user additions survive pg_dump; builtin rows come back with CREATE EXTENSION
SELECT pg_catalog.pg_extension_config_dump('scsm.edition', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('scsm.clause_catalogue', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('scsm.requirement', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('scsm.threat_category', 'WHERE NOT builtin');
