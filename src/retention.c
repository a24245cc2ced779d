/*-------------------------------------------------------------------------
 *
 * retention.c
 *	  Retention of protected records (ISO 28000 4.5.4): the retain_until
 *	  stamp fixed in the ledger's write path, the guard that keeps stamps
 *	  from being shortened, approved exceptions, and the set-based disposal
 *	  batch that is the only way a record leaves a protected table.
 *
 * The ledger row trigger calls RetentionStampRow() for every row version
 * it hashes; the stamp (class, basis, retain_until) is written into the
 * same scsm.ledger_row insert, so retention costs no extra round trip.
 * The assignment rules of each table are cached per backend and dropped
 * when scsm.retention_class or scsm.retention_assignment change (their
 * statement trigger sends a relcache invalidation that every backend
 * receives at its next transaction).
 *
 * scsm.retention_dispose_batch() deletes due rows in one statement with
 * data-modifying CTEs: the candidates (scsm.retention_candidates, which
 * checks expiry, holds and approvals and locks the ledger entries with
 * SKIP LOCKED), the DELETE (only rows whose hash still matches), archive
 * copies or anonymised replacements, the certificates and their ledger
 * entries.  The ledger's refusal trigger lets that DELETE through because
 * ledger_disposal_active is set, which no SQL can do.  A batch that fails
 * (a foreign key still pointing at a record, say) is retried row by row in
 * subtransactions, and the rows that fail are logged as events.
 *
 * src/retention.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "ledger.h"
#include "retention.h"

PG_FUNCTION_INFO_V1(scsm_retention_now);
PG_FUNCTION_INFO_V1(scsm_retention_config_changed);
PG_FUNCTION_INFO_V1(scsm_retention_guard);
PG_FUNCTION_INFO_V1(scsm_retention_apply_exception);
PG_FUNCTION_INFO_V1(scsm_retention_dispose_batch);

/* scsm.retention_clock: test clock, superuser only ('' = real time) */
static char *retention_clock = NULL;

/* scsm.restore_mode: pg_restore brings rows with their ledger entries */
bool		scsm_restore_mode = false;

/* Set only by this file's C code, never from SQL. */
static bool retention_disposing = false;
static bool retention_exception_active = false;

/* One equality test on a column: column = value (typed). */
typedef struct RetCond
{
	AttrNumber	attno;
	Oid			typid;
	Datum		value;
} RetCond;

/* One assignment rule of a table, in the order they are tried. */
typedef struct RetRule
{
	bool		any_org;
	int64		org_id;
	int			ncond;
	RetCond    *conds;
	int32		class_id;
	Interval	period;
	AttrNumber	basis_att;		/* 0: no column (write time or event condition) */
	Oid			basis_type;
	bool		event_cond;		/* basis is the first version matching evconds */
	int			nev;
	RetCond    *evconds;
} RetRule;

typedef struct RetTable
{
	Oid			relid;			/* hash key */
	AttrNumber	org_att;		/* org_id column, 0 when none */
	int			nrules;
	RetRule    *rules;
} RetTable;

static HTAB *ret_cache = NULL;
static MemoryContext ret_cxt = NULL;
static Oid	ret_class_relid = InvalidOid;
static Oid	ret_assign_relid = InvalidOid;
static bool ret_callback_registered = false;

/* Drop the rule cache when the configuration tables change. */
static void
RetentionRelcacheCallback(Datum arg, Oid relid)
{
	(void) arg;
	if (ret_cache == NULL)
		return;
	if (relid == InvalidOid || relid == ret_class_relid || relid == ret_assign_relid)
	{
		hash_destroy(ret_cache);
		ret_cache = NULL;
		MemoryContextReset(ret_cxt);
	}
}

void
RetentionInit(void)
{
	DefineCustomStringVariable("scsm.retention_clock",
							   "Test clock for retention (superuser only).",
							   "When set to an ISO 8601 timestamp with offset, retention "
							   "uses it as the current time; every certificate written "
							   "meanwhile says so.  Empty means the real clock.",
							   &retention_clock,
							   "",
							   PGC_SUSET,
							   0,
							   NULL, NULL, NULL);
	DefineCustomBoolVariable("scsm.restore_mode",
							 "Restoring a dump: the ledger write trigger leaves restored rows alone (superuser only).",
							 "Tables protected by CREATE EXTENSION have their ledger triggers when "
							 "pg_restore copies their rows, which arrive with their ledger entries "
							 "from the dump; run pg_restore with PGOPTIONS='-c scsm.restore_mode=on'.",
							 &scsm_restore_mode,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
}

/* "Now" for retention decisions. */
TimestampTz
RetentionNow(void)
{
	if (retention_clock != NULL && retention_clock[0] != '\0')
		return DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in,
													   CStringGetDatum(retention_clock),
													   ObjectIdGetDatum(InvalidOid),
													   Int32GetDatum(-1)));
	return GetCurrentTransactionStartTimestamp();
}

/* scsm.retention_now() -> timestamptz */
Datum
scsm_retention_now(PG_FUNCTION_ARGS)
{
	(void) fcinfo;
	PG_RETURN_TIMESTAMPTZ(RetentionNow());
}

/* Column number of a column name in a descriptor, 0 when absent. */
static AttrNumber
AttnoByName(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		if (!a->attisdropped && strcmp(NameStr(a->attname), name) == 0)
			return i + 1;
	}
	return 0;
}

/*
 * Parse parallel text arrays of column names and values into typed
 * conditions (in the cache context); false when a column is missing.
 */
static bool
ParseConds(TupleDesc desc, Datum keys, Datum vals, int *n, RetCond **out)
{
	Datum	   *kd,
			   *vd;
	int			nk,
				nv;

	deconstruct_array(DatumGetArrayTypeP(keys), TEXTOID, -1, false, TYPALIGN_INT,
					  &kd, NULL, &nk);
	deconstruct_array(DatumGetArrayTypeP(vals), TEXTOID, -1, false, TYPALIGN_INT,
					  &vd, NULL, &nv);
	*n = nk;
	*out = MemoryContextAlloc(ret_cxt, sizeof(RetCond) * Max(nk, 1));
	for (int i = 0; i < nk && i < nv; i++)
	{
		char	   *col = TextDatumGetCString(kd[i]);
		AttrNumber att = AttnoByName(desc, col);
		Oid			typinput,
					typioparam;
		MemoryContext old;
		Form_pg_attribute a;

		if (att == 0)
			return false;
		a = TupleDescAttr(desc, att - 1);
		(*out)[i].attno = att;
		(*out)[i].typid = a->atttypid;
		getTypeInputInfo(a->atttypid, &typinput, &typioparam);
		old = MemoryContextSwitchTo(ret_cxt);
		(*out)[i].value = OidInputFunctionCall(typinput, TextDatumGetCString(vd[i]),
											   typioparam, a->atttypmod);
		MemoryContextSwitchTo(old);
	}
	return true;
}

/* Load the assignment rules of one table (inside SPI, as the ledger owner). */
static RetTable *
LoadRules(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	TupleDesc	desc = RelationGetDescr(rel);
	RetTable   *rt;
	bool		found;
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		args[2];
	int			rc;
	uint64		n;

	if (ret_cxt == NULL)
		ret_cxt = AllocSetContextCreate(CacheMemoryContext, "scsm retention rules",
										ALLOCSET_SMALL_SIZES);
	if (!ret_callback_registered)
	{
		CacheRegisterRelcacheCallback(RetentionRelcacheCallback, (Datum) 0);
		ret_callback_registered = true;
	}
	if (ret_cache == NULL)
	{
		HASHCTL		ctl;
		Oid			nsp = get_namespace_oid("scsm", false);

		ret_class_relid = get_relname_relid("retention_class", nsp);
		ret_assign_relid = get_relname_relid("retention_assignment", nsp);
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(RetTable);
		ctl.hcxt = ret_cxt;
		ret_cache = hash_create("scsm retention rules", 32, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}

	args[0] = CStringGetTextDatum(get_namespace_name(RelationGetNamespace(rel)));
	args[1] = CStringGetTextDatum(RelationGetRelationName(rel));
	rc = SPI_execute_with_args(
		"SELECT a.org_id, "
		"  coalesce((SELECT array_agg(e.key ORDER BY e.key) FROM pg_catalog.jsonb_each_text(a.condition) e), '{}'), "
		"  coalesce((SELECT array_agg(e.value ORDER BY e.key) FROM pg_catalog.jsonb_each_text(a.condition) e), '{}'), "
		"  c.class_id, c.period, c.basis_column, c.event_condition IS NOT NULL, "
		"  coalesce((SELECT array_agg(e.key ORDER BY e.key) FROM pg_catalog.jsonb_each_text(c.event_condition) e), '{}'), "
		"  coalesce((SELECT array_agg(e.value ORDER BY e.key) FROM pg_catalog.jsonb_each_text(c.event_condition) e), '{}') "
		"FROM scsm.retention_assignment a JOIN scsm.retention_class c ON c.class_id = a.class_id "
		"WHERE a.schema_name = $1 AND a.table_name = $2 "
		"ORDER BY a.org_id IS NULL, a.condition IS NULL, a.priority, a.assignment_id",
		2, argtypes, args, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the retention assignments");
	n = SPI_processed;

	rt = hash_search(ret_cache, &relid, HASH_ENTER, &found);
	rt->relid = relid;
	rt->org_att = AttnoByName(desc, "org_id");
	rt->nrules = 0;
	rt->rules = MemoryContextAllocZero(ret_cxt, sizeof(RetRule) * Max(n, 1));
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		RetRule    *r = &rt->rules[rt->nrules];
		bool		isnull;
		Datum		d;
		bool		ok;

		d = SPI_getbinval(tup, td, 1, &isnull);
		r->any_org = isnull;
		r->org_id = isnull ? 0 : DatumGetInt64(d);
		ok = ParseConds(desc, SPI_getbinval(tup, td, 2, &isnull),
						SPI_getbinval(tup, td, 3, &isnull), &r->ncond, &r->conds);
		r->class_id = DatumGetInt32(SPI_getbinval(tup, td, 4, &isnull));
		r->period = *DatumGetIntervalP(SPI_getbinval(tup, td, 5, &isnull));
		d = SPI_getbinval(tup, td, 6, &isnull);
		if (!isnull)
		{
			char	   *col = TextDatumGetCString(d);

			r->basis_att = AttnoByName(desc, col);
			if (r->basis_att == 0)
				ok = false;
			else
				r->basis_type = TupleDescAttr(desc, r->basis_att - 1)->atttypid;
		}
		r->event_cond = DatumGetBool(SPI_getbinval(tup, td, 7, &isnull));
		if (r->event_cond &&
			!ParseConds(desc, SPI_getbinval(tup, td, 8, &isnull),
						SPI_getbinval(tup, td, 9, &isnull), &r->nev, &r->evconds))
			ok = false;
		if (ok)
			rt->nrules++;
	}
	return rt;
}

/* Does the row satisfy every condition (column = value)? */
static bool
CondsMatch(TupleDesc desc, HeapTuple tuple, int n, RetCond *conds)
{
	for (int i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		v = heap_getattr(tuple, conds[i].attno, desc, &isnull);
		TypeCacheEntry *tc;

		if (isnull)
			return false;
		tc = lookup_type_cache(conds[i].typid, TYPECACHE_EQ_OPR_FINFO);
		if (!OidIsValid(tc->eq_opr_finfo.fn_oid))
		{
			if (!datumIsEqual(v, conds[i].value, tc->typbyval, tc->typlen))
				return false;
		}
		else if (!DatumGetBool(FunctionCall2Coll(&tc->eq_opr_finfo,
												 TupleDescAttr(desc, conds[i].attno - 1)->attcollation,
												 v, conds[i].value)))
			return false;
	}
	return true;
}

/*
 * basis + period, computed on UTC wall-clock time so that neither the
 * session's TimeZone nor daylight saving changes the result.
 */
static TimestampTz
AddPeriod(TimestampTz basis, Interval *period)
{
	if (TIMESTAMP_NOT_FINITE(basis))
		return basis;
	return DatumGetTimestamp(DirectFunctionCall2(timestamp_pl_interval,
												 TimestampGetDatum(basis),
												 IntervalPGetDatum(period)));
}

/* The value of a date, timestamp or timestamptz column as a UTC instant. */
static bool
BasisValue(Datum v, Oid typid, TimestampTz *out)
{
	switch (typid)
	{
		case DATEOID:
			*out = DatumGetTimestamp(DirectFunctionCall1(date_timestamp, v));
			return true;
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			*out = DatumGetTimestampTz(v);
			return true;
		default:
			return false;
	}
}

/*
 * The retention stamp of a row version being written.  The first matching
 * assignment rule gives the class; the basis is the rule's column (NULL:
 * the retention period has not started), the write time, or the time the
 * row first met the class's event condition.  For a new version of a
 * versioned row the earlier stamp is a floor: retain_until never goes down
 * and an event keeps the time it first happened.
 */
void
RetentionStampRow(Relation rel, HeapTuple tuple, const RetentionStamp *prev,
				  RetentionStamp *stamp)
{
	RetTable   *rt = NULL;
	TupleDesc	desc = RelationGetDescr(rel);
	Oid			relid = RelationGetRelid(rel);
	RetRule    *rule = NULL;
	bool		found;
	Oid			save_userid;
	int			save_sec;

	memset(stamp, 0, sizeof(*stamp));
	/* an anonymised replacement written by disposal keeps no class */
	if (retention_disposing)
		return;

	/* the hot path (rules cached, an insert) needs no SPI and no role switch */
	GetUserIdAndSecContext(&save_userid, &save_sec);
	if (ret_cache != NULL)
		rt = hash_search(ret_cache, &relid, HASH_FIND, &found);
	if (rt == NULL)
	{
		SetUserIdAndSecContext(LedgerOwnerId(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
		SPI_connect();
		rt = LoadRules(rel);
		SPI_finish();
		SetUserIdAndSecContext(save_userid, save_sec);
	}

	for (int i = 0; i < rt->nrules; i++)
	{
		RetRule    *r = &rt->rules[i];

		if (!r->any_org)
		{
			bool		isnull;
			Datum		v;

			if (rt->org_att == 0)
				continue;
			v = heap_getattr(tuple, rt->org_att, desc, &isnull);
			if (isnull || DatumGetInt64(v) != r->org_id)
				continue;
		}
		if (CondsMatch(desc, tuple, r->ncond, r->conds))
		{
			rule = r;
			break;
		}
	}

	if (rule != NULL)
	{
		bool		prev_basis_null = true,
					prev_until_null = true;
		TimestampTz prev_basis = 0,
					prev_until = 0;

		stamp->has_class = true;
		stamp->class_id = rule->class_id;

		if (prev != NULL)
		{
			prev_basis_null = !prev->has_basis;
			prev_basis = prev->basis;
			prev_until_null = !prev->has_until;
			prev_until = prev->retain_until;
			/* an event basis only carries over within the same class */
			if (!prev->has_class || prev->class_id != rule->class_id)
				prev_basis_null = true;
		}

		if (rule->basis_att != 0)
		{
			bool		isnull;
			Datum		v = heap_getattr(tuple, rule->basis_att, desc, &isnull);

			if (!isnull && BasisValue(v, rule->basis_type, &stamp->basis))
				stamp->has_basis = true;
		}
		else if (rule->event_cond)
		{
			if (CondsMatch(desc, tuple, rule->nev, rule->evconds))
			{
				stamp->has_basis = true;
				stamp->basis = prev_basis_null ? RetentionNow() : prev_basis;
			}
		}
		else
		{
			/* record date = the time the record was written */
			stamp->has_basis = true;
			stamp->basis = prev_basis_null ? RetentionNow() : prev_basis;
		}
		if (stamp->has_basis)
		{
			stamp->has_until = true;
			stamp->retain_until = AddPeriod(stamp->basis, &rule->period);
			if (!prev_until_null && prev_until > stamp->retain_until)
				stamp->retain_until = prev_until;
		}
	}
}

/*
 * AFTER ... FOR EACH STATEMENT on scsm.retention_class and
 * scsm.retention_assignment: tell every backend to drop its rule cache.
 */
Datum
scsm_retention_config_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("scsm.retention_config_changed() must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(td->tg_relation));
	return PointerGetDatum(NULL);
}

/*
 * BEFORE UPDATE OF retain_until, retention_basis, retention_class ON
 * scsm.ledger_row FOR EACH ROW (ENABLE ALWAYS): a written stamp may only
 * be lengthened.  Disposal clears it (flag set by this file), an approved
 * exception lowers it (likewise); nothing else can shorten it.
 */
Datum
scsm_retention_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	oldt,
				newt;
	int			a_until,
				a_basis,
				a_class;
	bool		on,
				nn,
				ob,
				nb,
				oc,
				nc;
	Datum		ov,
				nv;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BY_UPDATE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("scsm.retention_guard() must be a BEFORE UPDATE row trigger")));
	desc = RelationGetDescr(td->tg_relation);
	oldt = td->tg_trigtuple;
	newt = td->tg_newtuple;
	if (retention_disposing || retention_exception_active)
		return PointerGetDatum(newt);

	a_until = SPI_fnumber(desc, "retain_until");
	a_basis = SPI_fnumber(desc, "retention_basis");
	a_class = SPI_fnumber(desc, "retention_class");
	ov = heap_getattr(oldt, a_until, desc, &on);
	nv = heap_getattr(newt, a_until, desc, &nn);
	{
		Datum		ob_v = heap_getattr(oldt, a_basis, desc, &ob);
		Datum		nb_v = heap_getattr(newt, a_basis, desc, &nb);
		Datum		oc_v = heap_getattr(oldt, a_class, desc, &oc);
		Datum		nc_v = heap_getattr(newt, a_class, desc, &nc);

		if (ob != nb || (!ob && DatumGetTimestampTz(ob_v) != DatumGetTimestampTz(nb_v)) ||
			oc != nc || (!oc && DatumGetInt32(oc_v) != DatumGetInt32(nc_v)))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the retention class and basis of a written record cannot change"),
					 errdetail("They were fixed when the record was written."),
					 errhint("Lengthen the class instead, or request a retention exception.")));
	}
	if (on && nn)
		return PointerGetDatum(newt);
	if (on || nn || DatumGetTimestampTz(nv) < DatumGetTimestampTz(ov))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("retain_until of a written record cannot be shortened"),
				 errdetail("It was fixed when the record was written and may only be lengthened."),
				 errhint("Records leave early only through an approved scsm.retention_exception.")));
	return PointerGetDatum(newt);
}

/*
 * AFTER INSERT OR UPDATE ON scsm.retention_exception FOR EACH ROW: when an
 * exception becomes approved (its BEFORE trigger has checked who approves),
 * lower retain_until of the records it covers to basis + its period.
 */
Datum
scsm_retention_apply_exception(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	newt;
	bool		isnull;
	char	   *status;
	Datum		args[5];
	char		nulls[5] = "     ";
	Oid			types[5] = {INT4OID, INTERVALOID, TEXTOID, TEXTOID, INT8OID};
	Oid			save_userid;
	int			save_sec;
	uint64		n;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("scsm.retention_apply_exception() must be an AFTER row trigger")));
	desc = RelationGetDescr(td->tg_relation);
	newt = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	status = SPI_getvalue(newt, desc, SPI_fnumber(desc, "status"));
	if (status == NULL || strcmp(status, "approved") != 0)
		return PointerGetDatum(NULL);
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		char	   *old = SPI_getvalue(td->tg_trigtuple, desc, SPI_fnumber(desc, "status"));

		if (old != NULL && strcmp(old, "approved") == 0)
			return PointerGetDatum(NULL);
	}
	args[0] = heap_getattr(newt, SPI_fnumber(desc, "class_id"), desc, &isnull);
	args[1] = heap_getattr(newt, SPI_fnumber(desc, "period"), desc, &isnull);
	args[2] = heap_getattr(newt, SPI_fnumber(desc, "schema_name"), desc, &isnull);
	if (isnull)
		nulls[2] = 'n';
	args[3] = heap_getattr(newt, SPI_fnumber(desc, "table_name"), desc, &isnull);
	if (isnull)
		nulls[3] = 'n';
	args[4] = heap_getattr(newt, SPI_fnumber(desc, "org_id"), desc, &isnull);
	if (isnull)
		nulls[4] = 'n';

	SPI_connect();
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(LedgerOwnerId(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	retention_exception_active = true;
	PG_TRY();
	{
		if (SPI_execute_with_args(
								  "UPDATE scsm.ledger_row l "
								  "   SET retain_until = ((l.retention_basis AT TIME ZONE 'UTC') + $2) AT TIME ZONE 'UTC' "
								  "  FROM scsm.ledger_table lt "
								  " WHERE l.retention_class = $1 AND l.retain_until IS NOT NULL "
								  "   AND l.retention_basis IS NOT NULL "
								  "   AND l.retain_until > ((l.retention_basis AT TIME ZONE 'UTC') + $2) AT TIME ZONE 'UTC' "
								  "   AND lt.table_id = l.table_id "
								  "   AND ($3::text IS NULL OR (lt.schema_name = $3 AND lt.table_name = $4)) "
								  "   AND ($5::bigint IS NULL OR (l.row_key::jsonb ->> 'org_id') = $5::text)",
								  5, types, args, nulls, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not apply the retention exception");
	}
	PG_FINALLY();
	{
		retention_exception_active = false;
	}
	PG_END_TRY();
	n = SPI_processed;
	{
		Oid			lt[3] = {TEXTOID, INT8OID, INT8OID};
		Datum		la[3];

		la[0] = CStringGetTextDatum("exception_applied");
		la[1] = Int64GetDatum((int64) n);
		la[2] = heap_getattr(newt, SPI_fnumber(desc, "exception_id"), desc, &isnull);
		SPI_execute_with_args("SELECT scsm.log_event($1, NULL::pg_catalog.regclass, $2, "
							  "pg_catalog.jsonb_build_object('exception_id', $3))",
							  3, lt, la, NULL, false, 0);
	}
	SetUserIdAndSecContext(save_userid, save_sec);
	SPI_finish();
	return PointerGetDatum(NULL);
}

/* What a disposal batch needs to know about its table. */
typedef struct DisposeTarget
{
	LedgerRelInfo *info;
	char	   *qrel;
	int32		table_id;
	bool		versioned;
	char	   *qhist;			/* history table, versioned only */
	Oid			histrelid;
	char	   *stmt_main;
	char	   *stmt_hist;
	Datum		details;		/* jsonb text for certificates, or 0 */
} DisposeTarget;

/* The anonymised replacement of a deleted row: INSERT ... SELECT from d. */
static void
AppendAnonymiseCte(StringInfo q, DisposeTarget *t)
{
	TupleDesc	desc = t->info->desc;
	StringInfoData cols,
				exprs;

	initStringInfo(&cols);
	initStringInfo(&exprs);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);
		const char *col;
		char	   *anon;

		if (a->attisdropped || a->attgenerated)
			continue;
		col = quote_identifier(NameStr(a->attname));
		if (!a->attnotnull)
			anon = psprintf("NULL::%s", format_type_with_typemod(a->atttypid, a->atttypmod));
		else if (a->atttypid == TEXTOID || a->atttypid == VARCHAROID || a->atttypid == BPCHAROID)
			anon = psprintf("'anonymised'::%s", format_type_with_typemod(a->atttypid, a->atttypmod));
		else
			anon = psprintf("d.%s", col);
		appendStringInfo(&cols, "%s%s", cols.len ? ", " : "", col);
		appendStringInfo(&exprs, "%sCASE WHEN %s = ANY (d.scsm_anon_cols) THEN %s ELSE d.%s END",
						 exprs.len ? ", " : "", quote_literal_cstr(NameStr(a->attname)), anon, col);
	}
	appendStringInfo(q,
					 "n AS (INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM d "
					 "WHERE d.scsm_action = 'anonymise'), ",
					 t->qrel, cols.data, exprs.data);
}

#define SCSM_EXTRA_COLS "ARRAY['scsm_entry_id','scsm_row_key','scsm_version','scsm_row_hash'," \
	"'scsm_class_name','scsm_retain_until','scsm_action','scsm_anon_cols','scsm_review_id','scsm_approved_by']"

/* Build the statements of a disposal batch for one table. */
static void
BuildStatements(DisposeTarget *t)
{
	StringInfoData q;
	const char *nsp = quote_literal_cstr(t->info->nspname);
	const char *rel = quote_literal_cstr(t->info->relname);

	/*
	 * $1 table, $2 entry ids, $3 certificate details, $4 ledger txn.  The
	 * candidates are re-evaluated here (expiry, holds, approval), under the
	 * row locks the caller already holds.
	 */
	initStringInfo(&q);
	appendStringInfo(&q,
					 "WITH c AS MATERIALIZED (SELECT * FROM scsm.retention_candidates($1::pg_catalog.regclass, $5::integer, $2::bigint[], 'eligible')), "
					 "d AS (DELETE FROM ONLY %s t USING c WHERE %s "
					 "AND scsm.row_hash($1::pg_catalog.regclass, t) IS NOT DISTINCT FROM c.scsm_row_hash "
					 "RETURNING t.*, c.scsm_entry_id, c.scsm_row_key, c.scsm_version, c.scsm_row_hash, c.scsm_class_name, "
					 "c.scsm_retain_until, c.scsm_action, c.scsm_anon_cols, c.scsm_review_id, c.scsm_approved_by), "
					 "a AS (INSERT INTO scsm.retention_archive (schema_name, table_name, row_key, version, row_hash, row_data) "
					 "SELECT %s, %s, d.scsm_row_key, d.scsm_version, d.scsm_row_hash, pg_catalog.to_jsonb(d) - " SCSM_EXTRA_COLS " "
					 "FROM d WHERE d.scsm_action = 'archive'), ",
					 t->qrel, LedgerKeyPredicate(t->info, "t", "c.scsm_row_key"), nsp, rel);
	if (!t->versioned)
		AppendAnonymiseCte(&q, t);
	appendStringInfo(&q,
					 "x AS (INSERT INTO scsm.disposal_certificate AS dc (schema_name, table_name, row_key, version, row_hash, "
					 "entry_id, reason, details, disposed_by, class_name, retain_until, action, review_id, approved_by) "
					 "SELECT %s, %s, d.scsm_row_key, d.scsm_version, d.scsm_row_hash, d.scsm_entry_id, "
					 "'retention period expired', $3::jsonb, session_user, d.scsm_class_name, d.scsm_retain_until, "
					 "d.scsm_action, d.scsm_review_id, d.scsm_approved_by FROM d RETURNING dc AS r), "
					 "e AS (INSERT INTO scsm.ledger_row (entry_id, txn_id, table_id, row_key, version, row_hash) "
					 "SELECT pg_catalog.nextval('scsm.ledger_row_entry_id_seq'), $4, 0, "
					 "scsm.row_key('scsm.disposal_certificate'::pg_catalog.regclass, x.r), 1, "
					 "scsm.row_hash('scsm.disposal_certificate'::pg_catalog.regclass, x.r) FROM x), "
					 "u AS (UPDATE scsm.ledger_row l SET retain_until = NULL FROM d "
					 "WHERE l.table_id = %d AND l.row_key = d.scsm_row_key AND l.retain_until IS NOT NULL) "
					 "SELECT (SELECT pg_catalog.count(*) FROM c), (SELECT pg_catalog.count(*) FROM d), "
					 "ARRAY(SELECT d.scsm_row_key FROM d), ARRAY(SELECT d.scsm_row_key FROM d WHERE d.scsm_action = 'archive')",
					 nsp, rel, t->table_id);
	t->stmt_main = q.data;

	if (!t->versioned)
		return;

	/*
	 * $1 keys disposed, $2 keys archived, $3 details, $4 ledger txn: every
	 * earlier version in the history table goes too, each with its own
	 * certificate carrying the ledger's hash of that version.
	 */
	initStringInfo(&q);
	appendStringInfo(&q,
					 "WITH hd AS (DELETE FROM ONLY %s h USING pg_catalog.unnest($1::text[]) k(scsm_key) WHERE %s "
					 "RETURNING h.*, k.scsm_key), "
					 "hv AS (SELECT hd.scsm_key, hd.scsm_version, scsm.row_hash(%u::pg_catalog.regclass, hd) AS h, "
					 "l.entry_id, l.row_hash AS lh, pg_catalog.to_jsonb(hd) - 'scsm_key' AS data "
					 "FROM hd LEFT JOIN scsm.ledger_row l ON l.table_id = %d AND l.row_key = hd.scsm_key AND l.version = hd.scsm_version), "
					 "a AS (INSERT INTO scsm.retention_archive (schema_name, table_name, row_key, version, row_hash, row_data) "
					 "SELECT %s, %s, hv.scsm_key, hv.scsm_version, hv.lh, hv.data FROM hv WHERE hv.scsm_key = ANY ($2::text[])), "
					 "x AS (INSERT INTO scsm.disposal_certificate AS dc (schema_name, table_name, row_key, version, row_hash, "
					 "entry_id, reason, details, disposed_by, class_name, retain_until, action, review_id, approved_by) "
					 "SELECT %s, %s, hv.scsm_key, hv.scsm_version, hv.lh, hv.entry_id, 'retention period expired', $3::jsonb, "
					 "session_user, m.class_name, m.retain_until, m.action, m.review_id, m.approved_by "
					 "FROM hv LEFT JOIN LATERAL (SELECT mc.* FROM scsm.disposal_certificate mc WHERE mc.table_name = %s "
					 "AND mc.row_key = hv.scsm_key AND mc.schema_name = %s ORDER BY mc.certificate_id DESC LIMIT 1) m ON true "
					 "WHERE hv.lh IS NOT NULL RETURNING dc AS r), "
					 "e AS (INSERT INTO scsm.ledger_row (entry_id, txn_id, table_id, row_key, version, row_hash) "
					 "SELECT pg_catalog.nextval('scsm.ledger_row_entry_id_seq'), $4, 0, "
					 "scsm.row_key('scsm.disposal_certificate'::pg_catalog.regclass, x.r), 1, "
					 "scsm.row_hash('scsm.disposal_certificate'::pg_catalog.regclass, x.r) FROM x) "
					 "SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE hv.lh IS NULL OR hv.h <> hv.lh) FROM hv",
					 t->qhist, LedgerKeyPredicate(t->info, "h", "k.scsm_key"),
					 t->info->relid, t->table_id, nsp, rel, nsp, rel, rel, nsp);
	t->stmt_hist = q.data;
}

/* Record an event through scsm.log_event (inside SPI). */
static void
LogEvent(const char *event, DisposeTarget *t, int64 count, const char *detail_json)
{
	Oid			types[4] = {TEXTOID, REGCLASSOID, INT8OID, TEXTOID};
	Datum		args[4];
	char		nulls[4] = "    ";

	args[0] = CStringGetTextDatum(event);
	args[1] = ObjectIdGetDatum(t->info->relid);
	args[2] = Int64GetDatum(count);
	if (detail_json)
		args[3] = CStringGetTextDatum(detail_json);
	else
		nulls[3] = 'n';
	if (SPI_execute_with_args("SELECT scsm.log_event($1, $2, $3, $4::jsonb)",
							  4, types, args, nulls, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not log the retention event");
}

/*
 * Dispose of the given ledger entries of one table (one statement, or two
 * for a versioned table).  Returns the number of rows disposed.  Runs
 * inside SPI as the ledger owner; the caller handles errors.
 */
static int64
DisposeEntries(DisposeTarget *t, Datum ids, int32 max_rows)
{
	Oid			types[5] = {REGCLASSOID, INT8ARRAYOID, TEXTOID, INT8OID, INT4OID};
	Datum		args[5];
	char		nulls[5] = "     ";
	int64		ncand,
				ndel;
	bool		isnull;
	Datum		keys,
				archived;
	int64		txn = LedgerCurrentTxn();

	args[0] = ObjectIdGetDatum(t->info->relid);
	args[1] = ids;
	if (ids == (Datum) 0)
		nulls[1] = 'n';
	args[4] = Int32GetDatum(max_rows);
	if (max_rows <= 0)
		nulls[4] = 'n';
	if (t->details)
		args[2] = t->details;
	else
		nulls[2] = 'n';
	args[3] = Int64GetDatum(txn);

	ledger_disposal_active = true;
	ledger_disposal_relid = t->info->relid;
	retention_disposing = true;
	PG_TRY();
	{
		if (SPI_execute_with_args(t->stmt_main, 5, types, args, nulls, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "disposal statement failed");
		ncand = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		ndel = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		keys = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull);
		archived = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull);
		if (t->versioned && ndel > 0)
		{
			Oid			ht[4] = {TEXTARRAYOID, TEXTARRAYOID, TEXTOID, INT8OID};
			Datum		ha[4];
			char		hn[4] = {' ', ' ', ' ', ' '};

			ha[0] = keys;
			ha[1] = archived;
			ha[2] = args[2];
			ha[3] = args[3];
			ledger_disposal_relid = t->histrelid;
			hn[2] = nulls[2];
			if (SPI_execute_with_args(t->stmt_hist, 4, ht, ha, hn, false, 0) != SPI_OK_SELECT)
				elog(ERROR, "disposal statement failed");
			if (DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)) > 0)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("history of a row of table \"%s\" does not match its ledger entries",
								t->info->relname),
						 errdetail("A record whose versions were altered cannot be certified as disposed."),
						 errhint("Run scsm.verify_ledger() and investigate.")));
		}
	}
	PG_FINALLY();
	{
		ledger_disposal_active = false;
		ledger_disposal_relid = InvalidOid;
		retention_disposing = false;
	}
	PG_END_TRY();
	if (ncand > ndel)
		LogEvent("disposal_refused_altered", t, ncand - ndel,
				 "{\"detail\": \"due rows whose content no longer matches the ledger were kept\"}");
	return ndel;
}

/* Run DisposeEntries in a subtransaction; on error return -1 and the message. */
static int64
TryDispose(DisposeTarget *t, Datum ids, int32 max_rows, char **errmsg_out)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	int64		n = -1;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		n = DisposeEntries(t, ids, max_rows);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		*errmsg_out = edata->message;
		n = -1;
	}
	PG_END_TRY();
	return n;
}

/*
 * scsm.retention_dispose_batch(tbl regclass, batch_size integer) -> bigint:
 * dispose of up to batch_size due, unheld, approved rows of one protected
 * table in the current transaction; returns how many.  Two callers at once
 * take disjoint rows (SKIP LOCKED); the legal hold register is locked in
 * SHARE mode so a hold placed meanwhile waits for the batch, or the batch
 * for the hold.
 */
Datum
scsm_retention_dispose_batch(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	int32		batch = PG_GETARG_INT32(1);
	DisposeTarget t;
	Oid			save_userid;
	int			save_sec;
	Oid			t2[2] = {TEXTOID, TEXTOID};
	Datum		a2[2];
	bool		isnull;
	char	   *mode;
	char	   *hist;
	Datum		ids;
	int64		total = 0;
	char	   *err = NULL;

	if (batch < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch_size must be positive, not %d", batch)));
	memset(&t, 0, sizeof(t));
	t.info = LedgerGetRelInfoById(relid);
	t.qrel = quote_qualified_identifier(t.info->nspname, t.info->relname);

	SPI_connect();
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(LedgerOwnerId(), save_sec | SECURITY_LOCAL_USERID_CHANGE);

	a2[0] = CStringGetTextDatum(t.info->nspname);
	a2[1] = CStringGetTextDatum(t.info->relname);
	if (SPI_execute_with_args("SELECT table_id, mode, history_table FROM scsm.ledger_table "
							  "WHERE schema_name = $1 AND table_name = $2",
							  2, t2, a2, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read scsm.ledger_table");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is not protected", t.info->relname),
				 errhint("Only rows of protected tables have retention stamps.")));
	t.table_id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	mode = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	hist = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	if (strcmp(mode, "append_only") == 0)
		t.versioned = false;
	else if (strcmp(mode, "versioned") == 0 && hist != NULL)
	{
		t.versioned = true;
		t.qhist = quote_qualified_identifier(t.info->nspname, hist);
		t.histrelid = get_relname_relid(hist, get_namespace_oid(t.info->nspname, false));
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot dispose of rows of %s table \"%s\"", mode, t.info->relname)));
	if (retention_clock != NULL && retention_clock[0] != '\0')
		t.details = CStringGetTextDatum(psprintf("{\"clock\": \"injected\", \"now\": \"%s\"}",
												 retention_clock));
	BuildStatements(&t);

	if (SPI_execute("LOCK TABLE scsm.legal_hold IN SHARE MODE", false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not lock scsm.legal_hold");
	total = TryDispose(&t, (Datum) 0, batch, &err);
	if (total < 0)
	{
		/* the batch failed as a whole: list it, then one row at a time */
		Oid			ct[2] = {REGCLASSOID, INT4OID};
		Datum		ca[2];
		Datum	   *elems;
		int			nelems;

		total = 0;
		ca[0] = ObjectIdGetDatum(relid);
		ca[1] = Int32GetDatum(batch);
		if (SPI_execute_with_args("SELECT coalesce(array_agg(scsm_entry_id), '{}') "
								  "FROM scsm.retention_candidates($1, $2, NULL, 'eligible')",
								  2, ct, ca, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not list disposal candidates");
		ids = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		ids = PointerGetDatum(DatumGetArrayTypePCopy(ids));
		deconstruct_array(DatumGetArrayTypeP(ids), INT8OID, 8, FLOAT8PASSBYVAL,
						  TYPALIGN_DOUBLE, &elems, NULL, &nelems);
		for (int i = 0; i < nelems; i++)
		{
			Datum		one = PointerGetDatum(construct_array(&elems[i], 1, INT8OID, 8,
															  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			int64		n = TryDispose(&t, one, 0, &err);

			if (n >= 0)
				total += n;
			else
			{
				StringInfoData js;

				initStringInfo(&js);
				appendStringInfo(&js, "{\"entry_id\": " INT64_FORMAT ", \"error\": ",
								 DatumGetInt64(elems[i]));
				escape_json(&js, err);
				appendStringInfoChar(&js, '}');
				LogEvent("disposal_failed", &t, 1, js.data);
			}
		}
	}
	SetUserIdAndSecContext(save_userid, save_sec);
	SPI_finish();
	PG_RETURN_INT64(total);
}
