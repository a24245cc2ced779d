-- 80_maintenance_steps.sql: further steps of scsm.run_maintenance().
-- (The ledger (70) registers sealing, retention (72) review and disposal.)

-- Audits coming due (4.5.5): one NOTIFY scsm_events per unit due within 30
-- days, at most once a day however often the maintenance job runs (pg_cron
-- runs it every minute); the run itself is recorded in scsm.event_log.
CREATE FUNCTION scsm.audits_due_step() RETURNS bigint
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  -- one run a day: serialize concurrent maintenance runs on this step
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('scsm.audits_due_step'));
  IF EXISTS (SELECT 1 FROM scsm.event_log
              WHERE event = 'audits_due_notified' AND at >= current_date) THEN
    RETURN 0;
  END IF;
  n := scsm.notify_audits_due(30);
  PERFORM scsm.log_event('audits_due_notified', NULL, n, pg_catalog.jsonb_build_object('within_days', 30));
  RETURN n;
END
$$;
COMMENT ON FUNCTION scsm.audits_due_step() IS
  'Maintenance step: scsm.notify_audits_due(30) at most once a day; returns how many units were notified';
REVOKE ALL ON FUNCTION scsm.audits_due_step() FROM PUBLIC;

INSERT INTO scsm.maintenance_step (step_name, position, function_name, repeat, builtin, description)
VALUES ('audits_due', 40, 'audits_due_step', false, true,
        'Send NOTIFY scsm_events for audits due within 30 days, once a day');
