/*-------------------------------------------------------------------------
 *
 * ledger_dispose.c
 *	  The retention door of the scsm ledger: the only way a row leaves an
 *	  append-only table.
 *
 * LedgerDisposeRow checks that the row still matches its ledger entry,
 * writes a disposal certificate (table, key, version, row hash, entry,
 * when, by whom, why) that is itself ledgered, and deletes the row while
 * a backend-local flag tells the refusal trigger that this one DELETE is
 * the disposal.  No SQL can set that flag.  verify_ledger then counts the
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

#include "ledger.h"

/*
 * Dispose of one row of a protected append-only table, identified by its
 * canonical key (LedgerCanonicalKey).  details_json (may be NULL) goes
 * into the certificate's details column: retention class, retain_until,
 * approval and the like.  Returns the certificate id.  Runs the ledger
 * writes and the DELETE as the ledger owner; the caller decides who may
 * call it.
 */
int64
LedgerDisposeRow(Oid relid, const char *row_key, const char *reason,
				 const char *details_json)
{
	LedgerRelInfo *info = LedgerGetRelInfoById(relid);
	char	   *qrel = quote_qualified_identifier(info->nspname, info->relname);
	Oid			save_userid;
	int			save_sec;
	Oid			t2[2] = {TEXTOID, TEXTOID};
	Datum		a2[2];
	int32		table_id;
	char	   *mode;
	int64		entry_id;
	int32		version;
	bytea	   *ledger_hash;
	bytea	   *row_hash;
	bool		isnull;
	StringInfoData q;
	int64		cert_id;
	uint8		cert_hash[LEDGER_HASH_LEN];
	char	   *cert_key;

	SPI_connect();
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(LedgerOwnerId(), save_sec | SECURITY_LOCAL_USERID_CHANGE);

	a2[0] = CStringGetTextDatum(info->nspname);
	a2[1] = CStringGetTextDatum(info->relname);
	if (SPI_execute_with_args("SELECT table_id, mode FROM scsm.ledger_table "
							  "WHERE schema_name = $1 AND table_name = $2",
							  2, t2, a2, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read scsm.ledger_table");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is not protected", info->relname)));
	table_id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	mode = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	if (strcmp(mode, "append_only") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot dispose of rows of %s table \"%s\"", mode, info->relname),
				 errdetail("Only rows of append-only tables can be disposed of.")));

	{
		Oid			t[2] = {INT4OID, TEXTOID};
		Datum		a[2];

		a[0] = Int32GetDatum(table_id);
		a[1] = CStringGetTextDatum(row_key);
		if (SPI_execute_with_args("SELECT entry_id, version, row_hash FROM scsm.ledger_row "
								  "WHERE table_id = $1 AND row_key = $2 "
								  "ORDER BY version DESC, entry_id DESC LIMIT 1",
								  2, t, a, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read scsm.ledger_row");
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("row %s of table \"%s\" has no ledger entry", row_key, info->relname)));
		entry_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		ledger_hash = DatumGetByteaPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	}

	initStringInfo(&q);
	appendStringInfo(&q, "SELECT scsm.row_hash(%u::pg_catalog.regclass, t) FROM ONLY %s t WHERE %s FOR UPDATE",
					 relid, qrel, LedgerKeyPredicate(info, "t", "$1"));
	{
		Oid			t[1] = {TEXTOID};
		Datum		a[1];

		a[0] = CStringGetTextDatum(row_key);
		if (SPI_execute_with_args(q.data, 1, t, a, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read %s", qrel);
	}
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("row %s of table \"%s\" does not exist", row_key, info->relname)));
	row_hash = DatumGetByteaPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (VARSIZE_ANY_EXHDR(row_hash) != VARSIZE_ANY_EXHDR(ledger_hash) ||
		memcmp(VARDATA_ANY(row_hash), VARDATA_ANY(ledger_hash), LEDGER_HASH_LEN) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("row %s of table \"%s\" does not match its ledger entry", row_key, info->relname),
				 errdetail("A row that was altered cannot be certified as disposed."),
				 errhint("Run scsm.verify_ledger() and investigate.")));

	/* the certificate, ledgered as a row of scsm.disposal_certificate */
	{
		Oid			t[7] = {TEXTOID, TEXTOID, TEXTOID, INT4OID, BYTEAOID, INT8OID, TEXTOID};
		Datum		a[8];
		char		nulls[8] = "       ";
		Oid			certrel = get_relname_relid("disposal_certificate",
												get_namespace_oid("scsm", false));
		Oid			t8[8] = {TEXTOID, TEXTOID, TEXTOID, INT4OID, BYTEAOID, INT8OID, TEXTOID, TEXTOID};
		Relation	crel;
		LedgerRelInfo *cinfo;

		(void) t;
		a[0] = CStringGetTextDatum(info->nspname);
		a[1] = CStringGetTextDatum(info->relname);
		a[2] = CStringGetTextDatum(row_key);
		a[3] = Int32GetDatum(version);
		a[4] = PointerGetDatum(ledger_hash);
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
								  "RETURNING *", 8, t8, a, nulls, false, 0) != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "could not write the disposal certificate");
		crel = relation_open(certrel, AccessShareLock);
		cinfo = LedgerGetRelInfo(crel);
		relation_close(crel, NoLock);
		cert_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		cert_key = LedgerRowKey(cinfo, SPI_tuptable->tupdesc, SPI_tuptable->vals[0]);
		LedgerHashRow(cinfo->nspname, cinfo->relname, SPI_tuptable->tupdesc,
					  SPI_tuptable->vals[0], NULL, cert_hash);
	}
	LedgerAppendEntry(0, cert_key, 1, cert_hash);

	resetStringInfo(&q);
	appendStringInfo(&q, "DELETE FROM ONLY %s t WHERE %s", qrel, LedgerKeyPredicate(info, "t", "$1"));
	PG_TRY();
	{
		Oid			t[1] = {TEXTOID};
		Datum		a[1];

		a[0] = CStringGetTextDatum(row_key);
		ledger_disposal_active = true;
		ledger_disposal_relid = relid;
		if (SPI_execute_with_args(q.data, 1, t, a, NULL, false, 0) != SPI_OK_DELETE ||
			SPI_processed != 1)
			elog(ERROR, "disposal deleted " UINT64_FORMAT " rows instead of one", SPI_processed);
	}
	PG_FINALLY();
	{
		ledger_disposal_active = false;
		ledger_disposal_relid = InvalidOid;
	}
	PG_END_TRY();

	SetUserIdAndSecContext(save_userid, save_sec);
	SPI_finish();
	return cert_id;
}
