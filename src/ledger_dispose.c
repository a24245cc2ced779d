/*-------------------------------------------------------------------------
 *
 * ledger_dispose.c
 *	  The retention door of the scsm ledger: the only way a row leaves an
 *	  append-only table.
 *
 * LedgerDisposeRow checks that the row (and, for a versioned table, each of
 * its earlier versions in the history table) still matches its ledger
 * entry, writes its disposal certificate (a row of scsm.disposal_batch with
 * one line per version: table, key, version, row hash, entry; when, by
 * whom, why) that is itself ledgered, and deletes the rows while a
 * backend-local flag tells the refusal triggers that this one DELETE is the
 * disposal.  No SQL can set that flag.  verify_ledger then counts the row as
 * accounted for.  LedgerWriteCertBatch writes the certificates of a whole
 * disposal batch the same way, one ledger entry per batch; the retention
 * procedure (issue 4, retention.c) decides *what* may be disposed and uses
 * it.  docs/ledger.md documents the API and the certificate tables.
 *
 * src/ledger_dispose.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "ledger.h"

/*
 * Identity for a step of the disposal: the ledger owner for the ledger's
 * own tables, the table owner (restricted, as RI triggers do) for anything
 * that touches the protected table, so no code the table owner attached to
 * it (triggers, policies, domain checks) ever runs with the ledger owner's
 * rights.
 */
static void
ActAs(Oid role, int base_sec, bool restricted)
{
	SetUserIdAndSecContext(role, base_sec | SECURITY_LOCAL_USERID_CHANGE |
						   (restricted ? SECURITY_RESTRICTED_OPERATION : 0));
}

/*
 * The ledger entry of (table, key, version), or the latest when version is
 * 0.  Read with a fresh snapshot: the caller may just have waited for a
 * sealer (ledger_drain), whose entries the statement's snapshot predates.
 */
static bytea *
EntryFor(int32 table_id, const char *row_key, int32 version,
		 int64 *entry_id, int32 *version_out, TimestampTz *until, bool *has_until,
		 const char *relname)
{
	Oid			t[3] = {INT4OID, TEXTOID, INT4OID};
	Datum		a[3];
	bool		isnull;

	a[0] = Int32GetDatum(table_id);
	a[1] = CStringGetTextDatum(row_key);
	a[2] = Int32GetDatum(version);
	if (SPI_execute_with_args("SELECT entry_id, version, row_hash, retain_until FROM scsm.ledger_row "
							  "WHERE table_id = $1 AND row_key = $2 AND ($3 = 0 OR version = $3) "
							  "ORDER BY version DESC, entry_id DESC LIMIT 1",
							  3, t, a, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read scsm.ledger_row");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("row %s of table \"%s\" has no ledger entry", row_key, relname)));
	*entry_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	*version_out = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	/* the stamp (retention, issue 4): its row in the due queue */
	*until = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull));
	*has_until = !isnull;
	return DatumGetByteaPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
}

static void
CheckSame(bytea *row_hash, bytea *ledger_hash, const char *row_key,
		  const char *relname, int32 version)
{
	if (VARSIZE_ANY_EXHDR(row_hash) != VARSIZE_ANY_EXHDR(ledger_hash) ||
		memcmp(VARDATA_ANY(row_hash), VARDATA_ANY(ledger_hash), LEDGER_HASH_LEN) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("row %s of table \"%s\" does not match its ledger entry", row_key, relname),
				 errdetail("Version %d was altered; an altered row cannot be certified as disposed.", version),
				 errhint("Run scsm.verify_ledger() and investigate.")));
}

/* Take one of scsm's transaction-level advisory locks (ledger.h). */
LockAcquireResult
ScsmAdvisoryLock(uint32 key1, int32 key2, LOCKMODE mode, bool nowait)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, key1, (uint32) key2, 2);
	return LockAcquire(&tag, mode, false, nowait);
}

/*
 * The disposal lock of a protected table (SCSM_LOCK_DISPOSAL, table_id):
 * only the holder disposes of rows of that table, which lets a batch read
 * and delete rows and their queue rows without a row lock each.  Returns
 * false when nowait and another transaction holds it.
 */
bool
LedgerDisposalLock(int32 table_id, bool nowait)
{
	return ScsmAdvisoryLock(SCSM_LOCK_DISPOSAL, table_id, ExclusiveLock, nowait) != LOCKACQUIRE_NOT_AVAIL;
}

/* Element types of the certificate columns, in LEDGER_CERT_COLS order. */
static const Oid cert_elem[LEDGER_CERT_COLS] = {TEXTOID, INT4OID, BYTEAOID, INT8OID, TEXTOID,
	TIMESTAMPTZOID, TEXTOID, INT8OID, TEXTOID};
static const Oid cert_arr[LEDGER_CERT_COLS] = {TEXTARRAYOID, INT4ARRAYOID, BYTEAARRAYOID,
	INT8ARRAYOID, TEXTARRAYOID, 1185 /* timestamptz[] */ , TEXTARRAYOID, INT8ARRAYOID, TEXTARRAYOID};

#define CERT_LINES_MAX 65536

/* Empty line arrays for LedgerWriteCertBatch, allocated in cxt. */
void
LedgerCertLinesInit(ArrayBuildState **cols, MemoryContext cxt)
{
	for (int c = 0; c < LEDGER_CERT_COLS; c++)
		cols[c] = initArrayResult(cert_elem[c], cxt, false);
}

/*
 * Write the certificates of a disposal batch: one row of
 * scsm.disposal_batch per 65536 lines, each with its own ledger entry
 * (table 0), hashed here.  One ledger entry per batch instead of one per
 * disposed row is what keeps disposal close to the cost of a DELETE; the
 * batch row is protected and sealed like any other, and every line of it is
 * a per-row certificate (scsm.disposal_certificate).  Runs inside SPI, as the
 * ledger owner.  Returns the id of the first batch row, 0 when there are no
 * lines.
 */
int64
LedgerWriteCertBatch(const char *nspname, const char *relname, ArrayBuildState **cols,
					 const char *reason, const char *details_json)
{
	Oid			t[14];
	Datum		a[14];
	char		nulls[14];
	Oid			certrel = get_relname_relid("disposal_batch", get_namespace_oid("scsm", false));
	Relation	crel;
	LedgerRelInfo *cinfo;
	int			n = cols[0]->nelems;
	int64		first = 0;

	crel = relation_open(certrel, AccessShareLock);
	cinfo = LedgerCachedRelInfo(crel);
	relation_close(crel, NoLock);
	memset(nulls, ' ', sizeof(nulls));
	t[0] = TEXTOID;
	a[0] = CStringGetTextDatum(nspname);
	t[1] = TEXTOID;
	a[1] = CStringGetTextDatum(relname);
	t[2] = TEXTOID;
	a[2] = CStringGetTextDatum(reason);
	t[3] = TEXTOID;
	if (details_json)
		a[3] = CStringGetTextDatum(details_json);
	else
		nulls[3] = 'n';
	t[4] = TEXTOID;
	a[4] = CStringGetTextDatum(GetUserNameFromId(GetSessionUserId(), false));
	for (int done = 0; done < n; done += CERT_LINES_MAX)
	{
		int			m = Min(CERT_LINES_MAX, n - done);
		bool		isnull;
		int64		batch_id;
		char	   *key;
		uint8		h[LEDGER_HASH_LEN];

		for (int c = 0; c < LEDGER_CERT_COLS; c++)
		{
			int			dims[1] = {m};
			int			lbs[1] = {1};

			t[5 + c] = cert_arr[c];
			a[5 + c] = PointerGetDatum(construct_md_array(cols[c]->dvalues + done,
														  cols[c]->dnulls + done,
														  1, dims, lbs, cols[c]->element_type,
														  cols[c]->typlen, cols[c]->typbyval,
														  cols[c]->typalign));
		}
		if (SPI_execute_with_args("INSERT INTO scsm.disposal_batch "
								  "(schema_name, table_name, reason, details, disposed_by, row_keys, versions, "
								  "row_hashes, entry_ids, class_names, retain_untils, actions, review_ids, approved_bys) "
								  "VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
								  "RETURNING *", 14, t, a, nulls, false, 0) != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "could not write the disposal certificates");
		batch_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		if (first == 0)
			first = batch_id;
		key = LedgerRowKey(cinfo, SPI_tuptable->tupdesc, SPI_tuptable->vals[0]);
		LedgerHashRow(cinfo->nspname, cinfo->relname, SPI_tuptable->tupdesc,
					  SPI_tuptable->vals[0], NULL, NULL, h);
		LedgerAppendEntry(0, key, 1, h);
		SPI_freetuptable(SPI_tuptable);
	}
	CommandCounterIncrement();
	return first;
}

/* Add one line (a disposed version with no retention class) to cols. */
static void
AddLine(ArrayBuildState **cols, const char *row_key, int32 version, bytea *hash,
		int64 entry_id)
{
	MemoryContext cxt = cols[0]->mcontext;

	accumArrayResult(cols[0], CStringGetTextDatum(row_key), false, TEXTOID, cxt);
	accumArrayResult(cols[1], Int32GetDatum(version), false, INT4OID, cxt);
	accumArrayResult(cols[2], PointerGetDatum(hash), false, BYTEAOID, cxt);
	accumArrayResult(cols[3], Int64GetDatum(entry_id), false, INT8OID, cxt);
	for (int c = 4; c < LEDGER_CERT_COLS; c++)
		accumArrayResult(cols[c], (Datum) 0, true, cert_elem[c], cxt);
}

/* DELETE the rows of relid with the given key, through the disposal door. */
static uint64
DeleteByKey(Oid relid, const char *qrel, LedgerRelInfo *keyinfo, const char *row_key)
{
	StringInfoData q;
	uint64		n = 0;

	initStringInfo(&q);
	appendStringInfo(&q, "DELETE FROM ONLY %s t WHERE %s", qrel,
					 LedgerKeyPredicate(keyinfo, "t", "$1"));
	PG_TRY();
	{
		Oid			t[1] = {TEXTOID};
		Datum		a[1];

		a[0] = CStringGetTextDatum(row_key);
		ledger_disposal_active = true;
		ledger_disposal_relid = relid;
		if (SPI_execute_with_args(q.data, 1, t, a, NULL, false, 0) != SPI_OK_DELETE)
			elog(ERROR, "could not delete the disposed row");
		n = SPI_processed;
	}
	PG_FINALLY();
	{
		ledger_disposal_active = false;
		ledger_disposal_relid = InvalidOid;
	}
	PG_END_TRY();
	return n;
}

/*
 * Dispose of one row of a protected table, identified by its canonical key
 * (LedgerCanonicalKey); for a versioned table, of all its versions.
 * details_json (may be NULL) goes into the certificates' details column:
 * retention class, retain_until, approval and the like.  Returns the id of
 * the certificate of the current version.  Runs the ledger writes and the
 * DELETEs as the ledger owner; the caller decides who may call it and what
 * may be disposed.
 */
int64
LedgerDisposeRow(Oid relid, const char *row_key, const char *reason,
				 const char *details_json)
{
	LedgerRelInfo *info = LedgerGetRelInfoById(relid);
	char	   *qrel = quote_qualified_identifier(info->nspname, info->relname);
	Oid			relowner = info->relowner;
	Oid			ledger_owner;
	Oid			save_userid;
	int			save_sec;
	int32		table_id;
	char	   *mode;
	char	   *history = NULL;
	int64		entry_id;
	TimestampTz until = 0;
	bool		has_until = false;
	int32		version;
	bytea	   *ledger_hash;
	bytea	   *row_hash;
	bool		isnull;
	StringInfoData q;
	int64		cert_id;
	ArrayBuildState *cols[LEDGER_CERT_COLS];
	int			line;

	(void) LedgerCurrentTxn();	/* recorded as written by the caller */
	SPI_connect();
	GetUserIdAndSecContext(&save_userid, &save_sec);
	ledger_owner = LedgerOwnerId();
	ActAs(ledger_owner, save_sec, false);

	if (!LedgerTableEntry(info->nspname, info->relname, &table_id, &mode, &history))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is not protected", info->relname)));
	if (strcmp(mode, "append_only") != 0 && strcmp(mode, "versioned") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot dispose of rows of %s table \"%s\"", mode, info->relname),
				 errdetail("Only rows of append-only and versioned tables can be disposed of.")));

	(void) LedgerDisposalLock(table_id, false);
	ledger_hash = EntryFor(table_id, row_key, 0, &entry_id, &version, &until, &has_until,
						   info->relname);
	LedgerCertLinesInit(cols, CurrentMemoryContext);

	initStringInfo(&q);
	appendStringInfo(&q, "SELECT scsm.row_hash(%u::pg_catalog.regclass, t) FROM ONLY %s t WHERE %s FOR UPDATE",
					 relid, qrel, LedgerKeyPredicate(info, "t", "$1"));
	{
		Oid			t[1] = {TEXTOID};
		Datum		a[1];

		a[0] = CStringGetTextDatum(row_key);
		ActAs(relowner, save_sec, true);
		if (SPI_execute_with_args(q.data, 1, t, a, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read %s", qrel);
		ActAs(ledger_owner, save_sec, false);
	}
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("row %s of table \"%s\" does not exist", row_key, info->relname)));
	row_hash = DatumGetByteaPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	CheckSame(row_hash, ledger_hash, row_key, info->relname, version);

	if (strcmp(mode, "versioned") == 0 && history != NULL)
	{
		char	   *qhist = quote_qualified_identifier(info->nspname, history);
		Oid			histrel = get_relname_relid(history, get_namespace_oid(info->nspname, false));
		uint64		nhist;
		int32	   *versions;
		bytea	  **hashes;

		if (!OidIsValid(histrel))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("history table \"%s\" does not exist", history)));
		resetStringInfo(&q);
		appendStringInfo(&q, "SELECT h.scsm_version, scsm.row_hash(%u::pg_catalog.regclass, h) "
						 "FROM ONLY %s h WHERE %s ORDER BY h.scsm_version FOR UPDATE",
						 relid, qhist, LedgerKeyPredicate(info, "h", "$1"));
		{
			Oid			t[1] = {TEXTOID};
			Datum		a[1];

			a[0] = CStringGetTextDatum(row_key);
			ActAs(relowner, save_sec, true);
			if (SPI_execute_with_args(q.data, 1, t, a, NULL, false, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not read %s", qhist);
			ActAs(ledger_owner, save_sec, false);
		}
		nhist = SPI_processed;
		versions = palloc(sizeof(int32) * Max(nhist, 1));
		hashes = palloc(sizeof(bytea *) * Max(nhist, 1));
		for (uint64 i = 0; i < nhist; i++)
		{
			versions[i] = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
			hashes[i] = DatumGetByteaPCopy(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
		}
		for (uint64 i = 0; i < nhist; i++)
		{
			int64		hentry;
			int32		hversion;
			TimestampTz huntil;
			bool		hhas_until;
			bytea	   *hledger = EntryFor(table_id, row_key, versions[i], &hentry,
										   &hversion, &huntil, &hhas_until, info->relname);

			CheckSame(hashes[i], hledger, row_key, history, versions[i]);
			AddLine(cols, row_key, versions[i], hledger, hentry);
		}
		ActAs(relowner, save_sec, true);
		if (DeleteByKey(histrel, qhist, info, row_key) != nhist)
			elog(ERROR, "disposal of the history of %s deleted an unexpected number of rows", row_key);
		ActAs(ledger_owner, save_sec, false);
	}

	AddLine(cols, row_key, version, ledger_hash, entry_id);
	line = cols[0]->nelems;
	cert_id = LedgerWriteCertBatch(info->nspname, info->relname, cols, reason, details_json);
	/* the current version's line: certificate_id as scsm.disposal_certificate shows it */
	cert_id = cert_id * CERT_LINES_MAX + line - 1;
	ActAs(relowner, save_sec, true);
	if (DeleteByKey(relid, qrel, info, row_key) != 1)
		elog(ERROR, "disposal deleted an unexpected number of rows");
	ActAs(ledger_owner, save_sec, false);

	/* retention (issue 4): a disposed entry leaves the due queue */
	if (has_until)
		LedgerDueForget(table_id, until, entry_id);

	SetUserIdAndSecContext(save_userid, save_sec);
	SPI_finish();
	return cert_id;
}
