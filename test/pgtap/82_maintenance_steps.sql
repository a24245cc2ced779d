-- The audit-due notification is a maintenance step that runs at most once a day.
BEGIN;
SELECT plan(5);

SELECT is((SELECT function_name FROM scsm.maintenance_step WHERE step_name = 'audits_due'),
          'audits_due_step', 'run_maintenance has an audits_due step');
SELECT ok((SELECT position FROM scsm.maintenance_step WHERE step_name = 'audits_due') >
          (SELECT position FROM scsm.maintenance_step WHERE step_name = 'ledger_seal'),
          'it runs after sealing');

SELECT lives_ok('SELECT scsm.audits_due_step()', 'the first run of the day notifies');
SELECT is((SELECT count(*)::int FROM scsm.event_log
            WHERE event = 'audits_due_notified' AND at >= current_date),
          1, 'and records that it did, once');
SELECT is(scsm.audits_due_step(), 0::bigint, 'a second run the same day notifies nothing');

SELECT * FROM finish();
ROLLBACK;
