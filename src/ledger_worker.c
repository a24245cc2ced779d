/*-------------------------------------------------------------------------
 *
 * ledger_worker.c
 *	  Background sealing for the scsm ledger.
 *
 * When scsm is in shared_preload_libraries, a launcher worker wakes every
 * scsm.seal_interval and starts, for every database that accepts
 * connections, a short-lived sealer worker.  The sealer returns at once
 * when the database has no scsm extension; otherwise it calls
 * scsm.ledger_seal() until nothing is left to seal, one block per
 * transaction, and exits.  Short-lived workers hold no database open (so
 * DROP DATABASE is not blocked for long) and need no bookkeeping when
 * databases or the extension come and go.  scsm.ledger_seal() takes an
 * advisory lock, so the worker, pg_cron and CALL scsm.run_maintenance()
 * never interleave.
 *
 * src/ledger_worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "scsm.h"
#include "ledger.h"

PGDLLEXPORT void scsm_ledger_launcher_main(Datum arg);
PGDLLEXPORT void scsm_ledger_sealer_main(Datum arg);

#define MAX_TRACKED_DBS 256

typedef struct TrackedDb
{
	Oid			dboid;
	BackgroundWorkerHandle *handle;
} TrackedDb;

/* Register the launcher; called from _PG_init while preloading. */
void
LedgerWorkerRegister(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 10;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "scsm");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "scsm_ledger_launcher_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "scsm ledger launcher");
	snprintf(worker.bgw_type, BGW_MAXLEN, "scsm ledger launcher");
	RegisterBackgroundWorker(&worker);
}

/* Databases that accept connections and are not templates. */
static int
ListDatabases(Oid *oids, int max)
{
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	int			n = 0;

	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL && n < max)
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);

		if (db->datallowconn && !db->datistemplate)
			oids[n++] = db->oid;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	return n;
}

static void
StartSealer(TrackedDb *t)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "scsm");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "scsm_ledger_sealer_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "scsm ledger sealer %u", t->dboid);
	snprintf(worker.bgw_type, BGW_MAXLEN, "scsm ledger sealer");
	worker.bgw_main_arg = ObjectIdGetDatum(t->dboid);
	worker.bgw_notify_pid = MyProcPid;
	if (!RegisterDynamicBackgroundWorker(&worker, &t->handle))
		t->handle = NULL;		/* no free slot: try again next round */
}

/*
 * The launcher: every scsm.seal_interval, start a sealer for each database
 * that has none running.
 */
void
scsm_ledger_launcher_main(Datum arg)
{
	TrackedDb  *tracked;
	int			ntracked = 0;

	(void) arg;
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);

	tracked = MemoryContextAllocZero(TopMemoryContext, sizeof(TrackedDb) * MAX_TRACKED_DBS);
	for (;;)
	{
		Oid			oids[MAX_TRACKED_DBS];
		int			n;
		TimestampTz next = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
													   scsm_seal_interval_ms);

		/*
		 * Sleep a full interval; the latch is also set when a sealer we
		 * started exits, which must not start the next round early.
		 */
		for (;;)
		{
			long		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), next);

			if (left <= 0)
				break;
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 left, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
			if (ConfigReloadPending)
			{
				ConfigReloadPending = false;
				ProcessConfigFile(PGC_SIGHUP);
				next = Min(next, TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
															 scsm_seal_interval_ms));
			}
		}

		n = ListDatabases(oids, MAX_TRACKED_DBS);
		for (int i = 0; i < n; i++)
		{
			TrackedDb  *t = NULL;
			pid_t		pid;

			for (int j = 0; j < ntracked; j++)
				if (tracked[j].dboid == oids[i])
					t = &tracked[j];
			if (t == NULL)
			{
				if (ntracked >= MAX_TRACKED_DBS)
					continue;
				t = &tracked[ntracked++];
				t->dboid = oids[i];
				t->handle = NULL;
			}
			if (t->handle != NULL &&
				GetBackgroundWorkerPid(t->handle, &pid) == BGWH_STARTED)
				continue;		/* the previous sealer is still at work */
			if (t->handle != NULL)
				pfree(t->handle);
			StartSealer(t);
		}
	}
}

/* Run one statement returning a single int8 in its own transaction. */
static int64
RunInt8(const char *sql)
{
	int64		result = 0;
	bool		isnull = true;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, sql);
	if (SPI_execute(sql, false, 1) == SPI_OK_SELECT && SPI_processed == 1)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			result = DatumGetInt64(d);
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	return result;
}

/*
 * A sealer: seal what is pending in one database, then exit.  Blocks are
 * bounded in size, so a backlog is worked off one transaction at a time.
 */
void
scsm_ledger_sealer_main(Datum arg)
{
	Oid			dboid = DatumGetObjectId(arg);

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);
	/*
	 * The sealer runs as the bootstrap superuser: never under a search_path
	 * a database's owner set (ALTER DATABASE ... SET), which could put an
	 * operator of theirs before pg_catalog's.
	 */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);

	if (RunInt8("SELECT count(*) FROM pg_catalog.pg_extension e "
				"JOIN pg_catalog.pg_proc p ON p.pronamespace = e.extnamespace "
				"WHERE e.extname = 'scsm' AND p.proname = 'ledger_seal'") == 0)
		proc_exit(0);
	for (int i = 0; i < 1000; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (RunInt8("SELECT scsm.ledger_seal()") <= 0)
			break;
	}
	proc_exit(0);
}
