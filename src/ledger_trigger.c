/*-------------------------------------------------------------------------
 *
 * ledger_trigger.c
 *	  The write path of the scsm ledger: the row trigger that hashes each
 *	  inserted (or, for versioned tables, updated) row and appends a ledger
 *	  entry, the per-transaction entry, and the statement trigger that
 *	  refuses UPDATE, DELETE and TRUNCATE.
 *
 * Nothing here touches a shared row: each writer inserts its own entries
 * (sequence numbers, no head row), so concurrent writers do not queue on
 * one another.  Ordering and chaining happen later, in the sealer.
 *
 * Ledger tables belong to the extension owner and are not writable by
 * ordinary roles, so the entries are written with the owner's user id
 * (SECURITY_LOCAL_USERID_CHANGE, as the RI triggers of PostgreSQL do).
 *
 * src/ledger_trigger.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "ledger.h"
#include "retention.h"		/* retention hook (issue 4) */

PG_FUNCTION_INFO_V1(scsm_ledger_trigger);
PG_FUNCTION_INFO_V1(scsm_ledger_refuse);

/* Set only by LedgerDisposeRow (C), never from SQL: the retention door. */
bool		ledger_disposal_active = false;
Oid			ledger_disposal_relid = InvalidOid;

/* Trigger arguments: table id, mode, and for versioned tables the history table. */
static int32
TriggerTableId(TriggerData *td, char **mode, char **history)
{
	Trigger    *tg = td->tg_trigger;

	if (tg->tgnargs < 2)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("scsm ledger trigger needs a table id and a mode")));
	*mode = tg->tgargs[1];
	if (history)
		*history = tg->tgnargs > 2 ? tg->tgargs[2] : NULL;
	return pg_strtoint32(tg->tgargs[0]);
}

/*
 * Copy the old version of a versioned row into its history table with its
 * version number and the time it stopped being current.
 */
static void
WriteHistory(Relation rel, const char *history, HeapTuple oldtup,
			 int32 version)
{
	TupleDesc	desc = RelationGetDescr(rel);
	StringInfoData q;
	Datum	   *values;
	Oid		   *types;
	char	   *nulls;
	int			n = 0;
	int			rc;
	char	   *nsp = get_namespace_name(RelationGetNamespace(rel));
	StringInfoData cols;

	initStringInfo(&q);
	initStringInfo(&cols);
	values = palloc(sizeof(Datum) * (desc->natts + 1));
	types = palloc(sizeof(Oid) * (desc->natts + 1));
	nulls = palloc(desc->natts + 2);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);
		bool		isnull;

		if (a->attisdropped)
			continue;
		appendStringInfo(&cols, "%s, ", quote_identifier(NameStr(a->attname)));
		values[n] = heap_getattr(oldtup, i + 1, desc, &isnull);
		nulls[n] = isnull ? 'n' : ' ';
		types[n] = a->atttypid;
		n++;
	}
	values[n] = Int32GetDatum(version);
	nulls[n] = ' ';
	types[n] = INT4OID;
	n++;
	appendStringInfo(&q, "INSERT INTO %s.%s (%sscsm_version, scsm_superseded_at) VALUES (",
					 quote_identifier(nsp), quote_identifier(history), cols.data);
	for (int i = 1; i <= n; i++)
		appendStringInfo(&q, "$%d, ", i);
	appendStringInfoString(&q, "pg_catalog.transaction_timestamp())");
	rc = SPI_execute_with_args(q.data, n, types, values, nulls, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not write the history row: %s", SPI_result_code_string(rc));
}

/*
 * AFTER INSERT (and, for versioned tables, AFTER UPDATE) FOR EACH ROW:
 * hash the row as stored and append its ledger entry.  Created by
 * scsm.protect() with ENABLE ALWAYS, so session_replication_role = replica
 * does not silence it.
 */
Datum
scsm_ledger_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	LedgerRelInfo *info;
	HeapTuple	tuple;
	char	   *mode;
	char	   *history;
	int32		table_id;
	int32		version = 1;
	char	   *key;
	uint8		hash[LEDGER_HASH_LEN];
	RetentionStamp prev;
	RetentionStamp stamp;
	bool		have_prev = false;
	int64		prev_entry = 0;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("scsm.ledger_trigger() must be an AFTER ROW trigger")));
	rel = td->tg_relation;

	/*
	 * Restore hook (issue 4): with scsm.restore_mode on (superuser only),
	 * pg_restore loads rows that come with their ledger entries from the
	 * dump, whatever its application_name; write nothing.
	 */
	if (scsm_restore_mode)
		return PointerGetDatum(NULL);
	table_id = TriggerTableId(td, &mode, &history);
	info = LedgerCachedRelInfo(rel);

	/*
	 * pg_restore of a protected table that belongs to an extension: the
	 * extension script recreated the table with its triggers before the
	 * data, and the data's ledger entries come back from the dump of
	 * scsm.ledger_row, so writing them again would duplicate them.  Only a
	 * superuser restoring as "pg_restore" (its default application_name)
	 * gets this; for anyone else the row is ledgered.
	 */
	if (info->ext_member && TRIGGER_FIRED_BY_INSERT(td->tg_event) &&
		application_name != NULL && strcmp(application_name, "pg_restore") == 0 &&
		superuser())
		return PointerGetDatum(NULL);

	tuple = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	key = LedgerRowKey(info, RelationGetDescr(rel), tuple);

	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		char	   *oldkey = LedgerRowKey(info, RelationGetDescr(rel), td->tg_trigtuple);
		Oid			save_userid;
		int			save_sec;

		if (strcmp(mode, "versioned") != 0 || history == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_LEDGER_REFUSED),
					 errmsg("table \"%s\" is append-only", info->relname)));
		if (strcmp(oldkey, key) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_LEDGER_REFUSED),
					 errmsg("cannot change the primary key of a row of versioned table \"%s\"",
							info->relname),
					 errdetail("The ledger follows the versions of a row by its key %s.", oldkey),
					 errhint("Insert a new row instead.")));
		version = LedgerKeyLatest(table_id, key, &prev, &prev_entry);
		have_prev = true;
		if (version == 0)
			version = 1;		/* a row that predates the ledger */

		/*
		 * The history table belongs to the table owner, who may hang
		 * triggers on it: write it as that owner (as PostgreSQL's RI
		 * triggers do), never as the ledger owner, under the session's
		 * search_path as any trigger of theirs (the statement names
		 * everything in full and uses no operator).  Row level security the
		 * owner forces on the history table does not apply (as to foreign-key
		 * checks): every old version goes there.
		 */
		SPI_connect();
		GetUserIdAndSecContext(&save_userid, &save_sec);
		SetUserIdAndSecContext(rel->rd_rel->relowner,
							   save_sec | SECURITY_LOCAL_USERID_CHANGE |
							   SECURITY_RESTRICTED_OPERATION | SECURITY_NOFORCE_RLS);
		WriteHistory(rel, history, td->tg_trigtuple, version);
		SetUserIdAndSecContext(save_userid, save_sec);
		SPI_finish();
		version++;
	}
	else if (strcmp(mode, "versioned") == 0)
	{
		/*
		 * A key written again after its record was disposed of: a new
		 * record, whose versions carry on from the disposed ones, so that a
		 * version number names one row version of the key for good (the
		 * history, verify_ledger and the certificates follow versions by
		 * number).  The disposed record's stamp is no floor for it.
		 */
		version = LedgerKeyLatest(table_id, key, NULL, NULL) + 1;
	}
	LedgerHashRow(info->nspname, info->relname, RelationGetDescr(rel), tuple,
				  NULL, info->order, hash);
	/* retention hook (issue 4): retain_until fixed in the write path */
	RetentionStampRow(rel, tuple, have_prev ? &prev : NULL, &stamp);

	/*
	 * The fast path, for the bulk of records: a new row of an append-only
	 * table without a retention stamp is buffered and reaches the ledger as
	 * part of one batch tuple per transaction (ledger_store.c).  Versioned
	 * rows (their version numbers are read back by key), stamped rows
	 * (retention reads and lengthens their stamps in ledger_row) and rows
	 * written by disposal go to ledger_row directly.
	 */
	if (!TRIGGER_FIRED_BY_UPDATE(td->tg_event) && strcmp(mode, "append_only") == 0 &&
		!ledger_disposal_active &&
		!stamp.has_class && !stamp.has_basis && !stamp.has_until)
		LedgerBufferEntry(table_id, key, hash);
	else
	{
		/*
		 * only the latest version of a key waits in retention's due queue;
		 * the earlier entry's stamp is read again, afresh: a lengthening this
		 * writer waited for (retention.c, LockClassForStamp), or one that
		 * committed after a REPEATABLE READ writer's snapshot, has moved its
		 * queue row since LedgerKeyLatest read it
		 */
		TimestampTz prev_until = 0;

		if (have_prev && prev.has_until && prev_entry != 0 &&
			LedgerEntryUntil(table_id, key, prev_entry, &prev_until))
			LedgerDueForget(table_id, prev_until, prev_entry);
		LedgerAppendEntryStamped(table_id, key, version, hash, &stamp, &tuple->t_self);
	}
	return PointerGetDatum(NULL);
}

/*
 * BEFORE UPDATE / DELETE / TRUNCATE FOR EACH STATEMENT, and BEFORE UPDATE /
 * DELETE FOR EACH ROW (which also fires when a statement on a parent table
 * reaches the rows): refuse, whoever asks.  The one exception is a DELETE issued by LedgerDisposeRow, which
 * sets a backend-local flag that no SQL can set.
 */
Datum
scsm_ledger_refuse(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	const char *relname;
	char	   *mode;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("scsm.ledger_refuse() must be called as a trigger")));
	relname = RelationGetRelationName(td->tg_relation);
	(void) TriggerTableId(td, &mode, NULL);

	if (TRIGGER_FIRED_BY_DELETE(td->tg_event) && ledger_disposal_active &&
		ledger_disposal_relid == RelationGetRelid(td->tg_relation))
		return TRIGGER_FIRED_FOR_ROW(td->tg_event) ?
			PointerGetDatum(td->tg_trigtuple) : PointerGetDatum(NULL);

	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_LEDGER_REFUSED),
				 errmsg("cannot truncate protected table \"%s\"", relname),
				 errdetail("Table \"%s\" is under ledger protection (%s).", relname, mode),
				 errhint("Records leave a protected table only through the retention procedure.")));
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_LEDGER_REFUSED),
				 errmsg("cannot delete from protected table \"%s\"", relname),
				 errdetail("Table \"%s\" is under ledger protection (%s).", relname, mode),
				 errhint("Records leave a protected table only through the retention procedure.")));
	ereport(ERROR,
			(errcode(ERRCODE_LEDGER_REFUSED),
			 errmsg("cannot update protected table \"%s\"", relname),
			 errdetail("Table \"%s\" is under ledger protection (%s).", relname, mode),
			 errhint("Insert a new record that corrects or supersedes the old one.")));
	return PointerGetDatum(NULL);
}
