-- Risk matrix contents (versions, levels, cells) carry no org_id: they are
-- visible to a member exactly when the matrix they belong to is -- presets
-- to everyone, an organization's own matrices to its members only.
BEGIN;
\ir ../fixtures/access_orgs.sql

CREATE ROLE tap_mx_a LOGIN;
CREATE ROLE tap_mx_b LOGIN;
CREATE ROLE tap_mx_none LOGIN;
GRANT scsm_viewer TO tap_mx_a, tap_mx_b, tap_mx_none;
SELECT scsm.add_member(:org_a, 'tap_mx_a', 'restricted');
SELECT scsm.add_member(:org_b, 'tap_mx_b', 'restricted');

SELECT v.version_id AS preset FROM scsm.risk_matrix_version v JOIN scsm.risk_matrix m USING (matrix_id)
 WHERE m.org_id IS NULL ORDER BY v.version_id LIMIT 1 \gset
SELECT scsm.risk_matrix_copy(:preset, :org_a, 'tap_a own') AS own_a \gset
SELECT count(*) AS preset_levels FROM scsm.risk_level WHERE version_id = :preset \gset
SELECT count(*) AS preset_cells FROM scsm.risk_matrix_cell WHERE version_id = :preset \gset

SELECT plan(12);

SET ROLE tap_mx_b;
SELECT is((SELECT count(*) FROM scsm.risk_matrix_version WHERE version_id = :own_a), 0::bigint,
          'a member of another organization does not see the version of A''s matrix');
SELECT is((SELECT count(*) FROM scsm.risk_level WHERE version_id = :own_a), 0::bigint,
          '... nor its levels');
SELECT is((SELECT count(*) FROM scsm.risk_matrix_cell WHERE version_id = :own_a), 0::bigint,
          '... nor its cells');
SELECT is((SELECT count(*) FROM scsm.risk_matrix_version WHERE version_id = :preset), 1::bigint,
          'a member sees the preset''s version');
SELECT is((SELECT count(*) FROM scsm.risk_level WHERE version_id = :preset), :preset_levels::bigint,
          '... its levels');
SELECT is((SELECT count(*) FROM scsm.risk_matrix_cell WHERE version_id = :preset), :preset_cells::bigint,
          '... and its cells');
SELECT throws_ok(format('UPDATE scsm.risk_level SET name = %L WHERE version_id = %s', 'x', :preset),
                 '42501', NULL, 'a viewer does not change a preset''s levels');
RESET ROLE;

SET ROLE tap_mx_a;
SELECT is((SELECT count(*) FROM scsm.risk_matrix_version WHERE version_id = :own_a), 1::bigint,
          'a member of A sees the version of A''s matrix');
SELECT is((SELECT count(*) FROM scsm.risk_level WHERE version_id = :own_a), :preset_levels::bigint,
          '... its levels');
SELECT is((SELECT count(*) FROM scsm.risk_matrix_cell WHERE version_id = :own_a), :preset_cells::bigint,
          '... and its cells');
RESET ROLE;

SET ROLE tap_mx_none;
SELECT is((SELECT count(*) FROM scsm.risk_matrix_cell WHERE version_id = :own_a), 0::bigint,
          'a viewer of no organization sees no organization''s cells');
SELECT ok((SELECT count(*) FROM scsm.risk_matrix_cell WHERE version_id = :preset) > 0,
          '... but the presets''');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
