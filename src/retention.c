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
 * scsm.retention_dispose_batch() disposes of a batch of due rows with a
 * fixed number of steps, whatever the batch size: the candidates come from
 * the due queue (scsm.retention_due), read by its index in C for an
 * append-only table no legal hold can apply to (CandidatesFromQueue), else
 * through one query (scsm.retention_candidates, which checks expiry, holds
 * and approvals); the table's disposal lock, an advisory lock, keeps a
 * second disposer out.  C reads each row
 * and checks its hash against the ledger (an altered row is kept and
 * reported); then one statement each writes the archive copies, the
 * anonymised replacements and the DELETE (by row address), the batch's
 * certificates go in as one protected row of scsm.disposal_batch with one
 * ledger entry (LedgerWriteCertBatch, a line per disposed row version), and
 * the disposed entries leave the due queue (scsm.retention_due, heap deletes
 * by row address; their stamps in scsm.ledger_row stay as written).  The ledger's
 * refusal trigger lets that DELETE through because ledger_disposal_active is
 * set, which no SQL can do.  A batch that fails (a foreign key still
 * pointing at a record, say) is retried row by row in subtransactions, and
 * the rows that fail are logged as events.
 *
 * src/retention.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#ifdef RETENTION_TIMING
#include <sys/resource.h>
#endif

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/heapam.h"
#include "access/itup.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "storage/bufmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "ledger.h"
#include "retention.h"

PG_FUNCTION_INFO_V1(scsm_retention_now);
PG_FUNCTION_INFO_V1(scsm_retention_config_changed);
PG_FUNCTION_INFO_V1(scsm_retention_guard);
PG_FUNCTION_INFO_V1(scsm_retention_apply_exception);
PG_FUNCTION_INFO_V1(scsm_retention_dispose_batch);
PG_FUNCTION_INFO_V1(scsm_retention_run_begin);
PG_FUNCTION_INFO_V1(scsm_retention_drained);
PG_FUNCTION_INFO_V1(scsm_retention_restamp);
PG_FUNCTION_INFO_V1(scsm_retention_due_follow);
PG_FUNCTION_INFO_V1(scsm_retention_due_guard);

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
	Datum		value;
	/* how to compare, resolved once when the rules are loaded */
	bool		has_eq;			/* false: compare the datums bytewise */
	FmgrInfo	eq;				/* the type's equality operator */
	Oid			collation;		/* the column's */
	bool		typbyval;
	int16		typlen;
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
AttrNumber
RetentionColumn(TupleDesc desc, const char *name)
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
		AttrNumber att = RetentionColumn(desc, col);
		Oid			typinput,
					typioparam;
		MemoryContext old;
		Form_pg_attribute a;
		TypeCacheEntry *tc;

		if (att == 0)
			return false;
		a = TupleDescAttr(desc, att - 1);
		(*out)[i].attno = att;
		tc = lookup_type_cache(a->atttypid, TYPECACHE_EQ_OPR_FINFO);
		(*out)[i].has_eq = OidIsValid(tc->eq_opr_finfo.fn_oid);
		if ((*out)[i].has_eq)
			fmgr_info_copy(&(*out)[i].eq, &tc->eq_opr_finfo, ret_cxt);
		(*out)[i].collation = a->attcollation;
		(*out)[i].typbyval = tc->typbyval;
		(*out)[i].typlen = tc->typlen;
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
	SPIPlanPtr	plan;
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
	/*
	 * Read with the latest snapshot, not the statement's: a writer that
	 * waited for a class's lock (LockClassForStamp) must see the period the
	 * lengthening it waited for has committed.
	 */
	plan = SPI_prepare(
		"SELECT a.org_id, "
		"  coalesce((SELECT array_agg(e.key ORDER BY e.key) FROM pg_catalog.jsonb_each_text(a.condition) e), '{}'), "
		"  coalesce((SELECT array_agg(e.value ORDER BY e.key) FROM pg_catalog.jsonb_each_text(a.condition) e), '{}'), "
		"  c.class_id, c.period, c.basis_column, c.event_condition IS NOT NULL, "
		"  coalesce((SELECT array_agg(e.key ORDER BY e.key) FROM pg_catalog.jsonb_each_text(c.event_condition) e), '{}'), "
		"  coalesce((SELECT array_agg(e.value ORDER BY e.key) FROM pg_catalog.jsonb_each_text(c.event_condition) e), '{}') "
		"FROM scsm.retention_assignment a JOIN scsm.retention_class c ON c.class_id = a.class_id "
		"WHERE a.schema_name = $1 AND a.table_name = $2 "
		"ORDER BY a.org_id IS NULL, a.condition IS NULL, a.priority, a.assignment_id",
		2, argtypes);
	if (plan == NULL)
		elog(ERROR, "could not prepare the reading of the retention assignments");
	rc = SPI_execute_snapshot(plan, args, NULL, GetLatestSnapshot(), InvalidSnapshot,
							  true, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the retention assignments");
	n = SPI_processed;

	rt = hash_search(ret_cache, &relid, HASH_ENTER, &found);
	rt->relid = relid;
	rt->org_att = RetentionColumn(desc, "org_id");
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

			r->basis_att = RetentionColumn(desc, col);
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

		if (isnull)
			return false;
		if (!conds[i].has_eq)
		{
			if (!datumIsEqual(v, conds[i].value, conds[i].typbyval, conds[i].typlen))
				return false;
		}
		else if (!DatumGetBool(FunctionCall2Coll(&conds[i].eq, conds[i].collation,
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
 * A row is stamped under a class while its writer holds that class's lock
 * in share mode (SCSM_LOCK_CLASS, class_id: 'scrc' in ASCII, 1935897187)
 * that a lengthening of the class takes
 * in exclusive mode before it raises the stamps already written
 * (scsm.tg_retention_class_lengthen).  So the lengthening waits for the
 * writers in flight and then raises their entries with the rest, and a
 * writer that comes later waits for the lengthening to commit and reads the
 * new period: no entry keeps the shorter period.  Taken once per class and
 * transaction.  Returns true when the rule cache was dropped while waiting
 * (the caller reads the rules again).
 */
static bool
LockClassForStamp(int32 class_id)
{
	if (ScsmAdvisoryLock(SCSM_LOCK_CLASS, class_id, ShareLock, false) == LOCKACQUIRE_ALREADY_HELD)
		return false;
	/* a class change committed while this backend waited: see it now */
	AcceptInvalidationMessages();
	return ret_cache == NULL;
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
	int			sp;				/* LedgerPinSearchPath */

	memset(stamp, 0, sizeof(*stamp));
	/* an anonymised replacement written by disposal keeps no class */
	if (retention_disposing)
		return;

	/* the hot path (rules cached, an insert) needs no SPI and no role switch */
	GetUserIdAndSecContext(&save_userid, &save_sec);
again:
	rt = NULL;
	rule = NULL;
	if (ret_cache != NULL)
		rt = hash_search(ret_cache, &relid, HASH_FIND, &found);
	if (rt == NULL)
	{
		SetUserIdAndSecContext(LedgerOwnerId(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
		sp = LedgerPinSearchPath();
		SPI_connect();
		rt = LoadRules(rel);
		SPI_finish();
		LedgerUnpinSearchPath(sp);
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
	/* the class's lock; the rules again if a change committed meanwhile */
	if (rule != NULL && LockClassForStamp(rule->class_id))
		goto again;

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
 * be lengthened.  An approved exception lowers it (flag set by this file);
 * nothing else can shorten or clear it, disposal included.
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
	if (retention_exception_active)
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

/* Record an event through scsm.log_event (inside SPI). */
static void
LogEvent(const char *event, Oid relid, int64 count, const char *detail_json)
{
	Oid			types[4] = {TEXTOID, REGCLASSOID, INT8OID, TEXTOID};
	Datum		args[4];
	char		nulls[4] = "    ";

	args[0] = CStringGetTextDatum(event);
	args[1] = ObjectIdGetDatum(relid);
	if (!OidIsValid(relid))
		nulls[1] = 'n';
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
 * Set by this file's code while it writes the due queue itself (set-based,
 * after restamping ledger entries, or the row trigger below): the queue's
 * row triggers then leave the work to it.  Never settable from SQL.
 */
static bool retention_due_sync = false;

/*
 * Raise (lengthen) or lower (an approved exception) retain_until of the
 * entries of a class still waiting in the due queue to basis + period,
 * optionally for one table or one organisation only, then move their queue
 * rows in one statement.  Runs inside SPI as the ledger owner; returns how
 * many entries changed.  Disposed entries keep the stamp they went under.
 */
static uint64
RestampClass(Datum class_id, Datum period, bool lengthen, Datum schema, Datum table,
			 bool all_tables, Datum org, bool all_orgs)
{
	Oid			types[5] = {INT4OID, INTERVALOID, TEXTOID, TEXTOID, INT8OID};
	Datum		args[5];
	char		nulls[5] = "     ";
	uint64		n;

	args[0] = class_id;
	args[1] = period;
	args[2] = schema;
	args[3] = table;
	args[4] = org;
	if (all_tables)
		nulls[2] = nulls[3] = 'n';
	if (all_orgs)
		nulls[4] = 'n';
	/*
	 * The sealer updates ledger_row entries too (their blocks): one at a
	 * time, under the sealers' lock, or the two could deadlock.
	 */
	(void) ScsmAdvisoryLock(SCSM_LOCK_SEALER, 1, ExclusiveLock, false);
	retention_due_sync = true;
	retention_exception_active = !lengthen;
	PG_TRY();
	{
		/*
		 * The queue rows first, then the stamps of exactly the entries whose
		 * queue row moved: an entry that a disposal took out of the queue
		 * meanwhile (its delete waited for or committed) keeps the stamp its
		 * certificate names.
		 */
		char	   *q = psprintf("WITH moved AS ("
								 " UPDATE scsm.retention_due d "
								 "    SET retain_until = ((l.retention_basis AT TIME ZONE 'UTC') + $2) AT TIME ZONE 'UTC' "
								 "   FROM scsm.ledger_table lt, scsm.ledger_row l "
								 "  WHERE d.class_id = $1 AND d.table_id = lt.table_id "
								 "    AND l.table_id = d.table_id AND l.row_key = d.row_key AND l.entry_id = d.entry_id "
								 "    AND l.retention_class = $1 AND l.retain_until IS NOT NULL "
								 "    AND l.retention_basis IS NOT NULL "
								 "    AND l.retain_until %s ((l.retention_basis AT TIME ZONE 'UTC') + $2) AT TIME ZONE 'UTC' "
								 "    AND ($3::text IS NULL OR (lt.schema_name = $3 AND lt.table_name = $4)) "
								 "    AND ($5::bigint IS NULL OR (l.row_key::jsonb ->> 'org_id') = $5::text) "
								 " RETURNING d.table_id, d.row_key, d.entry_id, d.retain_until) "
								 "UPDATE scsm.ledger_row l SET retain_until = m.retain_until "
								 "  FROM moved m "
								 " WHERE l.table_id = m.table_id AND l.row_key = m.row_key AND l.entry_id = m.entry_id",
								 lengthen ? "<" : ">");

		if (SPI_execute_with_args(q, 5, types, args, nulls, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not restamp the records of a retention class");
		n = SPI_processed;
	}
	PG_FINALLY();
	{
		retention_due_sync = false;
		retention_exception_active = false;
	}
	PG_END_TRY();
	return n;
}

/*
 * scsm.retention_restamp(class_id integer, period interval) -> bigint:
 * a lengthened class raises retain_until of its records still waiting for
 * disposal (called by the class's trigger, as the extension's owner).
 */
Datum
scsm_retention_restamp(PG_FUNCTION_ARGS)
{
	Oid			save_userid;
	int			save_sec;
	int			sp;				/* LedgerPinSearchPath */
	uint64		n;

	SPI_connect();
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(LedgerOwnerId(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	sp = LedgerPinSearchPath();
	n = RestampClass(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1), true, (Datum) 0, (Datum) 0, true,
					 (Datum) 0, true);
	LedgerUnpinSearchPath(sp);
	SetUserIdAndSecContext(save_userid, save_sec);
	SPI_finish();
	PG_RETURN_INT64((int64) n);
}

/*
 * AFTER UPDATE OF retain_until ON scsm.ledger_row FOR EACH ROW WHEN (the
 * value changed): whoever changed a written stamp (a superuser's UPDATE,
 * say), the entry's row in the due queue follows, so the queue never says a
 * record is due before its stamp does.  An entry without a queue row
 * (disposed, or an earlier version) keeps none.  Restamping a class moves
 * the queue itself, in one statement.
 */
Datum
scsm_retention_due_follow(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	Oid			types[4] = {INT4OID, TIMESTAMPTZOID, INT8OID, TIMESTAMPTZOID};
	Datum		args[4];
	bool		onull,
				nnull,
				isnull;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("scsm.retention_due_follow() must be an AFTER UPDATE row trigger")));
	if (retention_due_sync)
		return PointerGetDatum(NULL);
	desc = RelationGetDescr(td->tg_relation);
	args[0] = heap_getattr(td->tg_trigtuple, SPI_fnumber(desc, "table_id"), desc, &isnull);
	args[1] = heap_getattr(td->tg_trigtuple, SPI_fnumber(desc, "retain_until"), desc, &onull);
	args[2] = heap_getattr(td->tg_trigtuple, SPI_fnumber(desc, "entry_id"), desc, &isnull);
	args[3] = heap_getattr(td->tg_newtuple, SPI_fnumber(desc, "retain_until"), desc, &nnull);
	if (onull)
		return PointerGetDatum(NULL);	/* had no queue row */
	if (nnull)
	{
		/* no stamp any more: the entry leaves the queue */
		LedgerDueForget(DatumGetInt32(args[0]), DatumGetTimestampTz(args[1]), DatumGetInt64(args[2]));
		return PointerGetDatum(NULL);
	}
	SPI_connect();
	retention_due_sync = true;
	PG_TRY();
	{
		(void) SPI_execute_with_args("UPDATE scsm.retention_due d SET retain_until = $4 "
									 "WHERE d.table_id = $1 AND d.retain_until = $2 AND d.entry_id = $3",
									 4, types, args, NULL, false, 0);
	}
	PG_FINALLY();
	{
		retention_due_sync = false;
	}
	PG_END_TRY();
	SPI_finish();
	return PointerGetDatum(NULL);
}

/*
 * BEFORE INSERT OR UPDATE ON scsm.retention_due FOR EACH ROW (ENABLE
 * ALWAYS): the write path and disposal write the queue directly from C (no
 * trigger fires), this file's code moves it with the stamps; any row
 * written through SQL otherwise, by anyone, must be an exact copy of its
 * ledger entry's stamp, key, version, hash and class, so no UPDATE or
 * INSERT can make a record due before its stamp says (55000).  Removing a
 * row only keeps its record longer.  pg_restore (restore mode) loads the
 * dumped queue as it was.
 */
Datum
scsm_retention_due_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	HeapTuple	newt;
	TupleDesc	desc;
	Oid			types[8] = {INT4OID, TIMESTAMPTZOID, INT8OID, TEXTOID, INT4OID, BYTEAOID, INT4OID, TIDOID};
	Datum		args[8];
	char		nulls[8] = "        ";
	ItemPointerData self;
	bool		found;
	bool		dup;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || TRIGGER_FIRED_BY_DELETE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("scsm.retention_due_guard() must be a BEFORE INSERT OR UPDATE row trigger")));
	newt = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	if (retention_due_sync || scsm_restore_mode)
		return PointerGetDatum(newt);

	/*
	 * A superuser's pg_restore (its default application_name), as for the
	 * ledger trigger: with parallel jobs the queue may arrive before the
	 * ledger entries it copies are committed.  scsm.retention_due_rebuild()
	 * rewrites the queue from the stamps if in doubt.
	 */
	if (application_name != NULL && strcmp(application_name, "pg_restore") == 0 && superuser())
		return PointerGetDatum(newt);
	desc = RelationGetDescr(td->tg_relation);
	for (int i = 0; i < 7; i++)
	{
		bool		isnull;

		args[i] = heap_getattr(newt, i + 1, desc, &isnull);
		if (isnull)
			nulls[i] = 'n';
	}
	/* the row itself, when it is an UPDATE, is not its own duplicate */
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		self = td->tg_trigtuple->t_self;
	else
		ItemPointerSet(&self, 0, 0);
	args[7] = PointerGetDatum(&self);
	SPI_connect();
	if (SPI_execute_with_args("SELECT 1 FROM scsm.ledger_row l "
							  "WHERE l.table_id = $1 AND l.row_key = $4 AND l.entry_id = $3 "
							  "  AND l.version = $5 AND l.row_hash = $6 "
							  "  AND l.retention_class = $7 AND l.retain_until = $2",
							  7, types, args, nulls, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read scsm.ledger_row");
	found = SPI_processed > 0;
	/* one queue row per entry: a second copy would fail every batch */
	if (SPI_execute_with_args("SELECT 1 FROM scsm.retention_due d "
							  "WHERE d.table_id = $1 AND d.retain_until = $2 AND d.entry_id = $3 "
							  "  AND d.ctid <> $8",
							  8, types, args, nulls, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read scsm.retention_due");
	dup = SPI_processed > 0;
	SPI_finish();
	if (dup)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("entry " INT64_FORMAT " is in the due queue already", DatumGetInt64(args[2])),
				 errdetail("The due queue holds one row per ledger entry waiting for disposal."),
				 errhint("Leave the queue to scsm; scsm.retention_due_rebuild() rewrites it from the stamps.")));
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("a row of the due queue must match its ledger entry"),
				 errdetail("Entry " INT64_FORMAT " of table %d has no such stamp in scsm.ledger_row.",
						   DatumGetInt64(args[2]), DatumGetInt32(args[0])),
				 errhint("The due queue follows the stamps in scsm.ledger_row; change those instead.")));
	return PointerGetDatum(newt);
}

/*
 * AFTER UPDATE ON scsm.retention_exception FOR EACH ROW: when an
 * exception becomes approved (its BEFORE trigger has checked who approves),
 * lower retain_until of the records it covers to basis + its period: those
 * still waiting in the due queue, whose rows move with them (RestampClass);
 * disposed records keep the stamp they went under.
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
	bool		all_tables,
				all_orgs;
	Oid			save_userid;
	int			save_sec;
	int			sp;				/* LedgerPinSearchPath */
	uint64		n;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("scsm.retention_apply_exception() must be an AFTER UPDATE row trigger")));
	desc = RelationGetDescr(td->tg_relation);
	newt = td->tg_newtuple;
	status = SPI_getvalue(newt, desc, SPI_fnumber(desc, "status"));
	if (status == NULL || strcmp(status, "approved") != 0)
		return PointerGetDatum(NULL);
	{
		char	   *old = SPI_getvalue(td->tg_trigtuple, desc, SPI_fnumber(desc, "status"));

		if (old != NULL && strcmp(old, "approved") == 0)
			return PointerGetDatum(NULL);
	}
	args[0] = heap_getattr(newt, SPI_fnumber(desc, "class_id"), desc, &isnull);
	args[1] = heap_getattr(newt, SPI_fnumber(desc, "period"), desc, &isnull);
	args[2] = heap_getattr(newt, SPI_fnumber(desc, "schema_name"), desc, &all_tables);
	args[3] = heap_getattr(newt, SPI_fnumber(desc, "table_name"), desc, &isnull);
	all_tables = all_tables || isnull;
	args[4] = heap_getattr(newt, SPI_fnumber(desc, "org_id"), desc, &all_orgs);

	SPI_connect();
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(LedgerOwnerId(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	sp = LedgerPinSearchPath();
	n = RestampClass(args[0], args[1], false, args[2], args[3], all_tables, args[4], all_orgs);
	LogEvent("exception_applied", InvalidOid, (int64) n,
			 psprintf("{\"exception_id\": " INT64_FORMAT "}",
					  DatumGetInt64(heap_getattr(newt, SPI_fnumber(desc, "exception_id"), desc, &isnull))));
	LedgerUnpinSearchPath(sp);
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
	char	   *stmt_arch;		/* archive copies of rows about to go */
	char	   *stmt_arch_read;	/* archive copies: the rows as JSON */
	char	   *stmt_anon;		/* delete + anonymised replacement */
	char	   *stmt_del;		/* delete by row address */
	char	   *stmt_find;		/* row addresses by key (queue path) */
	char	   *stmt_hist;		/* earlier versions, versioned only */
	char	   *stmt_hist_read;	/* ... archived ones as JSON */
	char	   *stmt_hist_arch;	/* ... their archive copies */
	char	   *stmt_hist_del;	/* ... deleted */
	Datum		details;		/* jsonb text for certificates, or 0 */
	uint64		run;			/* run of dispose_all_expired, or 0 */
} DisposeTarget;

/*
 * The anonymised replacement of deleted rows: $1 their addresses, $2 the
 * columns to anonymise.  Returns how many rows were deleted.
 */
static char *
AnonymiseStatement(DisposeTarget *t)
{
	TupleDesc	desc = t->info->desc;
	StringInfoData cols,
				exprs,
				q;

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
		appendStringInfo(&exprs, "%sCASE WHEN %s = ANY ($2::text[]) THEN %s ELSE d.%s END",
						 exprs.len ? ", " : "", quote_literal_cstr(NameStr(a->attname)), anon, col);
	}
	initStringInfo(&q);
	appendStringInfo(&q,
					 "WITH d AS (DELETE FROM ONLY %s t WHERE t.ctid = ANY ($1::pg_catalog.tid[]) RETURNING t.*), "
					 "n AS (INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM d RETURNING 1) "
					 "SELECT (SELECT pg_catalog.count(*) FROM d), (SELECT pg_catalog.count(*) FROM n)",
					 t->qrel, t->qrel, cols.data, exprs.data);
	return q.data;
}

/*
 * Build the statements of a disposal batch for one table.  The batch
 * itself (DisposeEntries) is set-based: one statement per step for the
 * whole batch, each taking arrays that the C code filled.
 */
static void
BuildStatements(DisposeTarget *t)
{
	StringInfoData q;
	const char *nsp = quote_literal_cstr(t->info->nspname);
	const char *rel = quote_literal_cstr(t->info->relname);

	/*
	 * Archive copies in two steps: $1 row addresses: each row's address and
	 * JSON, read as the table's owner (to_jsonb may call the owner's casts:
	 * RunStepAsOwner); then, as the ledger owner, $1 row addresses, $2
	 * keys, $3 versions, $4 ledger hashes, $5 and $6 what the first step
	 * read, into the archive.
	 */
	initStringInfo(&q);
	appendStringInfo(&q,
					 "SELECT t.ctid, pg_catalog.to_jsonb(t.*) FROM ONLY %s t "
					 "WHERE t.ctid OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.tid[])",
					 t->qrel);
	t->stmt_arch_read = q.data;
	initStringInfo(&q);
	appendStringInfo(&q,
					 "INSERT INTO scsm.retention_archive (schema_name, table_name, row_key, version, row_hash, row_data) "
					 "SELECT %s, %s, c.k, c.v, c.h, s.data "
					 "FROM ROWS FROM (pg_catalog.unnest($5::pg_catalog.tid[]), pg_catalog.unnest($6::jsonb[])) AS s(tid, data) "
					 "JOIN ROWS FROM (pg_catalog.unnest($1::pg_catalog.tid[]), pg_catalog.unnest($2::text[]), "
					 "pg_catalog.unnest($3::integer[]), pg_catalog.unnest($4::bytea[])) AS c(tid, k, v, h) "
					 "ON c.tid = s.tid",
					 nsp, rel);
	t->stmt_arch = q.data;

	if (!t->versioned)
		t->stmt_anon = AnonymiseStatement(t);

	initStringInfo(&q);
	appendStringInfo(&q, "DELETE FROM ONLY %s t WHERE t.ctid = ANY ($1::pg_catalog.tid[])", t->qrel);
	t->stmt_del = q.data;

	/* $1 keys: the position of each key found and its row's address */
	initStringInfo(&q);
	appendStringInfo(&q,
					 "SELECT k.scsm_i, t.ctid FROM pg_catalog.unnest($1::text[]) WITH ORDINALITY k(scsm_key, scsm_i) "
					 "JOIN ONLY %s t ON %s",
					 t->qrel, LedgerKeyPredicate(t->info, "t", "k.scsm_key"));
	t->stmt_find = q.data;

	if (!t->versioned)
		return;

	/*
	 * $1 keys disposed: every earlier version in the history table goes
	 * too; each comes back as a certificate line (the position of its key in
	 * $1, version, the ledger's hash and entry of that version, whether the
	 * row no longer matches it, and the class and retain_until that version
	 * was stamped with), and the caller adds the lines to the batch's
	 * certificate.  Read and hashed as the ledger owner (no code of the
	 * table owner's runs: encoding uses the types' send functions).
	 */
	initStringInfo(&q);
	appendStringInfo(&q,
					 "WITH hd AS (SELECT h.*, k.scsm_key, k.scsm_i FROM ONLY %s h "
					 "JOIN pg_catalog.unnest($1::text[]) WITH ORDINALITY k(scsm_key, scsm_i) ON %s), "
					 "hv AS (SELECT hd.scsm_key, hd.scsm_i, hd.scsm_version, scsm.row_hash(%u::pg_catalog.regclass, hd.*) AS h, "
					 "l.entry_id, l.row_hash AS lh, vc.name AS cn, l.retain_until AS ru "
					 "FROM hd LEFT JOIN LATERAL (SELECT l.* FROM scsm.ledger_row l WHERE l.table_id = %d AND l.row_key = hd.scsm_key "
					 "AND l.version = hd.scsm_version ORDER BY l.entry_id DESC LIMIT 1) l ON true "
					 "LEFT JOIN scsm.retention_class vc ON vc.class_id = l.retention_class) "
					 "SELECT hv.scsm_i, hv.scsm_version, hv.lh, hv.entry_id, (hv.lh IS NULL OR hv.h <> hv.lh), hv.cn, hv.ru "
					 "FROM hv ORDER BY 1, 2",
					 t->qhist, LedgerKeyPredicate(t->info, "h", "k.scsm_key"),
					 t->info->relid, t->table_id);
	t->stmt_hist = q.data;

	/*
	 * $1 keys disposed, $2 keys archived: the archived keys' versions as
	 * JSON, read as the table's owner (to_jsonb may call the owner's casts)
	 */
	initStringInfo(&q);
	appendStringInfo(&q,
					 "SELECT k.scsm_key, h.scsm_version, pg_catalog.to_jsonb(h.*) FROM ONLY %s h "
					 "JOIN pg_catalog.unnest($1::text[]) k(scsm_key) ON %s "
					 "WHERE k.scsm_key OPERATOR(pg_catalog.=) ANY ($2::text[])",
					 t->qhist, LedgerKeyPredicate(t->info, "h", "k.scsm_key"));
	t->stmt_hist_read = q.data;

	/* $1 keys, $2 versions, $3 JSON: the archive copies, as the ledger owner */
	initStringInfo(&q);
	appendStringInfo(&q,
					 "INSERT INTO scsm.retention_archive (schema_name, table_name, row_key, version, row_hash, row_data) "
					 "SELECT %s, %s, d.k, d.v, l.row_hash, d.data "
					 "FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::integer[]), "
					 "pg_catalog.unnest($3::jsonb[])) AS d(k, v, data) "
					 "LEFT JOIN LATERAL (SELECT l.row_hash FROM scsm.ledger_row l WHERE l.table_id = %d AND l.row_key = d.k "
					 "AND l.version = d.v ORDER BY l.entry_id DESC LIMIT 1) l ON true",
					 nsp, rel, t->table_id);
	t->stmt_hist_arch = q.data;

	/* $1 keys disposed: their history rows go, deleted as the table's owner */
	initStringInfo(&q);
	appendStringInfo(&q,
					 "DELETE FROM ONLY %s h USING pg_catalog.unnest($1::text[]) k(scsm_key) WHERE %s",
					 t->qhist, LedgerKeyPredicate(t->info, "h", "k.scsm_key"));
	t->stmt_hist_del = q.data;
}

/* Columns of the candidate list DisposeEntries reads */
enum
{
	CAND_ENTRY = 1, CAND_KEY, CAND_VERSION, CAND_HASH, CAND_CLASS, CAND_UNTIL,
	CAND_ACTION, CAND_ANON, CAND_REVIEW, CAND_APPROVER, CAND_DTID, CAND_RTID,
	CAND_NCOLS = CAND_RTID
};

/* One growing array per certificate column, and the other per-batch lists. */
typedef struct DisposeArrays
{
	ArrayBuildState *cols[LEDGER_CERT_COLS];	/* key .. approver (cert_col order) */
	ArrayBuildState *qtids;		/* due queue rows to delete */
	ArrayBuildState *dtids;		/* rows to DELETE (delete and archive) */
	ArrayBuildState *atids,		/* archive: addresses, keys, versions, hashes */
			   *akeys,
			   *avers,
			   *ahash;
	int			nanon;			/* anonymise: groups by the columns named */
	char	  **anon_cols;
	ArrayBuildState **anon_tids;
	Datum	   *anon_arr;
} DisposeArrays;

/* -DRETENTION_TIMING logs the time of each step of a batch (development) */
#ifdef RETENTION_TIMING
static double tm_last;
static void
TM(const char *what)
{
	struct rusage ru;
	double		now;

	getrusage(RUSAGE_SELF, &ru);
	now = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	if (what)
		elog(LOG, "retention step %s: %.1f ms CPU", what, (now - tm_last) * 1000);
	tm_last = now;
}
#else
#define TM(what) ((void) 0)
#endif

/* Run one statement of the batch with the arrays; returns SPI_processed. */
static uint64
RunStep(const char *sql, int nargs, Oid *types, Datum *args, const char *nulls, int expect)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, args, nulls, false, 0);

	if (rc != expect)
		elog(ERROR, "disposal statement failed: %s", SPI_result_code_string(rc));
	return SPI_processed;
}

/*
 * Run a statement that writes the table's rows (the DELETE, anonymised
 * replacements) as the table's owner in a restricted security context, as
 * the write path writes history rows: the owner's triggers and column
 * defaults never run with the rights of whoever disposes (a superuser,
 * pg_cron).  Row level security the owner forces on the table does not
 * apply, as to PostgreSQL's foreign-key checks (SECURITY_NOFORCE_RLS): the
 * rows disposal checked are the rows it deletes.
 */
static uint64
RunStepAsOwner(DisposeTarget *t, const char *sql, int nargs, Oid *types, Datum *args, int expect)
{
	Oid			save_userid;
	int			save_sec;
	uint64		n;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(t->info->relowner, save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION | SECURITY_NOFORCE_RLS);
	n = RunStep(sql, nargs, types, args, NULL, expect);
	SetUserIdAndSecContext(save_userid, save_sec);
	return n;
}

/*
 * A row address as one number in the order of the table (block, then line
 * pointer), and a position: sorted by sort_tidpos, inlined, as tens of
 * thousands of addresses are per batch.
 */
typedef struct TidPos
{
	uint64		key;
	uint64		pos;
} TidPos;

static inline uint64
TidKey(ItemPointer tid)
{
	return ((uint64) ItemPointerGetBlockNumberNoCheck(tid) << 16) |
		ItemPointerGetOffsetNumberNoCheck(tid);
}

#define ST_SORT sort_tidpos
#define ST_ELEMENT_TYPE TidPos
#define ST_COMPARE(a, b) ((a)->key < (b)->key ? -1 : (a)->key > (b)->key ? 1 : 0)
#define ST_SCOPE static
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/* Sort an array of tid Datums in the order of the table. */
static void
SortTidDatums(Datum *tids, int n)
{
	TidPos	   *o = palloc(sizeof(TidPos) * Max(n, 1));
	Datum	   *copy = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		o[i].key = TidKey((ItemPointer) DatumGetPointer(tids[i]));
		o[i].pos = i;
	}
	sort_tidpos(o, n);
	memcpy(copy, tids, sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
		tids[i] = copy[o[i].pos];
	pfree(copy);
	pfree(o);
}

/* Heap deletes of the tuples at tids (Datums of ItemPointer), then CCI. */
static void
HeapDeleteAt(Relation rel, ArrayBuildState *tids)
{
	for (int i = 0; i < tids->nelems; i++)
	{
		CHECK_FOR_INTERRUPTS();
		simple_heap_delete(rel, (ItemPointer) DatumGetPointer(tids->dvalues[i]));
	}
	CommandCounterIncrement();
}

/*
 * The disposed entries leave the due queue: heap deletes of their queue
 * rows (the addresses the candidate list returned), in the order of the
 * queue's pages.  Nothing in scsm.ledger_row changes: the stamp stays, and
 * the certificate says the entry was disposed of.  The queue rows are not
 * locked beforehand (the table's disposal lock keeps other disposers out);
 * a row that a class change or an exception moved meanwhile makes the
 * delete fail, and with it the batch, which is then retried row by row
 * against the new stamps.
 */
static void
DeleteDue(ArrayBuildState *qtids)
{
	Relation	rel = table_open(LedgerDueRelid(), RowExclusiveLock);

	SortTidDatums(qtids->dvalues, qtids->nelems);
	HeapDeleteAt(rel, qtids);
	table_close(rel, NoLock);
}

/*
 * Delete the rows at tids directly (heap deletes, no executor) when the
 * executor would do nothing more: a plain heap table on which nothing but
 * the ledger's own refusal triggers fires on DELETE (no foreign key points
 * at it, no trigger of its owner) and no rule applies.  The refusal
 * triggers would only let the disposal through; the BEFORE ROW one would
 * also lock each row first, a WAL record per row for nothing.  Returns
 * false, having done nothing, when the table needs the DELETE statement.
 * A row deleted or updated meanwhile is an error (the batch is then retried
 * row by row), as a changed DELETE count is on the statement path.
 */
static bool
DirectDelete(Oid relid, ArrayBuildState *tids)
{
	Relation	rel = table_open(relid, RowExclusiveLock);
	TriggerDesc *td = rel->trigdesc;
	Oid			scsm_nsp = get_namespace_oid("scsm", false);
	bool		ok = rel->rd_rel->relkind == RELKIND_RELATION &&
		rel->rd_rel->relam == HEAP_TABLE_AM_OID && rel->rd_rules == NULL;

	for (int i = 0; ok && td != NULL && i < td->numtriggers; i++)
	{
		Trigger    *tg = &td->triggers[i];
		char	   *fname;

		if (!TRIGGER_FOR_DELETE(tg->tgtype))
			continue;
		fname = get_func_name(tg->tgfoid);
		if (fname == NULL || strcmp(fname, "ledger_refuse") != 0 ||
			get_func_namespace(tg->tgfoid) != scsm_nsp)
			ok = false;
	}
	if (ok)
		HeapDeleteAt(rel, tids);
	table_close(rel, NoLock);
	return ok;
}

/*
 * The writes of a batch, once the rows are checked: archive copies,
 * anonymised replacements, the DELETE, the history of versioned rows, the
 * certificates with their ledger entry, the due queue.
 */
static void
WriteBatch(DisposeTarget *t, DisposeArrays *arr, int64 ndisposed)
{
	Datum		keys = makeArrayResult(arr->cols[0], CurrentMemoryContext);

	/* archive copies, while the rows are still there */
	if (arr->atids->nelems > 0)
	{
		Oid			at[6] = {TIDARRAYOID, TEXTARRAYOID, INT4ARRAYOID, BYTEAARRAYOID,
		TIDARRAYOID, JSONBARRAYOID};
		Datum		aa[6];
		ArrayBuildState *rtid = initArrayResult(TIDOID, CurrentMemoryContext, false);
		ArrayBuildState *rdata = initArrayResult(JSONBOID, CurrentMemoryContext, false);
		uint64		nread;

		aa[0] = makeArrayResult(arr->atids, CurrentMemoryContext);
		aa[1] = makeArrayResult(arr->akeys, CurrentMemoryContext);
		aa[2] = makeArrayResult(arr->avers, CurrentMemoryContext);
		aa[3] = makeArrayResult(arr->ahash, CurrentMemoryContext);
		nread = RunStepAsOwner(t, t->stmt_arch_read, 1, at, aa, SPI_OK_SELECT);
		for (uint64 r = 0; r < nread; r++)
		{
			bool		n1,
						n2;
			Datum		tid = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &n1);
			Datum		data = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &n2);

			accumArrayResult(rtid, tid, n1, TIDOID, CurrentMemoryContext);
			accumArrayResult(rdata, data, n2, JSONBOID, CurrentMemoryContext);
		}
		aa[4] = makeArrayResult(rtid, CurrentMemoryContext);
		aa[5] = makeArrayResult(rdata, CurrentMemoryContext);
		if (RunStep(t->stmt_arch, 6, at, aa, NULL, SPI_OK_INSERT) != (uint64) arr->atids->nelems)
			elog(ERROR, "disposal archived an unexpected number of rows");
	}
	/* anonymised replacements, one statement per set of columns */
	for (int g = 0; g < arr->nanon; g++)
	{
		Oid			at[2] = {TIDARRAYOID, TEXTARRAYOID};
		Datum		aa[2];
		ArrayType  *tids = DatumGetArrayTypeP(makeArrayResult(arr->anon_tids[g], CurrentMemoryContext));
		bool		isnull;
		int64		nwant = ArrayGetNItems(ARR_NDIM(tids), ARR_DIMS(tids));
		int64		ngot;

		aa[0] = PointerGetDatum(tids);
		aa[1] = arr->anon_arr[g];
		RunStepAsOwner(t, t->stmt_anon, 2, at, aa, SPI_OK_SELECT);
		ngot = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		if (ngot != nwant)
			LedgerDisposalKeptRows(t->info->relname, nwant, ngot);
	}
	/* the rows themselves */
	if (arr->dtids->nelems > 0 && !DirectDelete(t->info->relid, arr->dtids))
	{
		Oid			dt[1] = {TIDARRAYOID};
		Datum		da[1];
		uint64		ndel;

		da[0] = makeArrayResult(arr->dtids, CurrentMemoryContext);
		ndel = RunStepAsOwner(t, t->stmt_del, 1, dt, da, SPI_OK_DELETE);
		if (ndel != (uint64) arr->dtids->nelems)
			LedgerDisposalKeptRows(t->info->relname, arr->dtids->nelems, ndel);
	}
	TM("delete");

	/* versioned: the earlier versions of the disposed rows */
	if (t->versioned)
	{
		Oid			ht[2] = {TEXTARRAYOID, TEXTARRAYOID};
		Datum		ha[2];
		SPITupleTable *tt;
		uint64		nh;

		ha[0] = keys;
		ha[1] = makeArrayResult(arr->akeys, CurrentMemoryContext);
		nh = RunStep(t->stmt_hist, 1, ht, ha, NULL, SPI_OK_SELECT);
		tt = SPI_tuptable;
		for (uint64 r = 0; r < nh; r++)
		{
			bool		isnull;
			int64		i = DatumGetInt64(SPI_getbinval(tt->vals[r], tt->tupdesc, 1, &isnull)) - 1;
			MemoryContext cxt = arr->cols[0]->mcontext;

			if (DatumGetBool(SPI_getbinval(tt->vals[r], tt->tupdesc, 5, &isnull)))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("history of a row of table \"%s\" does not match its ledger entries",
								t->info->relname),
						 errdetail("A record whose versions were altered cannot be certified as disposed."),
						 errhint("Run scsm.verify_ledger() and investigate.")));
			if (i < 0 || i >= ndisposed)
				elog(ERROR, "disposal of a history row lost its key");
			/*
			 * version, hash, entry, class and retain_until its own; key,
			 * action and approval as the current version's line
			 */
			for (int c = 0; c < LEDGER_CERT_COLS; c++)
			{
				Datum		v;
				bool		vnull;

				if (c >= 1 && c <= 3)
					v = SPI_getbinval(tt->vals[r], tt->tupdesc, c + 1, &vnull);
				else if (c == 4 || c == 5)
					v = SPI_getbinval(tt->vals[r], tt->tupdesc, c + 2, &vnull);
				else
				{
					v = arr->cols[c]->dvalues[i];
					vnull = arr->cols[c]->dnulls[i];
				}
				accumArrayResult(arr->cols[c], v, vnull, arr->cols[c]->element_type, cxt);
			}
		}
		/* archive copies of the archived keys' versions */
		if (arr->akeys->nelems > 0 && nh > 0)
		{
			Oid			xt[3] = {TEXTARRAYOID, INT4ARRAYOID, JSONBARRAYOID};
			Datum		xa[3];
			ArrayBuildState *xk = initArrayResult(TEXTOID, CurrentMemoryContext, false);
			ArrayBuildState *xv = initArrayResult(INT4OID, CurrentMemoryContext, false);
			ArrayBuildState *xd = initArrayResult(JSONBOID, CurrentMemoryContext, false);
			uint64		nx = RunStepAsOwner(t, t->stmt_hist_read, 2, ht, ha, SPI_OK_SELECT);

			for (uint64 r = 0; r < nx; r++)
			{
				bool		n1,
							n2,
							n3;
				Datum		k = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &n1);
				Datum		v = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &n2);
				Datum		d = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 3, &n3);

				accumArrayResult(xk, k, n1, TEXTOID, CurrentMemoryContext);
				accumArrayResult(xv, v, n2, INT4OID, CurrentMemoryContext);
				accumArrayResult(xd, d, n3, JSONBOID, CurrentMemoryContext);
			}
			if (nx > 0)
			{
				xa[0] = makeArrayResult(xk, CurrentMemoryContext);
				xa[1] = makeArrayResult(xv, CurrentMemoryContext);
				xa[2] = makeArrayResult(xd, CurrentMemoryContext);
				if (RunStep(t->stmt_hist_arch, 3, xt, xa, NULL, SPI_OK_INSERT) != nx)
					elog(ERROR, "disposal archived an unexpected number of history rows");
			}
		}
		/* and the history rows go, as the table's owner */
		if (nh > 0)
		{
			uint64		ndel;

			ledger_disposal_relid = t->histrelid;
			ndel = RunStepAsOwner(t, t->stmt_hist_del, 1, ht, ha, SPI_OK_DELETE);
			if (ndel != nh)
				LedgerDisposalKeptRows(get_rel_name(t->histrelid), nh, ndel);
		}
	}
	TM("hist");

	/* the certificates: one ledgered batch row, a line per disposed version */
	if (LedgerWriteCertBatch(t->info->nspname, t->info->relname, arr->cols,
							 "retention period expired",
							 t->details ? TextDatumGetCString(t->details) : NULL) == 0)
		elog(ERROR, "disposal wrote no certificate");
	TM("certledger");

	/* the disposed entries leave the due queue */
	DeleteDue(arr->qtids);
	TM("due");
}

/* One disposal candidate: the columns of the candidate list (CAND_*). */
typedef struct DisposeCand
{
	Datum		v[CAND_NCOLS];
	bool		n[CAND_NCOLS];
	char	   *action;			/* delete, anonymise or archive */
	char	   *anon;			/* anonymise: the columns, as text */
	bool		checked;		/* read by its address and hash checked already */
	bool		held;			/* and a legal hold holds it (queue path) */
	HeapTuple	qcopy;			/* queue path: its queue row, which v[] points into */
} DisposeCand;

#define CV(c, col) ((c)->v[(col) - 1])

/* The candidates of scsm.retention_candidates (the general path), via SPI. */
static DisposeCand *
CandidatesFromSQL(DisposeTarget *t, Datum ids, int32 max_rows, uint64 *ncand)
{
	Oid			ctypes[3] = {REGCLASSOID, INT4OID, INT8ARRAYOID};
	Datum		cargs[3];
	char		cnulls[3] = "   ";
	SPITupleTable *tt;
	DisposeCand *c;

	cargs[0] = ObjectIdGetDatum(t->info->relid);
	cargs[1] = Int32GetDatum(max_rows);
	if (max_rows <= 0)
		cnulls[1] = 'n';
	cargs[2] = ids;
	if (ids == (Datum) 0)
		cnulls[2] = 'n';
	if (SPI_execute_with_args("SELECT scsm_entry_id, scsm_row_key, scsm_version, scsm_row_hash, scsm_class_name, "
							  "scsm_retain_until, scsm_action, scsm_anon_cols, scsm_review_id, scsm_approved_by, "
							  "scsm_due_tid, scsm_row_tid "
							  "FROM scsm.retention_candidates($1, $2, $3, 'eligible')",
							  3, ctypes, cargs, cnulls, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the disposal candidates");
	tt = SPI_tuptable;
	*ncand = SPI_processed;
	if (tt->tupdesc->natts != CAND_NCOLS)
		elog(ERROR, "unexpected shape of the disposal candidates");
	c = palloc0(sizeof(DisposeCand) * Max(*ncand, 1));
	for (uint64 i = 0; i < *ncand; i++)
	{
		heap_deform_tuple(tt->vals[i], tt->tupdesc, c[i].v, c[i].n);
		c[i].action = c[i].n[CAND_ACTION - 1] ? "delete" : TextDatumGetCString(CV(&c[i], CAND_ACTION));
		if (strcmp(c[i].action, "anonymise") == 0)
			c[i].anon = SPI_getvalue(tt->vals[i], tt->tupdesc, CAND_ANON);
	}
	return c;
}

/* What the queue path needs to know of a retention class. */
typedef struct DueClass
{
	int32		class_id;
	Datum		name;			/* text */
	Datum		action;			/* text */
	char	   *action_c;
	Datum		anon;			/* text[], or 0 */
	char	   *anon_c;
	bool		needs_approval;
} DueClass;

/*
 * Has any row of the table a disposal review?  (Reviews are listed for
 * classes that need approval; a class changed since keeps them, and a
 * certificate names its review wherever there is one.)
 */
static bool
AnyReview(DisposeTarget *t)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		args[2];
	bool		isnull;

	args[0] = CStringGetTextDatum(t->info->nspname);
	args[1] = CStringGetTextDatum(t->info->relname);
	if (SPI_execute_with_args("SELECT EXISTS (SELECT 1 FROM scsm.disposal_review r "
							  "WHERE r.schema_name = $1 AND r.table_name = $2)",
							  2, types, args, NULL, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the disposal reviews");
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* The retention classes (a small table), for the queue path. */
static DueClass *
LoadClasses(int *n)
{
	DueClass   *cl;
	SPITupleTable *tt;

	if (SPI_execute("SELECT class_id, name, action, anonymise_columns, needs_approval FROM scsm.retention_class",
					false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the retention classes");
	tt = SPI_tuptable;
	*n = (int) SPI_processed;
	cl = palloc0(sizeof(DueClass) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
	{
		bool		isnull;

		cl[i].class_id = DatumGetInt32(SPI_getbinval(tt->vals[i], tt->tupdesc, 1, &isnull));
		cl[i].name = SPI_getbinval(tt->vals[i], tt->tupdesc, 2, &isnull);
		cl[i].action = SPI_getbinval(tt->vals[i], tt->tupdesc, 3, &isnull);
		cl[i].action_c = TextDatumGetCString(cl[i].action);
		cl[i].anon = SPI_getbinval(tt->vals[i], tt->tupdesc, 4, &isnull);
		if (isnull)
			cl[i].anon = (Datum) 0;
		cl[i].anon_c = SPI_getvalue(tt->vals[i], tt->tupdesc, 4);
		cl[i].needs_approval = DatumGetBool(SPI_getbinval(tt->vals[i], tt->tupdesc, 5, &isnull));
	}
	return cl;
}

/*
 * The review of an entry in scsm.disposal_review, by its unique index on
 * entry_id: false when there is none; else its id and who decided (NULL
 * while pending, d->n says so) go into the candidate, as the general path's
 * join puts them, and *approved says whether it is approved.
 */
static bool
FindReview(Relation rrel, Oid ridx, Snapshot snap, int64 entry, DisposeCand *d, bool *approved)
{
	TupleDesc	desc = RelationGetDescr(rrel);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	*approved = false;
	ScanKeyInit(&key, RetentionColumn(desc, "entry_id"), BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(entry));
	scan = systable_beginscan(rrel, ridx, true, snap, 1, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		v = heap_getattr(tup, RetentionColumn(desc, "status"), desc, &isnull);

		found = true;
		*approved = !isnull && strcmp(TextDatumGetCString(v), "approved") == 0;
		v = heap_getattr(tup, RetentionColumn(desc, "review_id"), desc, &isnull);
		CV(d, CAND_REVIEW) = v;
		d->n[CAND_REVIEW - 1] = isnull;
		v = heap_getattr(tup, RetentionColumn(desc, "decided_by"), desc, &isnull);
		CV(d, CAND_APPROVER) = isnull ? (Datum) 0 : datumCopy(v, false, -1);
		d->n[CAND_APPROVER - 1] = isnull;
	}
	systable_endscan(scan);
	return found;
}

/*
 * Where the queue path's last scan of a table stopped reading, per backend
 * (a few tables, by table_id modulo DUE_MARKS; a lost mark costs a scan from
 * the start).  Only an order of reading: see CandidatesFromQueue.
 */
typedef struct DueMark
{
	bool		valid;
	int32		table_id;
	TimestampTz until;			/* the last entry read: its retain_until */
	int64		entry;			/* and its entry id (the index's order) */
	/*
	 * Within one run of scsm.dispose_all_expired (a run id, never 0): the
	 * run in which every entry before the mark has been read (entries kept
	 * back then stay so until the next run), and the run in which the
	 * table's due entries were all read (nothing more to dispose of in this
	 * run: no probe of the queue for it, which would step over every entry
	 * the run disposed of, deleted but in the index until a vacuum).
	 */
	uint64		clean_run;
	uint64		drained_run;
} DueMark;

#define DUE_MARKS 32
static DueMark due_marks[DUE_MARKS];

/* the last run id scsm.retention_run_begin() gave out in this session */
static uint64 retention_last_run = 0;

/* The slot of a table's mark (shared with other tables: check table_id). */
static inline DueMark *
DueMarkFor(int32 table_id)
{
	return &due_marks[(uint32) table_id % DUE_MARKS];
}

/*
 * Copies of the tuples at n addresses (tids: address and position) that snap
 * sees, read in the order of the table's pages with one pin per page; the
 * tids come back in that order, and out[i] is the tuple at tids[i] or NULL.
 * With hot, an address is the start of a HOT chain, as an index entry is
 * (heap_hot_search_buffer); without, it names one tuple version, as
 * heap_fetch reads it.  Row by row, reads in another order jump from page
 * to page.  Heap tables only.
 */
static void
ReadInPageOrder(Relation rel, Snapshot snap, TidPos *tids, uint64 n, bool hot, HeapTuple *out)
{
	Buffer		buf = InvalidBuffer;
	BlockNumber cur = InvalidBlockNumber;

	sort_tidpos(tids, n);
	for (uint64 i = 0; i < n; i++)
	{
		BlockNumber blk = (BlockNumber) (tids[i].key >> 16);
		OffsetNumber off = (OffsetNumber) (tids[i].key & 0xffff);
		Page		page;
		HeapTupleData tup;

		CHECK_FOR_INTERRUPTS();
		out[i] = NULL;
		if (blk != cur)
		{
			if (BufferIsValid(buf))
				ReleaseBuffer(buf);
			buf = ReadBuffer(rel, blk);
			cur = blk;
		}
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (hot)
		{
			ItemPointerData tid;
			bool		all_dead;

			ItemPointerSet(&tid, blk, off);
			if (heap_hot_search_buffer(&tid, rel, buf, snap, &tup, &all_dead, true))
				out[i] = heap_copytuple(&tup);
		}
		else if (off >= FirstOffsetNumber && off <= PageGetMaxOffsetNumber(page) &&
				 ItemIdIsNormal(PageGetItemId(page, off)))
		{
			ItemId		lp = PageGetItemId(page, off);

			tup.t_data = (HeapTupleHeader) PageGetItem(page, lp);
			tup.t_len = ItemIdGetLength(lp);
			tup.t_tableOid = RelationGetRelid(rel);
			ItemPointerSet(&tup.t_self, blk, off);
			if (HeapTupleSatisfiesVisibility(&tup, snap, buf))
				out[i] = heap_copytuple(&tup);
		}
		LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	}
	if (BufferIsValid(buf))
		ReleaseBuffer(buf);
}

/*
 * The next entries of an index range of the due queue: up to want addresses
 * in the index's order, then the queue rows there that snap sees
 * (ReadInPageOrder: the queue is in the order rows were written, the index
 * in retain_until order).  Copies go to out[], in the queue's order;
 * returns how many.  *exhausted when the range has ended; *last and
 * *last_entry are the retain_until and entry id of the last entry read.
 * Entries of deleted rows are not marked dead in the index here, as a
 * row-by-row index scan would: a vacuum of the queue removes them, and the
 * mark (retain_until and entry id) keeps later batches from reading them.
 */
#define DUE_CHUNK 8192			/* queue entries read at a time, at most */

static int
DueChunk(IndexScanDesc iscan, Relation due, Snapshot snap, int want, HeapTuple *out,
		 TidPos *tids, bool *exhausted, TimestampTz *last, int64 *last_entry)
{
	int			ntid = 0;
	int			nout = 0;

	while (ntid < want)
	{
		ItemPointer tid = index_getnext_tid(iscan, ForwardScanDirection);
		bool		isnull;
		Datum		u;

		if (tid == NULL)
		{
			*exhausted = true;
			break;
		}
		tids[ntid].key = TidKey(tid);
		tids[ntid].pos = ntid;
		ntid++;
		u = index_getattr(iscan->xs_itup, 2, iscan->xs_itupdesc, &isnull);
		if (!isnull)
			*last = DatumGetTimestampTz(u);
		u = index_getattr(iscan->xs_itup, 3, iscan->xs_itupdesc, &isnull);
		if (!isnull)
			*last_entry = DatumGetInt64(u);
	}
	/* in the queue's order: later steps then go through memory in order */
	ReadInPageOrder(due, snap, tids, ntid, true, out);
	for (int i = 0; i < ntid; i++)
		if (out[i] != NULL)
			out[nout++] = out[i];
	return nout;
}

/*
 * Read the rows at the candidates' remembered addresses (at: address and
 * candidate; ReadInPageOrder) and mark checked each candidate whose row is
 * there, visible to snap and hashes to its ledger entry, as heap_fetch and
 * a hash would row by row.  The others are looked up by key afterwards.
 * With holds, a checked row that one of them holds is marked held.
 */
#define CHECK_CHUNK 256

static void
CheckAtAddresses(DisposeTarget *t, Relation rel, Snapshot snap, DisposeCand *c,
				 TidPos *at, uint64 nat, RetHolds *holds)
{
	TupleDesc	desc = RelationGetDescr(rel);
	HeapTuple	rows[CHECK_CHUNK];
	int			nest = holds != NULL ? RetHoldsPin() : 0;
	MemoryContext holdcxt = NULL;

	/* what testing a row against the holds allocates goes with each row */
	if (holds != NULL)
		holdcxt = AllocSetContextCreate(CurrentMemoryContext, "scsm hold test",
										ALLOCSET_SMALL_SIZES);

	/* in the table's order, a few pages at a time (the copies stay few) */
	sort_tidpos(at, nat);
	for (uint64 i = 0; i < nat; i++)
	{
		DisposeCand *d = &c[at[i].pos];
		bytea	   *lhash;
		uint8		h[LEDGER_HASH_LEN];

		if (i % CHECK_CHUNK == 0)
			ReadInPageOrder(rel, snap, at + i, Min(CHECK_CHUNK, nat - i), false, rows);
		if (rows[i % CHECK_CHUNK] == NULL)
			continue;
		/* hashed without the page lock: a toasted value reads other pages */
		lhash = DatumGetByteaPP(CV(d, CAND_HASH));
		LedgerHashRow(t->info->nspname, t->info->relname, desc, rows[i % CHECK_CHUNK],
					  NULL, t->info->order, h);
		if (VARSIZE_ANY_EXHDR(lhash) == LEDGER_HASH_LEN &&
			memcmp(VARDATA_ANY(lhash), h, LEDGER_HASH_LEN) == 0)
		{
			d->checked = true;
			d->n[CAND_RTID - 1] = false;
			if (holds != NULL)
			{
				MemoryContext old = MemoryContextSwitchTo(holdcxt);

				d->held = RetHoldsMatch(holds, desc, rows[i % CHECK_CHUNK]);
				MemoryContextSwitchTo(old);
				MemoryContextReset(holdcxt);
			}
		}
		heap_freetuple(rows[i % CHECK_CHUNK]);
	}
	if (holds != NULL)
	{
		MemoryContextDelete(holdcxt);
		RetHoldsUnpin(nest);
	}
}

/*
 * With holds: check the candidates from..n-1, whose addresses are at[0..nat)
 * (CheckAtAddresses), and drop the held ones, so that held rows do not take
 * the batch's places.  Returns how many candidates are left in all.
 */
static uint64
DropHeld(DisposeTarget *t, Relation rel, Snapshot snap, DisposeCand *c, uint64 from,
		 uint64 n, TidPos *at, uint64 nat, RetHolds *holds)
{
	uint64		keep = from;

	CheckAtAddresses(t, rel, snap, c, at, nat, holds);
	for (uint64 i = from; i < n; i++)
		if (!c[i].held)
		{
			if (keep != i)
				c[keep] = c[i];
			keep++;
		}
		else
		{
			/* a run of held rows can be long: their copies go now */
			pfree(DatumGetPointer(CV(&c[i], CAND_DTID)));
			heap_freetuple(c[i].qcopy);
		}
	return keep;
}

/*
 * The scan keys of one range of the due queue's index (table_id,
 * retain_until, entry_id) for a table, all due now: pass 0 is what lies
 * after the mark (the same retain_until with a later entry, then later
 * retain_untils), pass 1 what lies up to it (earlier retain_untils, then the
 * same one up to the mark's entry), or everything due when there is no mark
 * (range 0 only).  Returns the number of keys, 0 for no such range.
 */
static int
DueRangeKeys(ScanKey key, int32 table_id, int pass, int seg, DueMark *mark)
{
	int			n = 0;

	ScanKeyInit(&key[n++], 1, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(table_id));
	ScanKeyInit(&key[n++], 2, BTLessEqualStrategyNumber, F_TIMESTAMPTZ_LE,
				TimestampTzGetDatum(RetentionNow()));
	if (mark == NULL)
		return (pass == 1 && seg == 0) ? n : 0;
	if ((pass == 0) == (seg == 0))
	{
		/* the mark's retain_until: entries after it (pass 0), up to it (pass 1) */
		ScanKeyInit(&key[n++], 2, BTEqualStrategyNumber, F_TIMESTAMPTZ_EQ,
					TimestampTzGetDatum(mark->until));
		ScanKeyInit(&key[n++], 3, pass == 0 ? BTGreaterStrategyNumber : BTLessEqualStrategyNumber,
					pass == 0 ? F_INT8GT : F_INT8LE, Int64GetDatum(mark->entry));
	}
	else
		ScanKeyInit(&key[n++], 2, pass == 0 ? BTGreaterStrategyNumber : BTLessStrategyNumber,
					pass == 0 ? F_TIMESTAMPTZ_GT : F_TIMESTAMPTZ_LT,
					TimestampTzGetDatum(mark->until));
	return n;
}

/*
 * The queue path, for the common case: an append-only heap table.  The
 * candidates are read from the due queue by its index in C (no statement
 * per batch): due entries in retain_until order, with an approved review or
 * none and a class that needs no approval.  Each row is read at the address
 * its queue row remembers, its hash checked against the entry's and, with
 * active legal holds, tested against them (a held row gives its place to
 * the next due one); an address that no longer holds the row (a restored or
 * rewritten table, a row altered or deleted around the rules) is looked up
 * by key with one statement for all such rows.  Returns NULL when the
 * general path must decide (a hold of the whole table, a row not at its
 * address while holds are active, or a due entry's row is gone: the
 * general path passes over such rows without counting them).  *sorted: the
 * candidates' row addresses in the table's order, when at hand.
 */
static DisposeCand *
CandidatesFromQueue(DisposeTarget *t, int32 max_rows, uint64 *ncand, TidPos **sorted)
{
	int			nclass;
	DueClass   *classes;
	DueClass   *cl = NULL;
	Relation	due,
				rel,
				rrel = NULL;
	Oid			dueidx,
				ridx = InvalidOid;
	List	   *indexes;
	Relation	duerel;
	ScanKeyData key[4];
	IndexScanDesc iscan;
	HeapTuple  *chunk;			/* queue rows read, a chunk at a time */
	TidPos	   *chunkpos;
	int			ngot,
				inext;
	bool		exhausted;
	Snapshot	snap;
	DisposeCand *c;
	uint64		n = 0;
	uint64		size = Min(max_rows, 1024);
	uint64		nmiss = 0;
	uint64	   *miss;
	TidPos	   *at;				/* remembered row addresses, and whose */
	uint64		nat = 0;
	TupleDesc	qdesc;
	BlockNumber nblocks;
	bool		any_review;
	DueMark    *mark;
	DueMark		start;
	bool		have_mark;
	bool		clean;
	bool		ran1 = false;
	bool		exhausted0 = false;
	bool		exhausted1 = false;
	RetHolds   *holds;
	bool		whole;
	uint64		checked_to = 0;

	/* rows are read page by page (CheckAtAddresses): heap tables only */
	rel = table_open(t->info->relid, RowExclusiveLock);
	if (rel->rd_rel->relam != HEAP_TABLE_AM_OID)
	{
		table_close(rel, NoLock);
		return NULL;
	}
	/*
	 * Active legal holds that can hold rows of the table are tested on each
	 * row read (retention_hold.c), as the general path's query tests them;
	 * a hold of the whole table leaves the batch to that path.
	 */
	holds = RetHoldsLoad(t->info->relid, t->info->nspname, t->info->relname,
						 RelationGetDescr(rel), &whole);
	if (whole)
	{
		table_close(rel, NoLock);
		return NULL;
	}
	any_review = AnyReview(t);
	classes = LoadClasses(&nclass);
	c = palloc0(sizeof(DisposeCand) * size);
	miss = palloc(sizeof(uint64) * size);
	at = palloc(sizeof(TidPos) * size);

	due = table_open(LedgerDueRelid(), AccessShareLock);
	qdesc = RelationGetDescr(due);
	if (qdesc->natts != 8)
		elog(ERROR, "scsm.retention_due has an unexpected shape");
	indexes = RelationGetIndexList(due);
	if (list_length(indexes) != 1)
		elog(ERROR, "scsm.retention_due has an unexpected index");
	dueidx = linitial_oid(indexes);
	duerel = index_open(dueidx, AccessShareLock);
	if (IndexRelationGetNumberOfKeyAttributes(duerel) != 3)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index of scsm.retention_due has %d key columns, not 3",
						IndexRelationGetNumberOfKeyAttributes(duerel)),
				 errhint("Recreate it as in this version's install script: "
						 "(table_id, retain_until, entry_id).")));
	chunk = palloc(sizeof(HeapTuple) * Min(max_rows, DUE_CHUNK));
	chunkpos = palloc(sizeof(TidPos) * Min(max_rows, DUE_CHUNK));
	snap = RegisterSnapshot(GetLatestSnapshot());
	/* an address from before a restore may lie past the table's end */
	nblocks = RelationGetNumberOfBlocks(rel);

	/*
	 * Two passes: from where this backend's last scan of the table stopped
	 * (earlier batches' disposed entries lie before it, deleted but still in
	 * the index until a vacuum: every scan from the start would step over
	 * them), then, if the batch is not full, what lies before that point
	 * (entries kept back, entries written later with an earlier date).
	 * Either pass sees only due entries: the mark decides what is read
	 * first, never what may go.
	 */
	mark = DueMarkFor(t->table_id);
	have_mark = mark->valid && mark->table_id == t->table_id;
	clean = have_mark && t->run != 0 && mark->clean_run == t->run;
	/* pass 1 ends where pass 0 began, not where pass 0 moves the mark to */
	start = *mark;
	for (int pass = have_mark ? 0 : 1; pass < 2 && n < (uint64) max_rows; pass++)
	{
		TimestampTz last = 0;
		int64		last_entry = 0;
		bool		any = false;

		/* in a run, what lies before the mark was read already */
		if (pass == 1 && clean)
			break;
		/* each pass is two ranges of the index, read in its order */
		exhausted = false;
		for (int seg = 0; seg < 2 && n < (uint64) max_rows; seg++)
		{
			int			nkeys = DueRangeKeys(key, t->table_id, pass, seg, have_mark ? &start : NULL);

			if (nkeys == 0)
				continue;
			iscan = index_beginscan(due, duerel, snap, nkeys, 0);
			iscan->xs_want_itup = true;
			index_rescan(iscan, key, nkeys, NULL, 0);
			exhausted = false;
			ngot = inext = 0;
			for (;;)
			{
				DisposeCand *d;
				Datum		qv[8];
				bool		qn[8];
				int32		class_id;
				HeapTuple	copy;

				CHECK_FOR_INTERRUPTS();
				/*
				 * With holds, each chunk's rows are read and tested before
				 * the next chunk: a held row does not take a place of the
				 * batch, which reads on instead.
				 */
				if (holds != NULL && inext == ngot && checked_to < n)
				{
					n = DropHeld(t, rel, snap, c, checked_to, n, at, nat, holds);
					checked_to = n;
					nat = 0;
					continue;
				}
				if (n >= (uint64) max_rows)
					break;
				if (inext == ngot)
				{
					if (exhausted)
						break;
					ngot = DueChunk(iscan, due, snap, (int) Min(max_rows - n, DUE_CHUNK), chunk, chunkpos,
									&exhausted, &last, &last_entry);
					inext = 0;
					any = any || ngot > 0;
					continue;
				}
				copy = chunk[inext++];
				d = &c[n];
				if (n == size)
				{
					size = Min(size * 2, (uint64) max_rows);
					c = repalloc(c, sizeof(DisposeCand) * size);
					miss = repalloc(miss, sizeof(uint64) * size);
					at = repalloc(at, sizeof(TidPos) * size);
					d = &c[n];
				}
				/* a place a dropped held candidate may have used before */
				memset(d, 0, sizeof(DisposeCand));
				d->qcopy = copy;
				heap_deform_tuple(copy, qdesc, qv, qn);
				class_id = DatumGetInt32(qv[6]);
				if (cl == NULL || cl->class_id != class_id)
				{
					cl = NULL;
					for (int i = 0; i < nclass; i++)
						if (classes[i].class_id == class_id)
							cl = &classes[i];
					if (cl == NULL)
					{
						/* no such class: not a candidate (as the join) */
						heap_freetuple(copy);
						continue;
					}
				}
				memset(d->n, true, sizeof(d->n));
				/* its review: needed where the class asks, certified wherever it exists */
				if (cl->needs_approval || any_review)
				{
					bool		approved;

					if (rrel == NULL)
					{
						Oid			nsp = get_namespace_oid("scsm", false);

						rrel = table_open(get_relname_relid("disposal_review", nsp), AccessShareLock);
						ridx = get_relname_relid("disposal_review_entry_id_key", nsp);
						if (!OidIsValid(ridx))
							elog(ERROR, "scsm.disposal_review has no index on entry_id");
					}
					/*
					 * awaiting approval: skipped, and its copy freed (a
					 * backlog is long); a row with a review goes only
					 * approved, whether or not its class (which a manager
					 * may change) still asks for one
					 */
					if (FindReview(rrel, ridx, snap, DatumGetInt64(qv[2]), d, &approved) ?
						!approved : cl->needs_approval)
					{
						heap_freetuple(copy);
						continue;
					}
				}
				CV(d, CAND_ENTRY) = qv[2];
				CV(d, CAND_KEY) = qv[3];
				CV(d, CAND_VERSION) = qv[4];
				CV(d, CAND_HASH) = qv[5];
				CV(d, CAND_CLASS) = cl->name;
				CV(d, CAND_UNTIL) = qv[1];
				CV(d, CAND_ACTION) = cl->action;
				CV(d, CAND_ANON) = cl->anon;
				d->n[CAND_ENTRY - 1] = d->n[CAND_KEY - 1] = d->n[CAND_VERSION - 1] = d->n[CAND_HASH - 1] = false;
				d->n[CAND_CLASS - 1] = d->n[CAND_UNTIL - 1] = d->n[CAND_ACTION - 1] = false;
				d->n[CAND_ANON - 1] = (cl->anon == (Datum) 0);
				d->action = cl->action_c;
				d->anon = cl->anon_c;
				{
					ItemPointer qtid = palloc(sizeof(ItemPointerData));

					*qtid = copy->t_self;
					CV(d, CAND_DTID) = PointerGetDatum(qtid);
					d->n[CAND_DTID - 1] = false;
				}
				/* the row's remembered address, read below in the table's order */
				if (!qn[7] && ItemPointerGetBlockNumber((ItemPointer) DatumGetPointer(qv[7])) < nblocks)
				{
					CV(d, CAND_RTID) = qv[7];
					at[nat].key = TidKey((ItemPointer) DatumGetPointer(qv[7]));
					at[nat].pos = n;
					nat++;
				}
				n++;
			}
			/* a full batch in a run: does the range go on? */
			if (!exhausted && t->run != 0 && n == (uint64) max_rows &&
				index_getnext_tid(iscan, ForwardScanDirection) == NULL)
				exhausted = true;
			index_endscan(iscan);
			/* the pass has ended when its last range has */
			if (seg == 0 && exhausted && n == (uint64) max_rows &&
				DueRangeKeys(key, t->table_id, pass, 1, have_mark ? &start : NULL) > 0)
				exhausted = false;
		}
		if (pass == 0)
			exhausted0 = exhausted;
		else
		{
			ran1 = true;
			exhausted1 = exhausted;
		}
		/* the next batch starts where this pass stopped reading */
		if (any && (pass == 0 || !have_mark))
		{
			mark->table_id = t->table_id;
			mark->until = last;
			mark->entry = last_entry;
			mark->valid = true;
			mark->clean_run = mark->drained_run = 0;
		}
	}
	/*
	 * In a run: everything before the mark has been read when pass 1 read
	 * from the start (no mark yet) or to its end, or a batch of this run did
	 * so before; and the table is drained when, besides, pass 0 (from the
	 * mark) came to the end of the due range.
	 */
	if (t->run != 0 && mark->valid && mark->table_id == t->table_id)
	{
		bool		now_clean = clean || (ran1 && (!have_mark || exhausted1));

		mark->clean_run = now_clean ? t->run : 0;
		mark->drained_run = (now_clean && (have_mark ? exhausted0 : exhausted1) &&
							 (!ran1 || exhausted1)) ? t->run : 0;
	}
	TM("queueread");
	if (holds == NULL)
		CheckAtAddresses(t, rel, snap, c, at, nat, NULL);
	TM("rowcheck");
	for (uint64 i = 0; i < n; i++)
		if (!c[i].checked)
		{
			c[i].n[CAND_RTID - 1] = true;
			miss[nmiss++] = i;
		}
	UnregisterSnapshot(snap);
	table_close(rel, NoLock);
	if (rrel != NULL)
		table_close(rrel, NoLock);
	index_close(duerel, NoLock);
	table_close(due, NoLock);
	list_free(indexes);
	pfree(chunk);
	pfree(chunkpos);

	/*
	 * rows not at their remembered address: by key, one statement for all;
	 * with holds, the general path, which tests them on the rows
	 */
	if (nmiss > 0 && holds != NULL)
		return NULL;
	if (nmiss > 0)
	{
		ArrayBuildState *keys = initArrayResult(TEXTOID, CurrentMemoryContext, false);
		Oid			kt[1] = {TEXTARRAYOID};
		Datum		ka[1];
		uint64		nf;

		for (uint64 i = 0; i < nmiss; i++)
			accumArrayResult(keys, CV(&c[miss[i]], CAND_KEY), false, TEXTOID, CurrentMemoryContext);
		ka[0] = makeArrayResult(keys, CurrentMemoryContext);
		nf = RunStep(t->stmt_find, 1, kt, ka, NULL, SPI_OK_SELECT);
		if (nf != (uint64) nmiss)
			return NULL;		/* a row is gone: the general path passes over it */
		for (uint64 r = 0; r < nf; r++)
		{
			bool		isnull;
			int64		i = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull)) - 1;
			Datum		tid = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &isnull);

			if (i < 0 || (uint64) i >= nmiss || !c[miss[i]].n[CAND_RTID - 1])
				return NULL;
			CV(&c[miss[i]], CAND_RTID) = tid;
			c[miss[i]].n[CAND_RTID - 1] = false;
		}
	}
	*ncand = n;
	/* every row at its remembered address: at is already in the table's order */
	*sorted = (holds == NULL && nmiss == 0 && nat == n) ? at : NULL;
	elog(DEBUG1, "disposal candidates of \"%s\" from the due queue: " UINT64_FORMAT " (" UINT64_FORMAT " found by key)",
		 t->info->relname, n, nmiss);
	return c;
}

/*
 * The candidates of a batch: from the due queue in C for an append-only
 * table (CandidatesFromQueue), else, or when that path gives up, from the
 * general query (CandidatesFromSQL).  On either path the holds' conditions
 * are converted once per run of dispose_all_expired (RetHoldsCacheRun,
 * retention_hold.c), not once per batch.
 */
static DisposeCand *
Candidates(DisposeTarget *t, Datum ids, int32 max_rows, uint64 *ncand, TidPos **order)
{
	uint64		prev = RetHoldsCacheRun(t->run);
	DisposeCand *volatile c = NULL;

	PG_TRY();
	{
		if (ids == (Datum) 0 && !t->versioned && max_rows > 0)
			c = CandidatesFromQueue(t, max_rows, ncand, order);
		if (c == NULL)
		{
			DueMark    *mark = DueMarkFor(t->table_id);

			/* the general path's batch: what the run knows of the table is void */
			if (mark->table_id == t->table_id)
				mark->clean_run = mark->drained_run = 0;
			c = CandidatesFromSQL(t, ids, max_rows, ncand);
		}
	}
	PG_FINALLY();
	{
		RetHoldsCacheRun(prev);
	}
	PG_END_TRY();
	return c;
}

/*
 * Dispose of the given ledger entries of one table (ids), or of up to
 * max_rows due ones.  Returns the number of rows disposed.  Runs inside SPI
 * as the ledger owner; the caller handles errors.
 *
 * 1. one query lists the eligible candidates (scsm.retention_candidates:
 *    due, present, unheld, approved);
 * 2. C reads each row and checks its hash against the ledger (an altered
 *    row is kept and reported);
 * 3. archive copies, anonymised replacements, the DELETE by row address,
 *    the certificate batch (one ledgered row) and the removal of the
 *    entries from the due queue each run once for the whole batch.
 */
static int64
DisposeEntries(DisposeTarget *t, Datum ids, int32 max_rows)
{
	DisposeCand *cand = NULL;
	uint64		ncand = 0;
	Relation	rel;
	TupleTableSlot *slot;
	Snapshot	snap;
	DisposeArrays arr;
	TidPos	   *order = NULL;
	static const int cert_col[LEDGER_CERT_COLS] = {CAND_KEY, CAND_VERSION, CAND_HASH, CAND_ENTRY,
		CAND_CLASS, CAND_UNTIL, CAND_ACTION, CAND_REVIEW, CAND_APPROVER};
	volatile int64 naltered = 0;
	volatile int64 ndisposed = 0;
	MemoryContext cxt = CurrentMemoryContext;

	TM(NULL);
	/* the common case from the queue in C, everything else in SQL */
	cand = Candidates(t, ids, max_rows, &ncand, &order);
	TM("cand");
	if (ncand == 0)
		return 0;
	(void) LedgerCurrentTxn();	/* the batch is recorded as the caller's */

	memset(&arr, 0, sizeof(arr));
	LedgerCertLinesInit(arr.cols, cxt);
	arr.qtids = initArrayResult(TIDOID, cxt, false);
	arr.dtids = initArrayResult(TIDOID, cxt, false);
	arr.atids = initArrayResult(TIDOID, cxt, false);
	arr.akeys = initArrayResult(TEXTOID, cxt, false);
	arr.avers = initArrayResult(INT4OID, cxt, false);
	arr.ahash = initArrayResult(BYTEAOID, cxt, false);

	/*
	 * read each row and check it against its ledger entry, in the order of
	 * the rows in the table (the candidates come in retain_until order):
	 * reads and deletes then go through the table's pages in order.  The
	 * queue path hands that order over when it read every row at its
	 * address.
	 */
	if (order == NULL)
	{
		order = palloc(sizeof(TidPos) * ncand);
		for (uint64 i = 0; i < ncand; i++)
		{
			order[i].key = TidKey((ItemPointer) DatumGetPointer(CV(&cand[i], CAND_RTID)));
			order[i].pos = i;
		}
		sort_tidpos(order, ncand);
	}
	rel = table_open(t->info->relid, RowExclusiveLock);
	slot = table_slot_create(rel, NULL);
	snap = GetLatestSnapshot();
	for (uint64 i = 0; i < ncand; i++)
	{
		DisposeCand *ct = &cand[order[i].pos];
		ItemPointer tid = (ItemPointer) DatumGetPointer(CV(ct, CAND_RTID));
		bytea	   *lhash = DatumGetByteaPP(CV(ct, CAND_HASH));
		uint8		h[LEDGER_HASH_LEN];
		bool		shouldfree;
		HeapTuple	tup;
		char	   *action = ct->action;

		CHECK_FOR_INTERRUPTS();
		if (ct->checked)
			goto accept;		/* the queue path read and checked it */
		/*
		 * No row lock: this transaction holds the table's disposal lock,
		 * which every other disposer takes first, and nothing else deletes
		 * or updates a protected row.  A row that went meanwhile anyway
		 * makes the DELETE count differ: the batch then fails and is retried
		 * row by row.
		 */
		if (!table_tuple_fetch_row_version(rel, tid, snap, slot))
		{
			/* gone meanwhile: not this batch's to certify */
			ExecClearTuple(slot);
			continue;
		}
		tup = ExecFetchSlotHeapTuple(slot, false, &shouldfree);
		LedgerHashRow(t->info->nspname, t->info->relname, RelationGetDescr(rel), tup,
					  NULL, t->info->order, h);
		if (shouldfree)
			heap_freetuple(tup);
		ExecClearTuple(slot);
		if (VARSIZE_ANY_EXHDR(lhash) != LEDGER_HASH_LEN ||
			memcmp(VARDATA_ANY(lhash), h, LEDGER_HASH_LEN) != 0)
		{
			naltered++;
			continue;
		}

accept:
		{
			Datum		lv[LEDGER_CERT_COLS];
			bool		ln[LEDGER_CERT_COLS];

			/* the candidate's values live until the batch is written */
			for (int c = 0; c < LEDGER_CERT_COLS; c++)
			{
				lv[c] = CV(ct, cert_col[c]);
				ln[c] = ct->n[cert_col[c] - 1];
			}
			LedgerCertLineAdd(arr.cols, lv, ln);
		}
		LedgerArrayPush(arr.qtids, CV(ct, CAND_DTID), false);
		if (strcmp(action, "anonymise") == 0 && !t->versioned)
		{
			char	   *cols = ct->anon;
			int			g;

			for (g = 0; g < arr.nanon; g++)
				if (strcmp(arr.anon_cols[g], cols ? cols : "{}") == 0)
					break;
			if (g == arr.nanon)
			{
				arr.anon_cols = arr.nanon ? repalloc(arr.anon_cols, sizeof(char *) * (arr.nanon + 1)) : palloc(sizeof(char *));
				arr.anon_tids = arr.nanon ? repalloc(arr.anon_tids, sizeof(ArrayBuildState *) * (arr.nanon + 1)) : palloc(sizeof(ArrayBuildState *));
				arr.anon_arr = arr.nanon ? repalloc(arr.anon_arr, sizeof(Datum) * (arr.nanon + 1)) : palloc(sizeof(Datum));
				arr.anon_cols[g] = cols ? cols : "{}";
				arr.anon_tids[g] = initArrayResult(TIDOID, cxt, false);
				arr.anon_arr[g] = CV(ct, CAND_ANON);
				if (ct->n[CAND_ANON - 1])
					arr.anon_arr[g] = PointerGetDatum(construct_empty_array(TEXTOID));
				arr.nanon++;
			}
			LedgerArrayPush(arr.anon_tids[g], PointerGetDatum(tid), false);
		}
		else
		{
			LedgerArrayPush(arr.dtids, PointerGetDatum(tid), false);
			if (strcmp(action, "archive") == 0)
			{
				LedgerArrayPush(arr.atids, PointerGetDatum(tid), false);
				accumArrayResult(arr.akeys, CV(ct, CAND_KEY), false, TEXTOID, cxt);
				accumArrayResult(arr.avers, CV(ct, CAND_VERSION), false, INT4OID, cxt);
				accumArrayResult(arr.ahash, PointerGetDatum(lhash), false, BYTEAOID, cxt);
			}
		}
		ndisposed++;
	}
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, NoLock);
	TM("lockhash");

	if (ndisposed > 0)
	{
		ledger_disposal_active = true;
		ledger_disposal_relid = t->info->relid;
		retention_disposing = true;
		PG_TRY();
		{
			/*
			 * The statements address rows by ctid = ANY (array): given the
			 * actual array, the planner may prefer a sequential scan of the
			 * whole table with the array as a filter, which costs a pass over
			 * the table per batch.  A TID scan reads only the batch's rows.
			 */
			int			nest = NewGUCNestLevel();

			(void) set_config_option("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_SAVE, true, 0, false);
			WriteBatch(t, &arr, ndisposed);
			AtEOXact_GUC(true, nest);
		}
		PG_FINALLY();
		{
			ledger_disposal_active = false;
			ledger_disposal_relid = InvalidOid;
			retention_disposing = false;
		}
		PG_END_TRY();
	}
	if (naltered > 0)
		LogEvent("disposal_refused_altered", t->info->relid, naltered,
				 "{\"detail\": \"due rows whose content no longer matches the ledger were kept\"}");
	return ndisposed;
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

/* lists of candidates a failed batch reads at most, row by row (see below) */
#define DISPOSE_RETRY_PAGES 10

/*
 * scsm.retention_run_begin() -> bigint: a new run id for this backend's
 * batches (scsm.dispose_all_expired passes it to every batch it runs).
 */
Datum
scsm_retention_run_begin(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64((int64) ++retention_last_run);
}

/*
 * scsm.retention_drained(table_id integer, run bigint) -> boolean: did a
 * batch of this run in this backend read all of the table's due entries?
 * Then nothing more of it can go in this run.  False when unknown.
 */
Datum
scsm_retention_drained(PG_FUNCTION_ARGS)
{
	int32		table_id = PG_GETARG_INT32(0);
	uint64		run = (uint64) PG_GETARG_INT64(1);
	DueMark    *mark = DueMarkFor(table_id);

	PG_RETURN_BOOL(run != 0 && mark->valid && mark->table_id == table_id &&
				   mark->drained_run == run);
}

/*
 * scsm.retention_dispose_batch(tbl regclass, batch_size integer) -> bigint:
 * dispose of up to batch_size due, unheld, approved rows of one protected
 * table in the current transaction; returns how many.  One caller per table
 * at a time (LedgerDisposalLock): a second one returns 0 at once and its
 * dispose_all_expired tries again shortly; the legal hold register is
 * locked in SHARE mode so a hold placed meanwhile waits for the batch, or
 * the batch for the hold.
 */
Datum
scsm_retention_dispose_batch(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	int32		batch = PG_GETARG_INT32(1);
	int64		run = (PG_NARGS() > 2 && !PG_ARGISNULL(2)) ? PG_GETARG_INT64(2) : 0;
	DisposeTarget t;
	Oid			save_userid;
	int			save_sec;
	int			sp;				/* LedgerPinSearchPath */
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
	/* a run id of another session, or none yet, could pass for a later run */
	if (run < 0 || (uint64) run > retention_last_run)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("disposal run " INT64_FORMAT " was not begun in this session", run),
				 errhint("Pass 0, or a run id from scsm.retention_run_begin() in the same session.")));

	/*
	 * The batch waits for the lock on scsm.legal_hold and then reads the
	 * holds: only in READ COMMITTED does it see a hold committed while it
	 * waited.  A transaction snapshot taken earlier would not.
	 */
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("disposal must run at isolation level READ COMMITTED"),
				 errdetail("At REPEATABLE READ or SERIALIZABLE the transaction's snapshot predates the legal holds the disposal waits for."),
				 errhint("Run scsm.dispose_expired() in a READ COMMITTED transaction, as scsm.dispose_all_expired() and the scheduled job do.")));
	memset(&t, 0, sizeof(t));
	t.run = (uint64) run;
	t.info = LedgerGetRelInfoById(relid);
	t.qrel = quote_qualified_identifier(t.info->nspname, t.info->relname);

	SPI_connect();
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(LedgerOwnerId(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	sp = LedgerPinSearchPath();

	if (!LedgerTableEntry(t.info->nspname, t.info->relname, &t.table_id, &mode, &hist))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is not protected", t.info->relname),
				 errhint("Only rows of protected tables have retention stamps.")));
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
	/* one disposer per table at a time; a second one leaves the table alone */
	if (!LedgerDisposalLock(t.table_id, true))
	{
		LedgerUnpinSearchPath(sp);
		SetUserIdAndSecContext(save_userid, save_sec);
		SPI_finish();
		PG_RETURN_INT64(0);
	}
	total = TryDispose(&t, (Datum) 0, batch, &err);
	if (total < 0)
	{
		/*
		 * The batch failed as a whole: its rows one at a time.  Rows that
		 * fail stay candidates (each is reported); so that a run of them at
		 * the front of the queue (say, rows a foreign key points at) does
		 * not stop the rows behind them, the list is read again past them,
		 * up to DISPOSE_RETRY_PAGES lists, until batch rows are disposed.
		 */
		Oid			ct[2] = {REGCLASSOID, INT4OID};
		Datum		ca[2];
		HASHCTL		hctl;
		HTAB	   *failed;
		int			nfailed = 0;

		ereport(LOG,
				(errmsg("disposal batch of table \"%s\" failed; its rows are tried one at a time",
						t.info->relname),
				 errdetail("%s", err)));
		/* what the failed batch read is read again, by later batches too */
		if (DueMarkFor(t.table_id)->table_id == t.table_id)
			DueMarkFor(t.table_id)->valid = false;

		memset(&hctl, 0, sizeof(hctl));
		hctl.keysize = sizeof(int64);
		hctl.entrysize = sizeof(int64);
		hctl.hcxt = CurrentMemoryContext;
		failed = hash_create("scsm failed disposals", 64, &hctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

		total = 0;
		for (int page = 0; page < DISPOSE_RETRY_PAGES && total < batch; page++)
		{
			Datum	   *elems;
			int			nelems;
			int			tried = 0;
			int			want = (int) Min((int64) batch + nfailed, (int64) PG_INT32_MAX);

			ca[0] = ObjectIdGetDatum(relid);
			ca[1] = Int32GetDatum(want);
			if (SPI_execute_with_args("SELECT coalesce(array_agg(scsm_entry_id), '{}') "
									  "FROM scsm.retention_candidates($1, $2, NULL, 'eligible')",
									  2, ct, ca, NULL, false, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not list disposal candidates");
			ids = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
			ids = PointerGetDatum(DatumGetArrayTypePCopy(ids));
			deconstruct_array(DatumGetArrayTypeP(ids), INT8OID, 8, FLOAT8PASSBYVAL,
							  TYPALIGN_DOUBLE, &elems, NULL, &nelems);
			for (int i = 0; i < nelems && total < batch; i++)
			{
				Datum		one;
				int64		n;
				int64		id = DatumGetInt64(elems[i]);
				bool		seen;

				(void) hash_search(failed, &id, HASH_FIND, &seen);
				if (seen)
					continue;	/* failed already in this call */
				tried++;
				one = PointerGetDatum(construct_array(&elems[i], 1, INT8OID, 8,
													  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
				n = TryDispose(&t, one, 0, &err);
				if (n >= 0)
					total += n;
				else
				{
					StringInfoData js;

					(void) hash_search(failed, &id, HASH_ENTER, &seen);
					nfailed++;
					initStringInfo(&js);
					appendStringInfo(&js, "{\"entry_id\": " INT64_FORMAT ", \"error\": ",
									 DatumGetInt64(elems[i]));
					escape_json(&js, err);
					appendStringInfoChar(&js, '}');
					LogEvent("disposal_failed", t.info->relid, 1, js.data);
				}
			}
			/* the list was all there is, or held nothing new */
			if (nelems < want || tried == 0)
				break;
		}
	}
	LedgerUnpinSearchPath(sp);
	SetUserIdAndSecContext(save_userid, save_sec);
	SPI_finish();
	PG_RETURN_INT64(total);
}
