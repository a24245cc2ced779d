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
#include "access/tupmacs.h"
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/timestamp.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "ledger.h"

/*
 * Identity for a step of the disposal: the ledger owner for the ledger's
 * own tables, the table owner (restricted, as RI triggers do) for anything
 * that touches the protected table, so no code the table owner attached to
 * it (triggers, policies, domain checks) ever runs with the ledger owner's
 * rights; row level security the owner forces on the table does not apply
 * to these steps, as to PostgreSQL's foreign-key checks.
 */
static void
ActAs(Oid role, int base_sec, bool restricted)
{
	SetUserIdAndSecContext(role, base_sec | SECURITY_LOCAL_USERID_CHANGE |
						   (restricted ? SECURITY_RESTRICTED_OPERATION | SECURITY_NOFORCE_RLS : 0));
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
 * Append a value to an array being built without the copy accumArrayResult
 * makes of each: it must stay valid until the array is made.  Disposal adds
 * tens of thousands of values that are already in memory.
 */
void
LedgerArrayPush(ArrayBuildState *a, Datum value, bool isnull)
{
	if (a->nelems >= a->alen)
	{
		a->alen *= 2;
		a->dvalues = repalloc(a->dvalues, a->alen * sizeof(Datum));
		a->dnulls = repalloc(a->dnulls, a->alen * sizeof(bool));
	}
	a->dvalues[a->nelems] = isnull ? (Datum) 0 : value;
	a->dnulls[a->nelems] = isnull;
	a->nelems++;
}

/* Add one line to the certificate arrays (LedgerArrayPush: no copies). */
void
LedgerCertLineAdd(ArrayBuildState **cols, const Datum *values, const bool *nulls)
{
	for (int c = 0; c < LEDGER_CERT_COLS; c++)
		LedgerArrayPush(cols[c], values[c], nulls[c]);
}

/*
 * A one-dimensional array of n values of a variable-length element type
 * (text, bytea), as construct_md_array would build it but without a palloc'd
 * copy of each value that has a short header (values read from tuples do):
 * thousands per certificate column.
 */
static ArrayType *
VarlenaArray(Datum *values, bool *nulls, int n, Oid elemtype, char typalign)
{
	bool		hasnulls = false;
	Size		nbytes = 0;
	int32		dataoffset;
	Size		total;
	ArrayType  *result;
	char	   *p;
	bits8	   *bitmap;

	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
		{
			hasnulls = true;
			continue;
		}
		/* compressed or out of line: its plain form (never so in disposal) */
		if (VARATT_IS_EXTERNAL(DatumGetPointer(values[i])) ||
			VARATT_IS_COMPRESSED(DatumGetPointer(values[i])))
			values[i] = PointerGetDatum(PG_DETOAST_DATUM_PACKED(values[i]));
		nbytes = att_align_nominal(nbytes, typalign) +
			VARSIZE_ANY_EXHDR(DatumGetPointer(values[i])) + VARHDRSZ;
	}
	dataoffset = hasnulls ? ARR_OVERHEAD_WITHNULLS(1, n) : 0;
	total = (hasnulls ? (Size) dataoffset : ARR_OVERHEAD_NONULLS(1)) + nbytes;
	if (!AllocSizeIsValid(total))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("disposal certificate array size exceeds the maximum allowed (%d)",
						(int) MaxAllocSize)));
	result = (ArrayType *) palloc0(total);
	SET_VARSIZE(result, total);
	result->ndim = 1;
	result->dataoffset = dataoffset;
	result->elemtype = elemtype;
	ARR_DIMS(result)[0] = n;
	ARR_LBOUND(result)[0] = 1;
	bitmap = ARR_NULLBITMAP(result);
	p = ARR_DATA_PTR(result);
	for (int i = 0; i < n; i++)
	{
		Pointer		v;
		Size		len;

		if (nulls[i])
			continue;			/* its bit stays 0 */
		if (bitmap)
			bitmap[i / 8] |= (bits8) (1 << (i % 8));
		v = DatumGetPointer(values[i]);
		len = VARSIZE_ANY_EXHDR(v);
		p = (char *) att_align_nominal(p, typalign);
		SET_VARSIZE(p, len + VARHDRSZ);
		memcpy(VARDATA(p), VARDATA_ANY(v), len);
		p += len + VARHDRSZ;
	}
	Assert(p <= (char *) result + total);
	return result;
}

/* The columns of scsm.disposal_batch, in order (70_ledger.sql). */
enum
{
	CB_BATCH_ID, CB_SCHEMA, CB_TABLE, CB_AT, CB_BY, CB_REASON, CB_DETAILS, CB_LINES,
	CB_NATTS = CB_LINES + LEDGER_CERT_COLS
};

/* Types of the columns before the line arrays, in order. */
static const Oid cert_head[CB_LINES] = {INT8OID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TEXTOID,
	TEXTOID, JSONBOID};

/* INSERT INTO scsm.disposal_batch VALUES ($1 .. $n), prepared once per backend */
static SPIPlanPtr cert_insert_plan = NULL;

/*
 * Write the certificates of a disposal batch: one row of
 * scsm.disposal_batch per 65536 lines, each with its own ledger entry
 * (table 0), hashed here.  One ledger entry per batch instead of one per
 * disposed row is what keeps disposal close to the cost of a DELETE; the
 * batch row is protected and sealed like any other, and every line of it is
 * a per-row certificate (scsm.disposal_certificate).  The row is formed here,
 * with its id and time as the column defaults would give them, hashed, and
 * inserted as it is (no RETURNING copy of arrays of thousands of lines).
 * Runs inside SPI, as the ledger owner.  Returns the id of the first batch
 * row, 0 when there are no lines.
 */
int64
LedgerWriteCertBatch(const char *nspname, const char *relname, ArrayBuildState **cols,
					 const char *reason, const char *details_json)
{
	Oid			nsp = get_namespace_oid("scsm", false);
	Oid			certrel = get_relname_relid("disposal_batch", nsp);
	Oid			seq = get_relname_relid("disposal_batch_batch_id_seq", nsp);
	Relation	crel;
	TupleDesc	desc;
	LedgerRelInfo *cinfo;
	Datum		v[CB_NATTS];
	bool		vnull[CB_NATTS];
	char		spinull[CB_NATTS];
	int			n = cols[0]->nelems;
	int64		first = 0;

	if (!OidIsValid(certrel) || !OidIsValid(seq))
		elog(ERROR, "scsm.disposal_batch or its sequence is missing");
	crel = relation_open(certrel, AccessShareLock);
	desc = RelationGetDescr(crel);
	cinfo = LedgerCachedRelInfo(crel);
	if (desc->natts != CB_NATTS)
		elog(ERROR, "scsm.disposal_batch has an unexpected shape");
	for (int i = 0; i < CB_NATTS; i++)
		if (TupleDescAttr(desc, i)->attisdropped ||
			TupleDescAttr(desc, i)->atttypid !=
			(i < CB_LINES ? cert_head[i] : cert_arr[i - CB_LINES]))
			elog(ERROR, "scsm.disposal_batch has an unexpected shape");
	if (cert_insert_plan == NULL)
	{
		Oid			types[CB_NATTS];
		StringInfoData q;
		SPIPlanPtr	plan;

		initStringInfo(&q);
		appendStringInfoString(&q, "INSERT INTO scsm.disposal_batch VALUES (");
		for (int i = 0; i < CB_NATTS; i++)
		{
			types[i] = TupleDescAttr(desc, i)->atttypid;
			appendStringInfo(&q, "%s$%d", i ? ", " : "", i + 1);
		}
		appendStringInfoChar(&q, ')');
		plan = SPI_prepare(q.data, CB_NATTS, types);
		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "could not prepare the disposal certificate insert: %s",
				 SPI_result_code_string(SPI_result));
		cert_insert_plan = plan;
	}
	memset(vnull, false, sizeof(vnull));
	v[CB_SCHEMA] = CStringGetTextDatum(nspname);
	v[CB_TABLE] = CStringGetTextDatum(relname);
	v[CB_AT] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	v[CB_BY] = CStringGetTextDatum(GetUserNameFromId(GetSessionUserId(), false));
	v[CB_REASON] = CStringGetTextDatum(reason);
	if (details_json)
		v[CB_DETAILS] = DirectFunctionCall1(jsonb_in, CStringGetDatum(details_json));
	else
	{
		v[CB_DETAILS] = (Datum) 0;
		vnull[CB_DETAILS] = true;
	}
	for (int done = 0; done < n; done += CERT_LINES_MAX)
	{
		int			m = Min(CERT_LINES_MAX, n - done);
		int64		batch_id = DatumGetInt64(DirectFunctionCall1(nextval_oid, ObjectIdGetDatum(seq)));
		HeapTuple	tuple;
		char	   *key;
		uint8		h[LEDGER_HASH_LEN];

		if (first == 0)
			first = batch_id;
		v[CB_BATCH_ID] = Int64GetDatum(batch_id);
		for (int c = 0; c < LEDGER_CERT_COLS; c++)
		{
			int			dims[1] = {m};
			int			lbs[1] = {1};

			if (cols[c]->typlen == -1)
				v[CB_LINES + c] = PointerGetDatum(VarlenaArray(cols[c]->dvalues + done,
															   cols[c]->dnulls + done, m,
															   cols[c]->element_type,
															   cols[c]->typalign));
			else
				v[CB_LINES + c] = PointerGetDatum(construct_md_array(cols[c]->dvalues + done,
																	 cols[c]->dnulls + done,
																	 1, dims, lbs, cols[c]->element_type,
																	 cols[c]->typlen, cols[c]->typbyval,
																	 cols[c]->typalign));
		}
		tuple = heap_form_tuple(desc, v, vnull);
		key = LedgerRowKey(cinfo, desc, tuple);
		LedgerHashRow(cinfo->nspname, cinfo->relname, desc, tuple, NULL, NULL, h);
		for (int i = 0; i < CB_NATTS; i++)
			spinull[i] = vnull[i] ? 'n' : ' ';
		if (SPI_execute_plan(cert_insert_plan, v, spinull, false, 0) != SPI_OK_INSERT ||
			SPI_processed != 1)
			elog(ERROR, "could not write the disposal certificates");
		LedgerAppendEntry(0, key, 1, h);
		heap_freetuple(tuple);
		for (int c = 0; c < LEDGER_CERT_COLS; c++)
			pfree(DatumGetPointer(v[CB_LINES + c]));
	}
	relation_close(crel, NoLock);
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
			LedgerDisposalKeptRows(get_rel_name(relid), 1, 0);
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
 * A disposal's DELETE took other rows than it was given: an owner's trigger
 * that returns NULL or a rule that does instead nothing on DELETE kept them.
 * Nothing is certified (the caller's transaction or batch is undone).
 */
void
LedgerDisposalKeptRows(const char *relname, uint64 want, uint64 got)
{
	ereport(ERROR,
			(errcode(ERRCODE_TRIGGERED_ACTION_EXCEPTION),
			 errmsg("disposal of rows of \"%s\" deleted " UINT64_FORMAT " of " UINT64_FORMAT " rows",
					relname, got, want),
			 errdetail("A trigger or rule on DELETE of the table kept rows or deleted others; a row that was not deleted cannot be certified as disposed."),
			 errhint("Let DELETE of the table through, or drop the trigger or rule.")));
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
	int			sp;				/* LedgerPinSearchPath */
	int32		table_id;
	char	   *mode;
	char	   *history = NULL;
	uint64		ndel;
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
	sp = LedgerPinSearchPath();

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
	appendStringInfo(&q, "SELECT scsm.row_hash(%u::pg_catalog.regclass, t.*) FROM ONLY %s t WHERE %s FOR UPDATE",
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
		appendStringInfo(&q, "SELECT h.scsm_version, scsm.row_hash(%u::pg_catalog.regclass, h.*) "
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
		if ((ndel = DeleteByKey(histrel, qhist, info, row_key)) != nhist)
			LedgerDisposalKeptRows(history, nhist, ndel);
		ActAs(ledger_owner, save_sec, false);
	}

	AddLine(cols, row_key, version, ledger_hash, entry_id);
	line = cols[0]->nelems;
	cert_id = LedgerWriteCertBatch(info->nspname, info->relname, cols, reason, details_json);
	/* the current version's line: certificate_id as scsm.disposal_certificate shows it */
	cert_id = cert_id * CERT_LINES_MAX + line - 1;
	ActAs(relowner, save_sec, true);
	if ((ndel = DeleteByKey(relid, qrel, info, row_key)) != 1)
		LedgerDisposalKeptRows(info->relname, 1, ndel);
	ActAs(ledger_owner, save_sec, false);

	/* retention (issue 4): a disposed entry leaves the due queue */
	if (has_until)
		LedgerDueForget(table_id, until, entry_id);

	LedgerUnpinSearchPath(sp);
	SetUserIdAndSecContext(save_userid, save_sec);
	SPI_finish();
	return cert_id;
}
