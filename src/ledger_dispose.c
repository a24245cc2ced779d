/*-------------------------------------------------------------------------
 *
 * ledger_dispose.c
 *	  The retention door of the scsm ledger: the only way a row leaves an
 *	  append-only table.
 *
 * LedgerDisposeRow checks that the row (and, for a versioned table, each of
 * its earlier versions in the history table) still matches its ledger
 * entry, writes one disposal certificate per version (table, key, version,
 * row hash, entry, when, by whom, why) that is itself ledgered, and deletes
 * the rows while a backend-local flag tells the refusal triggers that this
 * one DELETE is the disposal.  No SQL can set that flag.  verify_ledger then counts the
 * row as accounted for.  The retention procedure (issue 4) decides *what*
 * may be disposed and calls this function; docs/ledger.md documents the
 * API and the certificate table.
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

/* The ledger entry of (table, key, version), or the latest when version is 0. */
static bytea *
EntryFor(int32 table_id, const char *row_key, int32 version,
		 int64 *entry_id, int32 *version_out, const char *relname)
{
	Oid			t[3] = {INT4OID, TEXTOID, INT4OID};
	Datum		a[3];
	bool		isnull;

	a[0] = Int32GetDatum(table_id);
	a[1] = CStringGetTextDatum(row_key);
	a[2] = Int32GetDatum(version);
	if (SPI_execute_with_args("SELECT entry_id, version, row_hash FROM scsm.ledger_row "
							  "WHERE table_id = $1 AND row_key = $2 AND ($3 = 0 OR version = $3) "
							  "ORDER BY version DESC, entry_id DESC LIMIT 1",
							  3, t, a, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read scsm.ledger_row");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("row %s of table \"%s\" has no ledger entry", row_key, relname)));
	*entry_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	*version_out = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
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

/* Write one certificate and its own ledger entry; returns its id. */
static int64
WriteCertificate(LedgerRelInfo *info, const char *row_key, int32 version,
				 bytea *hash, int64 entry_id, const char *reason,
				 const char *details_json)
{
	Oid			t[8] = {TEXTOID, TEXTOID, TEXTOID, INT4OID, BYTEAOID, INT8OID, TEXTOID, TEXTOID};
	Datum		a[8];
	char		nulls[9] = "        ";
	Oid			certrel = get_relname_relid("disposal_certificate",
											get_namespace_oid("scsm", false));
	Relation	crel;
	LedgerRelInfo *cinfo;
	int64		cert_id;
	char	   *cert_key;
	uint8		cert_hash[LEDGER_HASH_LEN];
	bool		isnull;

	a[0] = CStringGetTextDatum(info->nspname);
	a[1] = CStringGetTextDatum(info->relname);
	a[2] = CStringGetTextDatum(row_key);
	a[3] = Int32GetDatum(version);
	a[4] = PointerGetDatum(hash);
	a[5] = Int64GetDatum(entry_id);
	a[6] = CStringGetTextDatum(reason);
	if (details_json)
		a[7] = CStringGetTextDatum(details_json);
	else
		nulls[7] = 'n';
	if (SPI_execute_with_args("INSERT INTO scsm.disposal_certificate "
							  "(schema_name, table_name, row_key, version, row_hash, entry_id, "
							  "reason, details, disposed_by) "
							  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, session_user) "
							  "RETURNING *", 8, t, a, nulls, false, 0) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not write the disposal certificate");
	crel = relation_open(certrel, AccessShareLock);
	cinfo = LedgerCachedRelInfo(crel);
	relation_close(crel, NoLock);
	cert_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	cert_key = LedgerRowKey(cinfo, SPI_tuptable->tupdesc, SPI_tuptable->vals[0]);
	LedgerHashRow(cinfo->nspname, cinfo->relname, SPI_tuptable->tupdesc,
				  SPI_tuptable->vals[0], NULL, NULL, cert_hash);
	LedgerAppendEntry(0, cert_key, 1, cert_hash);
	return cert_id;
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
	int32		version;
	bytea	   *ledger_hash;
	bytea	   *row_hash;
	bool		isnull;
	StringInfoData q;
	int64		cert_id;

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

	ledger_hash = EntryFor(table_id, row_key, 0, &entry_id, &version, info->relname);

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
			bytea	   *hledger = EntryFor(table_id, row_key, versions[i], &hentry,
										   &hversion, info->relname);

			CheckSame(hashes[i], hledger, row_key, history, versions[i]);
			(void) WriteCertificate(info, row_key, versions[i], hledger, hentry,
									reason, details_json);
		}
		ActAs(relowner, save_sec, true);
		if (DeleteByKey(histrel, qhist, info, row_key) != nhist)
			elog(ERROR, "disposal of the history of %s deleted an unexpected number of rows", row_key);
		ActAs(ledger_owner, save_sec, false);
	}

	cert_id = WriteCertificate(info, row_key, version, ledger_hash, entry_id,
							   reason, details_json);
	ActAs(relowner, save_sec, true);
	if (DeleteByKey(relid, qrel, info, row_key) != 1)
		elog(ERROR, "disposal deleted an unexpected number of rows");

	SetUserIdAndSecContext(save_userid, save_sec);
	SPI_finish();
	return cert_id;
}
