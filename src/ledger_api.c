/*-------------------------------------------------------------------------
 *
 * ledger_api.c
 *	  SQL-callable functions of the scsm ledger that work on rows and
 *	  tables: scsm.protect(), scsm.row_hash(), scsm.row_encoding(),
 *	  scsm.row_key() and scsm.canonical_key().
 *
 * scsm.protect() installs the ledger triggers (ENABLE ALWAYS), creates the
 * history table of a versioned table, registers the table and hashes the
 * rows it already holds.  There is deliberately no scsm.unprotect():
 * protection is permanent (docs/ledger.md).
 *
 * src/ledger_api.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/typcache.h"

#include "ledger.h"

PG_FUNCTION_INFO_V1(scsm_row_hash);
PG_FUNCTION_INFO_V1(scsm_row_encoding);
PG_FUNCTION_INFO_V1(scsm_row_key);
PG_FUNCTION_INFO_V1(scsm_canonical_key);
PG_FUNCTION_INFO_V1(scsm_protect);
PG_FUNCTION_INFO_V1(scsm_ledger_dispose_row);
PG_FUNCTION_INFO_V1(scsm_ledger_key_condition);

/*
 * Open the relation a caller named by OID (a regclass argument): an OID of
 * no relation (0, a dropped table's) is the caller's error, 42P01, not an
 * internal one.
 */
Relation
LedgerOpenArgRelation(Oid relid, LOCKMODE lockmode)
{
	Relation	rel = try_relation_open(relid, lockmode);

	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid),
				 errhint("Name the table, e.g. 'public.incident'::regclass.")));
	return rel;
}

/* Table information for the relation given as argument, opened briefly. */
LedgerRelInfo *
LedgerGetRelInfoById(Oid relid)
{
	Relation	rel = LedgerOpenArgRelation(relid, AccessShareLock);
	LedgerRelInfo *info;

	if (rel->rd_rel->relkind != RELKIND_RELATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", RelationGetRelationName(rel))));
	info = LedgerGetRelInfo(rel);
	relation_close(rel, NoLock);
	return info;
}

/*
 * The scsm.ledger_table row of a table, looked up by name (names survive a
 * restore, OIDs do not).  Runs inside the caller's SPI connection, with the
 * rights of the caller's current role (the ledger owner); mode and history
 * (NULL when none) are in the SPI memory.  false when not protected.
 */
bool
LedgerTableEntry(const char *nspname, const char *relname, int32 *table_id,
				 char **mode, char **history)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		args[2];
	bool		isnull;

	args[0] = CStringGetTextDatum(nspname);
	args[1] = CStringGetTextDatum(relname);
	if (SPI_execute_with_args("SELECT table_id, mode, history_table FROM scsm.ledger_table "
							  "WHERE schema_name = $1 AND table_name = $2",
							  2, types, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read scsm.ledger_table");
	if (SPI_processed == 0)
		return false;
	if (table_id)
		*table_id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (mode)
		*mode = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	if (history)
		*history = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	return true;
}

/* Per-query cache of the table information, in fn_extra. */
static LedgerRelInfo *
CachedRelInfo(FunctionCallInfo fcinfo, Oid relid)
{
	LedgerRelInfo *info = (LedgerRelInfo *) fcinfo->flinfo->fn_extra;

	if (info == NULL || info->relid != relid)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		info = LedgerGetRelInfoById(relid);
		fcinfo->flinfo->fn_extra = info;
		MemoryContextSwitchTo(old);
	}
	return info;
}

/* Encode the record argument as a row of the table given first. */
static void
EncodeArgRow(FunctionCallInfo fcinfo, LedgerRelInfo **infop, StringInfo buf,
			 char **keyp)
{
	LedgerRelInfo *info = CachedRelInfo(fcinfo, PG_GETARG_OID(0));
	HeapTupleHeader td = PG_GETARG_HEAPTUPLEHEADER(1);
	Oid			rectype = HeapTupleHeaderGetTypeId(td);
	TupleDesc	desc = lookup_rowtype_tupdesc(rectype, HeapTupleHeaderGetTypMod(td));
	HeapTupleData tup;

	tup.t_len = HeapTupleHeaderGetDatumLength(td);
	ItemPointerSetInvalid(&(tup.t_self));
	tup.t_tableOid = InvalidOid;
	tup.t_data = td;
	if (buf)
		LedgerEncodeRow(buf, info->nspname, info->relname, desc, &tup,
						rectype == info->reltype ? NULL : info->desc,
						rectype == info->reltype &&
						desc->natts == info->desc->natts ? info->order : NULL);
	if (keyp)
		*keyp = LedgerRowKey(info, desc, &tup);
	ReleaseTupleDesc(desc);
	*infop = info;
}

/* scsm.row_hash(tbl regclass, rec record) -> bytea: SHA-256 of format v1. */
Datum
scsm_row_hash(PG_FUNCTION_ARGS)
{
	LedgerRelInfo *info;
	StringInfoData buf;
	bytea	   *out = palloc(VARHDRSZ + LEDGER_HASH_LEN);

	initStringInfo(&buf);
	EncodeArgRow(fcinfo, &info, &buf, NULL);
	SET_VARSIZE(out, VARHDRSZ + LEDGER_HASH_LEN);
	LedgerSha256(buf.data, buf.len, (uint8 *) VARDATA(out));
	pfree(buf.data);
	PG_RETURN_BYTEA_P(out);
}

/* scsm.row_encoding(tbl regclass, rec record) -> bytea: the hashed bytes. */
Datum
scsm_row_encoding(PG_FUNCTION_ARGS)
{
	LedgerRelInfo *info;
	StringInfoData buf;
	bytea	   *out;

	initStringInfo(&buf);
	EncodeArgRow(fcinfo, &info, &buf, NULL);
	out = palloc(VARHDRSZ + buf.len);
	SET_VARSIZE(out, VARHDRSZ + buf.len);
	memcpy(VARDATA(out), buf.data, buf.len);
	PG_RETURN_BYTEA_P(out);
}

/* scsm.row_key(tbl regclass, rec record) -> text: the canonical key. */
Datum
scsm_row_key(PG_FUNCTION_ARGS)
{
	LedgerRelInfo *info;
	char	   *key;

	EncodeArgRow(fcinfo, &info, NULL, &key);
	PG_RETURN_TEXT_P(cstring_to_text(key));
}

/* Text of one scalar JSON value given for a key column. */
static char *
JsonScalarText(JsonbValue *v, const char *col)
{
	switch (v->type)
	{
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("key value for column \"%s\" must be a JSON string, number or boolean",
							col)));
	}
	return NULL;
}

/*
 * Canonical key text from a key given as JSON: an object by column name
 * ({"id": 42}), an array in key order ([42]) or, for a one-column key, a
 * scalar (42).  Each value goes through the column type's input function,
 * then out again as canonical text, so "042", 42 and "42" are one key.
 */
char *
LedgerCanonicalKey(LedgerRelInfo *info, Datum keyjson)
{
	Jsonb	   *jb = DatumGetJsonbP(keyjson);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int i = 0; i < info->npk; i++)
	{
		JsonbValue *v = NULL;
		JsonbValue	k;
		char	   *txt;
		Oid			typinput,
					typioparam;
		Datum		d;

		if (JB_ROOT_IS_SCALAR(jb))
		{
			if (info->npk == 1)
				v = getIthJsonbValueFromContainer(&jb->root, 0);
		}
		else if (JB_ROOT_IS_ARRAY(jb))
		{
			if ((int) JB_ROOT_COUNT(jb) == info->npk)
				v = getIthJsonbValueFromContainer(&jb->root, i);
		}
		else if (JB_ROOT_IS_OBJECT(jb))
		{
			k.type = jbvString;
			k.val.string.val = info->pknames[i];
			k.val.string.len = strlen(info->pknames[i]);
			v = findJsonbValueFromContainer(&jb->root, JB_FOBJECT, &k);
		}
		if (v == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("key does not give a value for primary key column \"%s\"",
							info->pknames[i]),
					 errhint("Give the key as a JSON object by column name, e.g. {\"%s\": ...}.",
							 info->pknames[i])));
		txt = JsonScalarText(v, info->pknames[i]);
		getTypeInputInfo(info->pktypes[i], &typinput, &typioparam);
		d = OidInputFunctionCall(typinput, txt, typioparam, -1);
		LedgerKeyAppend(&buf, info->pknames[i], d, false, info->pktypes[i]);
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/*
 * SQL condition selecting the row whose canonical key is keyexpr:
 * alias.col = ((keyexpr)::jsonb ->> 'col')::type AND ..., so the
 * primary-key index can serve it.
 */
char *
LedgerKeyPredicate(LedgerRelInfo *info, const char *alias, const char *keyexpr)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < info->npk; i++)
		appendStringInfo(&buf, "%s%s.%s = ((%s)::pg_catalog.jsonb ->> %s)::%s",
						 i > 0 ? " AND " : "", alias,
						 quote_identifier(info->pknames[i]), keyexpr,
						 quote_literal_cstr(info->pknames[i]),
						 format_type_be_qualified(info->pktypes[i]));
	return buf.data;
}

/* scsm.canonical_key(tbl regclass, key jsonb) -> text */
Datum
scsm_canonical_key(PG_FUNCTION_ARGS)
{
	LedgerRelInfo *info = CachedRelInfo(fcinfo, PG_GETARG_OID(0));

	PG_RETURN_TEXT_P(cstring_to_text(LedgerCanonicalKey(info, PG_GETARG_DATUM(1))));
}

static void
RunSql(const char *sql)
{
	int			rc = SPI_execute(sql, false, 0);

	if (rc < 0)
		elog(ERROR, "SPI_execute failed (%s): %s", SPI_result_code_string(rc), sql);
}

/*
 * scsm.protect(tbl regclass, mode text): put a table under ledger
 * protection.  Only the table's owner (or a superuser) may do it.
 */
Datum
scsm_protect(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	char	   *mode = text_to_cstring(PG_GETARG_TEXT_PP(1));
	bool		versioned;
	Relation	rel;
	LedgerRelInfo *info;
	char	   *qrel;
	char	   *history = NULL;
	char	   *qhist = NULL;
	char	   *oldmode;
	int32		table_id,
				hist_id = 0;
	bool		isnull;
	Oid			save_userid;
	int			save_sec;
	int			sp;				/* LedgerPinSearchPath */
	Oid			relowner;
	StringInfoData q;
	StringInfoData pkcols;

	if (strcmp(mode, "append_only") == 0)
		versioned = false;
	else if (strcmp(mode, "versioned") == 0)
		versioned = true;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid protection mode \"%s\"", mode),
				 errhint("Use append_only or versioned.")));

	rel = LedgerOpenArgRelation(relid, ShareRowExclusiveLock);
	if (rel->rd_rel->relkind != RELKIND_RELATION)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot protect \"%s\"", RelationGetRelationName(rel)),
				 errdetail("Only ordinary tables can be protected."),
				 errhint("Protect each partition of a partitioned table.")));
	if (rel->rd_rel->relispartition || has_superclass(relid))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot protect \"%s\"", RelationGetRelationName(rel)),
				 errdetail("It is a partition or inherits from another table, whose statements would reach it without its statement triggers."),
				 errhint("Protect a table that stands on its own.")));
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot protect temporary table \"%s\"",
						RelationGetRelationName(rel))));
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, RelationGetRelationName(rel));
	relowner = rel->rd_rel->relowner;
	info = LedgerGetRelInfo(rel);
	initStringInfo(&pkcols);
	for (int i = 0; i < info->npk; i++)
	{
		LedgerCheckKeyType(info->pktypes[i], info->pknames[i]);
		appendStringInfo(&pkcols, "%s, ", quote_identifier(info->pknames[i]));
	}
	qrel = quote_qualified_identifier(info->nspname, info->relname);
	/* keep the lock, drop the reference: the DDL below checks it is unused */
	table_close(rel, NoLock);

	SPI_connect();
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(LedgerOwnerId(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	sp = LedgerPinSearchPath();

	if (LedgerTableEntry(info->nspname, info->relname, NULL, &oldmode, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is already protected", info->relname),
				 errdetail("Its protection mode is %s.", oldmode)));

	RunSql("SELECT nextval('scsm.ledger_table_table_id_seq')");
	table_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

	initStringInfo(&q);
	if (versioned)
	{
		history = psprintf("%s_history", info->relname);
		if (strlen(history) >= NAMEDATALEN)
			ereport(ERROR,
					(errcode(ERRCODE_NAME_TOO_LONG),
					 errmsg("history table name \"%s\" is too long", history),
					 errhint("Rename the table to a shorter name before protecting it.")));
		if (OidIsValid(get_relname_relid(history, get_namespace_oid(info->nspname, false))))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_TABLE),
					 errmsg("relation \"%s\" already exists", history),
					 errdetail("A versioned table keeps its old versions in \"%s\".", history)));
		qhist = quote_qualified_identifier(info->nspname, history);
		RunSql("SELECT nextval('scsm.ledger_table_table_id_seq')");
		hist_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		appendStringInfo(&q,
						 "CREATE TABLE %s (LIKE %s, scsm_version integer NOT NULL, "
						 "scsm_superseded_at timestamptz NOT NULL, "
						 "PRIMARY KEY (%sscsm_version));"
						 "ALTER TABLE %s OWNER TO %s;"
						 "CREATE TRIGGER scsm_ledger_refuse BEFORE UPDATE OR DELETE OR TRUNCATE ON %s "
						 "FOR EACH STATEMENT EXECUTE FUNCTION scsm.ledger_refuse('%d', 'history');"
						 "CREATE TRIGGER scsm_ledger_refuse_row BEFORE UPDATE OR DELETE ON %s "
						 "FOR EACH ROW EXECUTE FUNCTION scsm.ledger_refuse('%d', 'history');"
						 "ALTER TABLE %s ENABLE ALWAYS TRIGGER scsm_ledger_refuse, "
						 "ENABLE ALWAYS TRIGGER scsm_ledger_refuse_row;",
						 qhist, qrel, pkcols.data,
						 qhist, quote_identifier(GetUserNameFromId(relowner, false)),
						 qhist, hist_id, qhist, hist_id, qhist);
		RunSql(q.data);
		resetStringInfo(&q);
		appendStringInfo(&q,
						 "CREATE TRIGGER scsm_ledger_write AFTER INSERT OR UPDATE ON %s "
						 "FOR EACH ROW EXECUTE FUNCTION scsm.ledger_trigger('%d', 'versioned', %s);"
						 "CREATE TRIGGER scsm_ledger_refuse BEFORE DELETE OR TRUNCATE ON %s "
						 "FOR EACH STATEMENT EXECUTE FUNCTION scsm.ledger_refuse('%d', 'versioned');"
						 "CREATE TRIGGER scsm_ledger_refuse_row BEFORE DELETE ON %s "
						 "FOR EACH ROW EXECUTE FUNCTION scsm.ledger_refuse('%d', 'versioned');",
						 qrel, table_id, quote_literal_cstr(history),
						 qrel, table_id, qrel, table_id);
	}
	else
		appendStringInfo(&q,
						 "CREATE TRIGGER scsm_ledger_write AFTER INSERT ON %s "
						 "FOR EACH ROW EXECUTE FUNCTION scsm.ledger_trigger('%d', 'append_only');"
						 "CREATE TRIGGER scsm_ledger_refuse BEFORE UPDATE OR DELETE OR TRUNCATE ON %s "
						 "FOR EACH STATEMENT EXECUTE FUNCTION scsm.ledger_refuse('%d', 'append_only');"
						 "CREATE TRIGGER scsm_ledger_refuse_row BEFORE UPDATE OR DELETE ON %s "
						 "FOR EACH ROW EXECUTE FUNCTION scsm.ledger_refuse('%d', 'append_only');",
						 qrel, table_id, qrel, table_id, qrel, table_id);
	RunSql(q.data);
	resetStringInfo(&q);
	appendStringInfo(&q,
					 "ALTER TABLE %s ENABLE ALWAYS TRIGGER scsm_ledger_write, "
					 "ENABLE ALWAYS TRIGGER scsm_ledger_refuse, "
					 "ENABLE ALWAYS TRIGGER scsm_ledger_refuse_row", qrel);
	RunSql(q.data);

	resetStringInfo(&q);
	appendStringInfo(&q,
					 "INSERT INTO scsm.ledger_table (table_id, schema_name, table_name, mode, history_table, protected_by, builtin) "
					 "VALUES (%d, %s, %s, %s, %s, %s, %s)",
					 table_id, quote_literal_cstr(info->nspname),
					 quote_literal_cstr(info->relname), quote_literal_cstr(mode),
					 history ? quote_literal_cstr(history) : "NULL",
					 quote_literal_cstr(GetUserNameFromId(save_userid, false)),
					 creating_extension ? "true" : "false");
	RunSql(q.data);
	if (versioned)
	{
		resetStringInfo(&q);
		appendStringInfo(&q,
						 "INSERT INTO scsm.ledger_table (table_id, schema_name, table_name, mode, parent_id, protected_by, builtin) "
						 "VALUES (%d, %s, %s, 'history', %d, %s, %s)",
						 hist_id, quote_literal_cstr(info->nspname),
						 quote_literal_cstr(history), table_id,
						 quote_literal_cstr(GetUserNameFromId(save_userid, false)),
						 creating_extension ? "true" : "false");
		RunSql(q.data);
	}
	LedgerUnpinSearchPath(sp);
	SetUserIdAndSecContext(save_userid, save_sec);

	/* rows already present: one entry each, version 1, in one statement */
	resetStringInfo(&q);
	appendStringInfo(&q, "SELECT 1 FROM ONLY %s LIMIT 1", qrel);
	RunSql(q.data);
	if (SPI_processed > 0)
	{
		/*
		 * Read the rows as the caller (the owner or a superuser), never as
		 * the ledger owner: row-level security and whatever the owner hung
		 * on the table run with the caller's rights.  Entries are written
		 * directly, which needs no privilege.
		 */
		Portal		cur;

		resetStringInfo(&q);
		appendStringInfo(&q,
						 "SELECT scsm.row_key(%u::pg_catalog.regclass, t.*), "
						 "scsm.row_hash(%u::pg_catalog.regclass, t.*) FROM ONLY %s t",
						 relid, relid, qrel);
		cur = SPI_cursor_open_with_args(NULL, q.data, 0, NULL, NULL, NULL, true, 0);
		for (;;)
		{
			SPI_cursor_fetch(cur, true, 1000);
			if (SPI_processed == 0)
				break;
			for (uint64 i = 0; i < SPI_processed; i++)
			{
				char	   *key = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
				bytea	   *h = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[i],
															  SPI_tuptable->tupdesc, 2, &isnull));

				LedgerAppendEntry(table_id, key, 1, (uint8 *) VARDATA_ANY(h));
			}
			SPI_freetuptable(SPI_tuptable);
		}
		SPI_cursor_close(cur);
	}
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * The door keeps retention's rules (scsm.retention_door_refusal): under the
 * table's disposal lock, which the retention procedure holds while it
 * disposes, and the hold register's SHARE lock, no row under a legal hold,
 * and a row of a retention class only when it is eligible (due, approved
 * where its class asks).  A key without an entry or row LedgerDisposeRow
 * reports.  READ COMMITTED only, as disposal: a transaction snapshot could
 * miss a hold placed while the door waited for the lock.
 */
static void
DoorKeepsRetention(LedgerRelInfo *info, Datum key)
{
	int32		table_id;
	char	   *mode;
	char	   *history;
	Oid			types[2] = {REGCLASSOID, JSONBOID};
	Datum		args[2];
	char	   *why = NULL;

	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("disposal must run at isolation level READ COMMITTED"),
				 errdetail("At REPEATABLE READ or SERIALIZABLE the transaction's snapshot predates the legal holds the disposal waits for.")));
	SPI_connect();
	if (LedgerTableEntry(info->nspname, info->relname, &table_id, &mode, &history))
		(void) LedgerDisposalLock(table_id, false);
	args[0] = ObjectIdGetDatum(info->relid);
	args[1] = key;
	if (SPI_execute_with_args("SELECT scsm.retention_door_refusal($1, $2)",
							  2, types, args, NULL, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the retention of the row");
	why = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (why != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("row %s of table \"%s\" may not be disposed of: %s",
						LedgerCanonicalKey(info, key), info->relname, why),
				 errdetail("The ledger's door keeps retention's rules: no row under a legal hold, and a row of a retention class only when it is due and approved where its class asks."),
				 errhint("See scsm.retention_of() for the row's retention.")));
	SPI_finish();
}

/*
 * scsm.ledger_dispose_row(tbl regclass, key jsonb, reason text) -> bigint:
 * the minimal door for one row, under retention's rules
 * (DoorKeepsRetention); returns the certificate id.  Revoked from PUBLIC;
 * issue 4 builds scsm.dispose_* on LedgerDisposeRow.
 */
Datum
scsm_ledger_dispose_row(PG_FUNCTION_ARGS)
{
	LedgerRelInfo *info = LedgerGetRelInfoById(PG_GETARG_OID(0));
	char	   *key = LedgerCanonicalKey(info, PG_GETARG_DATUM(1));
	char	   *reason = text_to_cstring(PG_GETARG_TEXT_PP(2));
	int64		cert;

	/*
	 * The door reads the row's entry from ledger_row: bring it there, and
	 * let the door's read-only queries see what was just written.
	 */
	LedgerDrainPending(info->relid);
	CommandCounterIncrement();
	DoorKeepsRetention(info, PG_GETARG_DATUM(1));
	CommandCounterIncrement();
	PushCopiedSnapshot(GetActiveSnapshot());
	UpdateActiveSnapshotCommandId();
	cert = LedgerDisposeRow(info->relid, key, reason, NULL);
	PopActiveSnapshot();
	PG_RETURN_INT64(cert);
}

/* scsm.ledger_key_condition(tbl, alias, keyexpr) -> text, for verify_ledger */
Datum
scsm_ledger_key_condition(PG_FUNCTION_ARGS)
{
	LedgerRelInfo *info = CachedRelInfo(fcinfo, PG_GETARG_OID(0));
	char	   *alias = text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *expr = text_to_cstring(PG_GETARG_TEXT_PP(2));

	PG_RETURN_TEXT_P(cstring_to_text(LedgerKeyPredicate(info, quote_identifier(alias), expr)));
}
