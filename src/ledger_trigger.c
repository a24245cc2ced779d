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
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "ledger.h"
#include "retention.h"	/* retention hook (issue 4) */

PG_FUNCTION_INFO_V1(scsm_ledger_trigger);
PG_FUNCTION_INFO_V1(scsm_ledger_refuse);

/* Set only by LedgerDisposeRow (C), never from SQL: the retention door. */
bool		ledger_disposal_active = false;
bool		ledger_protect_active = false;
Oid			ledger_disposal_relid = InvalidOid;

/* The per-transaction entry of this backend's current transaction. */
static LocalTransactionId txn_lxid = InvalidLocalTransactionId;
static SubTransactionId txn_subid = InvalidSubTransactionId;
static int64 txn_id = 0;
static bool callbacks_registered = false;

static SPIPlanPtr entry_plan = NULL;
static SPIPlanPtr txn_plan = NULL;

/*
 * Forget the transaction entry when the subtransaction that wrote it rolls
 * back; hand it to the parent when that subtransaction commits.
 */
static void
LedgerSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	(void) arg;
	if (txn_lxid != MyProc->lxid || mySubid != txn_subid)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
		txn_lxid = InvalidLocalTransactionId;
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
		txn_subid = parentSubid;
}

/* The role that owns the ledger tables (the extension owner). */
Oid
LedgerOwnerId(void)
{
	Oid			nsp = get_namespace_oid("scsm", false);
	Oid			relid = get_relname_relid("ledger_row", nsp);
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(relid))
		elog(ERROR, "scsm.ledger_row does not exist");
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * The ledger_txn id of the current transaction, writing the entry on the
 * first call in the transaction: at most one small insert per transaction.
 * Must be called inside SPI and as the ledger owner.
 */
static int64
LedgerEnsureTxn(Oid invoker)
{
	Datum		values[2];
	bool		isnull;
	int			rc;

	if (txn_lxid == MyProc->lxid && txn_id != 0)
		return txn_id;
	if (!callbacks_registered)
	{
		RegisterSubXactCallback(LedgerSubXactCallback, NULL);
		callbacks_registered = true;
	}
	if (txn_plan == NULL)
	{
		Oid			argtypes[2] = {TEXTOID, TEXTOID};
		SPIPlanPtr	p = SPI_prepare("INSERT INTO scsm.ledger_txn "
									"(txn_id, started_at, session_role, role_name) "
									"VALUES (nextval('scsm.ledger_txn_txn_id_seq'), "
									"pg_catalog.transaction_timestamp(), $1, $2) "
									"RETURNING txn_id", 2, argtypes);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		txn_plan = p;
	}
	values[0] = CStringGetTextDatum(GetUserNameFromId(GetSessionUserId(), false));
	values[1] = CStringGetTextDatum(GetUserNameFromId(invoker, false));
	rc = SPI_execute_plan(txn_plan, values, NULL, false, 1);
	if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
		elog(ERROR, "could not write the ledger transaction entry");
	txn_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										 SPI_tuptable->tupdesc, 1, &isnull));
	txn_lxid = MyProc->lxid;
	txn_subid = GetCurrentSubTransactionId();
	return txn_id;
}

/* The current transaction's ledger_txn id (inside SPI), as the ledger owner. */
int64
LedgerCurrentTxn(void)
{
	Oid			save_userid;
	int			save_sec;
	int64		id;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(LedgerOwnerId(),
						   save_sec | SECURITY_LOCAL_USERID_CHANGE);
	id = LedgerEnsureTxn(save_userid);
	SetUserIdAndSecContext(save_userid, save_sec);
	return id;
}

/*
 * Append one ledger entry (table, key, version, row hash).  Must be called
 * inside SPI; switches to the ledger owner for the writes.
 */
int64
LedgerAppendEntry(int32 table_id, const char *row_key, int32 version,
				  const uint8 *hash)
{
	return LedgerAppendEntryStamped(table_id, row_key, version, hash, NULL);
}

/*
 * Retention hook (issue 4): the same, with the row's retention stamp
 * (retention_class, retention_basis, retain_until; NULLs when stamp is NULL)
 * written in the same insert, so retention adds no round trip.
 */
int64
LedgerAppendEntryStamped(int32 table_id, const char *row_key, int32 version,
						 const uint8 *hash, const RetentionStamp *stamp)
{
	Oid			save_userid;
	int			save_sec;
	Datum		values[8];
	char		nulls[8] = "        ";
	bytea	   *h;
	int			rc;
	int64		entry;
	bool		isnull;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(LedgerOwnerId(),
						   save_sec | SECURITY_LOCAL_USERID_CHANGE);
	values[0] = Int64GetDatum(LedgerEnsureTxn(save_userid));
	if (entry_plan == NULL)
	{
		Oid			argtypes[8] = {INT8OID, INT4OID, TEXTOID, INT4OID, BYTEAOID,
		INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
		SPIPlanPtr	p = SPI_prepare("INSERT INTO scsm.ledger_row "
									"(entry_id, txn_id, table_id, row_key, version, row_hash, "
									"retention_class, retention_basis, retain_until) "
									"VALUES (nextval('scsm.ledger_row_entry_id_seq'), "
									"$1, $2, $3, $4, $5, $6, $7, $8) RETURNING entry_id",
									8, argtypes);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		entry_plan = p;
	}
	h = palloc(VARHDRSZ + LEDGER_HASH_LEN);
	SET_VARSIZE(h, VARHDRSZ + LEDGER_HASH_LEN);
	memcpy(VARDATA(h), hash, LEDGER_HASH_LEN);
	values[1] = Int32GetDatum(table_id);
	values[2] = CStringGetTextDatum(row_key);
	values[3] = Int32GetDatum(version);
	values[4] = PointerGetDatum(h);
	values[5] = Int32GetDatum(stamp ? stamp->class_id : 0);
	values[6] = TimestampTzGetDatum(stamp ? stamp->basis : 0);
	values[7] = TimestampTzGetDatum(stamp ? stamp->retain_until : 0);
	if (stamp == NULL || !stamp->has_class)
		nulls[5] = 'n';
	if (stamp == NULL || !stamp->has_basis)
		nulls[6] = 'n';
	if (stamp == NULL || !stamp->has_until)
		nulls[7] = 'n';
	rc = SPI_execute_plan(entry_plan, values, nulls, false, 1);
	if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
		elog(ERROR, "could not write the ledger entry");
	entry = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										SPI_tuptable->tupdesc, 1, &isnull));
	SetUserIdAndSecContext(save_userid, save_sec);
	return entry;
}

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

/* Highest version the ledger holds for a key (0 when none). */
static int32
LatestVersion(int32 table_id, const char *key)
{
	Oid			argtypes[2] = {INT4OID, TEXTOID};
	Datum		values[2];
	bool		isnull;
	Datum		d;
	int			rc;

	values[0] = Int32GetDatum(table_id);
	values[1] = CStringGetTextDatum(key);
	rc = SPI_execute_with_args("SELECT max(version) FROM scsm.ledger_row "
							   "WHERE table_id = $1 AND row_key = $2",
							   2, argtypes, values, NULL, true, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the ledger");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? 0 : DatumGetInt32(d);
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

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("scsm.ledger_trigger() must be an AFTER ROW trigger")));
	rel = td->tg_relation;
	/* restore hook (issue 4): restored rows come with their ledger entries */
	if (scsm_restore_mode)
		return PointerGetDatum(NULL);
	table_id = TriggerTableId(td, &mode, &history);
	info = LedgerGetRelInfo(rel);
	tuple = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	key = LedgerRowKey(info, RelationGetDescr(rel), tuple);

	SPI_connect();
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
		GetUserIdAndSecContext(&save_userid, &save_sec);
		SetUserIdAndSecContext(LedgerOwnerId(),
							   save_sec | SECURITY_LOCAL_USERID_CHANGE);
		version = LatestVersion(table_id, key);
		if (version == 0)
			version = 1;		/* a row that predates the ledger */
		WriteHistory(rel, history, td->tg_trigtuple, version);
		SetUserIdAndSecContext(save_userid, save_sec);
		version++;
	}
	LedgerHashRow(info->nspname, info->relname, RelationGetDescr(rel), tuple,
				  NULL, hash);
	{
		/* retention hook (issue 4): retain_until fixed in the write path */
		RetentionStamp stamp;

		RetentionStampRow(rel, tuple, table_id, key,
						  TRIGGER_FIRED_BY_UPDATE(td->tg_event), &stamp);
		LedgerAppendEntryStamped(table_id, key, version, hash, &stamp);
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}

/*
 * BEFORE UPDATE / DELETE / TRUNCATE FOR EACH STATEMENT: refuse, whoever
 * asks.  The one exception is a DELETE issued by LedgerDisposeRow, which
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
		return PointerGetDatum(NULL);

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
