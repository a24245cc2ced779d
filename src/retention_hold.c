/*-------------------------------------------------------------------------
 *
 * retention_hold.c
 *	  Legal holds tested on rows in C, for both of disposal's paths.
 *
 * A hold holds the rows that have, for every column = value pair of its
 * condition (each value in the form scsm.json_form gives it), a value equal
 * to it.  Equal means either of two things, and a hold holds a row when
 * either says so:
 *
 *	- as JSON: to_jsonb of the column's value contains the condition's
 *	  value (equal scalars; a container of the same kind that contains the
 *	  other, PostgreSQL's own JsonbDeepContains), which is what to_jsonb(row)
 *	  @> condition tested before;
 *	- by the column's own type: where the condition's value reads as the
 *	  column's type, the type's default equality under the column's
 *	  collation, so that a hold on a citext column or under a case-insensitive
 *	  collation holds every spelling its equality calls equal, and an
 *	  interval of '1 day' one of '24:00:00'.  For a built-in type, values
 *	  that are equal as JSON are equal by the type as well, so the type's
 *	  equality alone decides and to_jsonb is not called.
 *
 * So a hold never holds fewer rows than the JSON test alone.  Only the
 * columns a hold names are converted, with to_jsonb itself, under the same
 * fixed settings as scsm.json_form (RetHoldsPin).  What a condition means for
 * the table (values as its columns' types, org_id only where it has one, a
 * column it lacks: no row) is scsm.hold_condition_for's.  The queue path
 * tests rows with RetHoldsMatch; scsm.retention_candidates, the general
 * path, with scsm.hold_holds_row, which calls the same code.
 *
 * src/retention_hold.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_cast.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "catalog/pg_class.h"
#include "parser/parse_func.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/inval.h"
#include "utils/typcache.h"

#include "ledger.h"
#include "retention.h"

/*
 * How a key is compared: to_jsonb of the value (any type), or, for the
 * usual key columns, the value itself with what to_jsonb would give it:
 * an integer is a JSON number, a text, varchar or char value (padding
 * and all) a JSON string of its own bytes.
 */
typedef enum HoldCmp
{
	HOLD_JSON,
	HOLD_INT,					/* int2, int4, int8 column, a number wanted */
	HOLD_TEXT,					/* text, varchar, bpchar column, a string wanted */
	HOLD_NEVER					/* a usual key column, a value it never has */
} HoldCmp;

/* One column = value pair of a hold's condition. */
typedef struct HoldKey
{
	AttrNumber	attno;			/* 0: the row's version (scsm_version) */
	HoldCmp		cmp;
	Oid			typid;
	int64		want_int;		/* HOLD_INT */
	char	   *want_str;		/* HOLD_TEXT */
	int			want_len;
	bool		typed;			/* compared by the type's equality as well */
	bool		typed_only;		/* ... which alone decides (built-in type) */
	FmgrInfo	eq;				/* the type's default equality */
	FmgrInfo	hash;			/* typed_only: its hash function, if it has one */
	Oid			collation;		/* the column's */
	Datum		want_val;		/* the condition's value as the column's type */
	FmgrInfo	tojson;			/* to_jsonb, told the column's type */
	Jsonb	   *want;			/* the condition's value */
} HoldKey;

/*
 * How a key compared exactly is found by its value (HoldGroup): an integer
 * or the bytes of a string (HOLD_INT, HOLD_TEXT), or the hash function of a
 * built-in type whose equality alone decides (typed_only).
 */
typedef enum HoldHash
{
	HASH_INT,
	HASH_TEXT,
	HASH_TYPED
} HoldHash;

/* A hold under the hash of the value one of its keys wants. */
typedef struct HoldSlot
{
	uint32		hash;
	int			hold;
} HoldSlot;

/* The holds found by the value of one column (RetHoldsIndex). */
typedef struct HoldGroup
{
	AttrNumber	attno;
	HoldHash	how;
	Oid			typid;			/* HASH_INT: int2, int4 or int8 */
	FmgrInfo   *hashfn;			/* HASH_TYPED */
	Oid			collation;		/* HASH_TYPED: the column's */
	int			nslots;
	HoldSlot   *slots;			/* sorted by hash */
} HoldGroup;

struct RetHolds
{
	Oid			owner;			/* the table's: holds are tested as that role */
	int			nholds;
	int		   *nkeys;
	HoldKey   **keys;
	/* the holds tested one by one, and those found by a value */
	int			nlinear;
	int		   *linear;
	int			ngroups;
	HoldGroup  *groups;
	/* the row's scsm_version, for keys on it (scsm.hold_holds_any) */
	bool		has_version;
	int32		version;
};

/*
 * The settings scsm.json_form fixes (72_retention.sql, which
 * scsm.retention_candidates repeats): to_jsonb's output depends on them.
 */
static const char *const pinned[][2] = {
	{"search_path", "pg_catalog, pg_temp"},
	{"TimeZone", "UTC"},
	{"DateStyle", "ISO, MDY"},
	{"IntervalStyle", "postgres"},
	{"bytea_output", "hex"},
	{"extra_float_digits", "1"},
	{"lc_monetary", "C"},
};

int
RetHoldsPin(void)
{
	int			nest = NewGUCNestLevel();

	for (int i = 0; i < (int) lengthof(pinned); i++)
		(void) set_config_option(pinned[i][0], pinned[i][1], PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	return nest;
}

void
RetHoldsUnpin(int nest)
{
	AtEOXact_GUC(true, nest);
}

/*
 * Rows are tested against holds as their table's owner, in a restricted
 * security context, as PostgreSQL runs index expressions in VACUUM:
 * reading a hold's value as the column's type and to_jsonb of a column may
 * call the owner's own code (a cast to json of their enum, a CHECK of a
 * domain inside their composite type), which must never run with the
 * rights of whoever disposes (a superuser, pg_cron).
 */
typedef struct AsOwnerSave
{
	Oid			userid;
	int			sec;
} AsOwnerSave;

static void
AsOwner(Oid owner, AsOwnerSave *save)
{
	GetUserIdAndSecContext(&save->userid, &save->sec);
	if (OidIsValid(owner))
		SetUserIdAndSecContext(owner, save->sec | SECURITY_LOCAL_USERID_CHANGE |
							   SECURITY_RESTRICTED_OPERATION);
}

static void
AsBefore(AsOwnerSave *save)
{
	SetUserIdAndSecContext(save->userid, save->sec);
}

/* The owner of a relation, InvalidOid when there is none. */
static Oid
RelOwner(Oid relid)
{
	HeapTuple	tp = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner = InvalidOid;

	if (HeapTupleIsValid(tp))
	{
		owner = ((Form_pg_class) GETSTRUCT(tp))->relowner;
		ReleaseSysCache(tp);
	}
	return owner;
}

/*
 * The role owning a function, InvalidOid when there is none.
 */
static Oid
FuncOwner(Oid fn)
{
	HeapTuple	tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	Oid			owner = InvalidOid;

	if (HeapTupleIsValid(tp))
	{
		owner = ((Form_pg_proc) GETSTRUCT(tp))->proowner;
		ReleaseSysCache(tp);
	}
	return owner;
}

/* A third role's code inside a column's type (TypeTreeStranger). */
typedef struct Stranger
{
	Oid			role;			/* its owner */
	Oid			typid;			/* the type */
	Oid			cast_target;	/* json or jsonb: its cast; else InvalidOid */
	bool		domain;			/* a domain inside the type (no_domains) */
} Stranger;

/*
 * Would reading a value as typid and writing it as JSON, as owner, run code
 * of a third role?  It runs the CHECKs of every domain inside the type (an
 * array's element, a composite's fields, a range's subtype) and to_jsonb a
 * cast to json or jsonb of any type inside it.  Every such type, and the
 * function of every such cast, must belong to the owner or to a superuser
 * (the owner vouches for what their own types call); else the first one
 * found goes to *out and the answer is true.  With no_domains, a domain
 * inside the type (an array's element, a field, a subtype) counts too,
 * whoever owns it: its CHECK may name a relation unqualified, which the
 * caller's temporary schema, searched whatever search_path says, can
 * supply.  (A domain at the top is read as its base type: no CHECK runs.)
 */
static bool
TypeTreeStranger(Oid typid, Oid owner, bool no_domains, Stranger *out)
{
	HeapTuple	tp;
	Form_pg_type t;
	Oid			typowner;
	char		typtype;
	Oid			typelem;
	Oid			typrelid;
	Oid			base;
	const Oid	targets[2] = {JSONOID, JSONBOID};
	bool		found = false;

	check_stack_depth();
	tp = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(tp))
		elog(ERROR, "cache lookup failed for type %u", typid);
	t = (Form_pg_type) GETSTRUCT(tp);
	typowner = t->typowner;
	typtype = t->typtype;
	typelem = IsTrueArrayType(t) ? t->typelem : InvalidOid;
	typrelid = t->typrelid;
	base = t->typbasetype;
	ReleaseSysCache(tp);
	if ((typowner != owner && !superuser_arg(typowner)) ||
		(no_domains && typtype == TYPTYPE_DOMAIN))
	{
		out->role = typowner;
		out->typid = typid;
		out->cast_target = InvalidOid;
		out->domain = typowner == owner || superuser_arg(typowner);
		return true;
	}
	for (int i = 0; i < (int) lengthof(targets); i++)
	{
		HeapTuple	ct = SearchSysCache2(CASTSOURCETARGET, ObjectIdGetDatum(typid),
										 ObjectIdGetDatum(targets[i]));

		if (HeapTupleIsValid(ct))
		{
			Oid			fn = ((Form_pg_cast) GETSTRUCT(ct))->castfunc;
			Oid			fowner = OidIsValid(fn) ? FuncOwner(fn) : InvalidOid;

			ReleaseSysCache(ct);
			if (OidIsValid(fowner) && fowner != owner && !superuser_arg(fowner))
			{
				out->role = fowner;
				out->typid = typid;
				out->cast_target = targets[i];
				out->domain = false;
				return true;
			}
		}
	}
	if (typtype == TYPTYPE_DOMAIN)
		found = TypeTreeStranger(base, owner, no_domains, out);
	else if (OidIsValid(typelem))
		found = TypeTreeStranger(typelem, owner, no_domains, out);
	else if (typtype == TYPTYPE_COMPOSITE && OidIsValid(typrelid))
	{
		Relation	crel = relation_open(typrelid, AccessShareLock);
		TupleDesc	cdesc = RelationGetDescr(crel);

		for (int i = 0; i < cdesc->natts && !found; i++)
			if (!TupleDescAttr(cdesc, i)->attisdropped)
				found = TypeTreeStranger(TupleDescAttr(cdesc, i)->atttypid, owner, no_domains, out);
		relation_close(crel, AccessShareLock);
	}
	else if (typtype == TYPTYPE_RANGE)
		found = TypeTreeStranger(get_range_subtype(typid), owner, no_domains, out);
	else if (typtype == TYPTYPE_MULTIRANGE)
		found = TypeTreeStranger(get_multirange_range(typid), owner, no_domains, out);
	return found;
}

/*
 * Refuse (42501) a column whose type holds a third role's code, or any
 * domain inside it (TypeTreeStranger).
 */
static void
CheckTypeTrusted(Oid typid, Oid owner, const char *col)
{
	Stranger	st;

	if (!TypeTreeStranger(typid, owner, true, &st))
		return;
	if (st.domain)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("column \"%s\" holds domain %s inside its type", col, format_type_be(st.typid)),
				 errdetail("Reading a condition's value would run the domain's CHECK as the table's owner, in the writer's session.")));
	if (OidIsValid(st.cast_target))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("column \"%s\" holds type %s, whose cast to %s belongs to role \"%s\"",
						col, format_type_be(st.typid), format_type_be(st.cast_target),
						GetUserNameFromId(st.role, false)),
				 errdetail("Writing a condition's value as JSON runs that role's code as the table's owner.")));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("column \"%s\" holds type %s, which belongs to role \"%s\"",
					col, format_type_be(st.typid), GetUserNameFromId(st.role, false)),
			 errdetail("Reading a condition's value runs that role's code as the table's owner."),
			 errhint("Name a column whose types belong to the table's owner or to a superuser.")));
}

/*
 * What a condition's columns say before any value is read as their types:
 * COND_LACKS when it names a column relid lacks (other than org_id), which
 * no row there can match; else COND_STRANGER when it names a column whose
 * type holds a third role's code (TypeTreeStranger); else COND_PLAIN.
 */
typedef enum CondColumns
{
	COND_PLAIN, COND_STRANGER, COND_LACKS
} CondColumns;

static CondColumns
ConditionColumns(Oid relid, Oid owner, Jsonb *cond)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	bool		stranger = false;
	bool		lacks = false;

	if (!JB_ROOT_IS_OBJECT(cond))
		return COND_PLAIN;
	it = JsonbIteratorInit(&cond->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			char	   *col = pnstrdup(v.val.string.val, v.val.string.len);
			AttrNumber	attno = get_attnum(relid, col);
			Stranger	st;

			if (attno <= 0)
				lacks = lacks || strcmp(col, "org_id") != 0;
			else if (!stranger)
				stranger = TypeTreeStranger(getBaseType(get_atttype(relid, attno)), owner, false, &st);
		}
	}
	return lacks ? COND_LACKS : stranger ? COND_STRANGER : COND_PLAIN;
}

/*
 * Conditions as they apply to a table (scsm.hold_condition_for), kept for
 * the batches of one run of dispose_all_expired (RetHoldsCacheRun: the
 * batch code says which run it is in), else for the current transaction.
 * Working one out runs a PL/pgSQL function under pinned settings (about
 * 0.3 ms), and each batch reads the register afresh: a run over a table
 * with a thousand holds spent most of its time converting the same
 * conditions again, batch after batch, and run_maintenance, which lists a
 * table's candidates several times, 1.9 s under 2,000 holds.  A change to
 * what a conversion reads (any relation's columns and owner, types, enum
 * labels, casts, functions, operators, collations, text search objects,
 * roles and their memberships, which decide what the owner may use,
 * schemas) marks the cache stale (relcache and syscache callbacks);
 * it is emptied at its next use, never under a caller, who gets copies.
 * Per backend, as the invalidation callbacks are.
 */
typedef struct CondEntry
{
	Oid			relid;
	Jsonb	   *cond;
	Jsonb	   *applied;		/* NULL: holds no row of the table */
} CondEntry;

static struct
{
	MemoryContext cxt;
	bool		callbacks;		/* registered */
	bool		stale;
	uint64		active;			/* the run a batch is in, or 0: none */
	uint64		run;			/* the run (or transaction) the entries are of */
	int			n;
	int			max;
	int			next;			/* where the next look-up starts */
	CondEntry  *e;
}			conds;

/*
 * Any relation: a conversion reads the table's columns, and through
 * composite types the attributes of other relations too (TypeTreeStranger),
 * whose changes (ALTER TYPE ... ADD ATTRIBUTE) invalidate only those.
 */
static void
CondsStaleRel(Datum arg, Oid relid)
{
	(void) arg;
	(void) relid;
	if (conds.n > 0)
		conds.stale = true;
}

static void
CondsStaleSys(Datum arg, int cacheid, uint32 hashvalue)
{
	(void) arg;
	(void) cacheid;
	(void) hashvalue;
	conds.stale = true;
}

/*
 * Keep the conversions of run (0: none) from now on; returns the run kept
 * before, for the caller to restore.
 */
uint64
RetHoldsCacheRun(uint64 run)
{
	uint64		prev = conds.active;

	conds.active = run;
	return prev;
}

static Jsonb *
JsonbCopyIn(Jsonb *j, MemoryContext cxt)
{
	Jsonb	   *c = MemoryContextAlloc(cxt, VARSIZE(j));

	memcpy(c, j, VARSIZE(j));
	return c;
}

/*
 * The kept conversion of cond for relid, if any (*found), as a copy.  The
 * holds come in the same order each batch: the look-up starts after the
 * entry found last.
 */
/* What the entries kept now belong to: the run, else this transaction. */
static uint64
CondScope(void)
{
	if (conds.active != 0)
		return conds.active;
	return ((uint64) 1 << 63) | (uint64) MyProc->lxid;
}

static Jsonb *
CondKept(Oid relid, Jsonb *cond, bool *found)
{
	uint64		scope = CondScope();

	*found = false;
	if (!conds.callbacks)
	{
		conds.cxt = AllocSetContextCreate(TopMemoryContext, "scsm hold conditions of a run",
										  ALLOCSET_DEFAULT_SIZES);
		CacheRegisterRelcacheCallback(CondsStaleRel, (Datum) 0);
		CacheRegisterSyscacheCallback(TYPEOID, CondsStaleSys, (Datum) 0);
		CacheRegisterSyscacheCallback(CASTSOURCETARGET, CondsStaleSys, (Datum) 0);
		CacheRegisterSyscacheCallback(PROCOID, CondsStaleSys, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHOID, CondsStaleSys, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, CondsStaleSys, (Datum) 0);
		CacheRegisterSyscacheCallback(NAMESPACEOID, CondsStaleSys, (Datum) 0);
		CacheRegisterSyscacheCallback(ENUMOID, CondsStaleSys, (Datum) 0);
		CacheRegisterSyscacheCallback(OPEROID, CondsStaleSys, (Datum) 0);
		CacheRegisterSyscacheCallback(COLLOID, CondsStaleSys, (Datum) 0);
		CacheRegisterSyscacheCallback(TSCONFIGOID, CondsStaleSys, (Datum) 0);
		CacheRegisterSyscacheCallback(TSDICTOID, CondsStaleSys, (Datum) 0);
		conds.callbacks = true;
	}
	if (conds.stale || conds.run != scope)
	{
		MemoryContextReset(conds.cxt);
		conds.n = conds.max = conds.next = 0;
		conds.e = NULL;
		conds.stale = false;
		conds.run = scope;
	}
	for (int k = 0; k < conds.n; k++)
	{
		int			i = (conds.next + k) % conds.n;

		if (conds.e[i].relid == relid && VARSIZE(conds.e[i].cond) == VARSIZE(cond) &&
			memcmp(conds.e[i].cond, cond, VARSIZE(cond)) == 0)
		{
			conds.next = i + 1;
			*found = true;
			return conds.e[i].applied == NULL ? NULL :
				JsonbCopyIn(conds.e[i].applied, CurrentMemoryContext);
		}
	}
	return NULL;
}

/* Keep the conversion of cond for relid (applied NULL: it holds no row). */
static void
CondKeep(Oid relid, Jsonb *cond, Jsonb *applied)
{
	if (conds.cxt == NULL || conds.run != CondScope())
		return;
	if (conds.n == conds.max)
	{
		int			max = conds.max == 0 ? 64 : conds.max * 2;

		/* the new size only once it is allocated (an error leaves the old) */
		conds.e = conds.e == NULL ?
			MemoryContextAlloc(conds.cxt, sizeof(CondEntry) * max) :
			repalloc(conds.e, sizeof(CondEntry) * max);
		conds.max = max;
	}
	conds.e[conds.n].relid = relid;
	conds.e[conds.n].cond = JsonbCopyIn(cond, conds.cxt);
	conds.e[conds.n].applied = applied == NULL ? NULL : JsonbCopyIn(applied, conds.cxt);
	conds.next = ++conds.n;
}

/*
 * scsm.hold_condition_for(tbl regclass, cond jsonb) -> jsonb: a hold's
 * condition as it applies to the rows of tbl, worked out by
 * scsm.hold_condition_typed as tbl's owner (see AsOwner).  A condition that
 * names a column whose type holds a third role's code (a domain CHECK, a
 * cast to json: TypeTreeStranger), which testing rows against it would run
 * as the owner, is not tested: it holds every row of the table ({}), and no
 * code runs; one naming a column the table lacks holds none (NULL), found
 * before any value is read.
 */
PG_FUNCTION_INFO_V1(scsm_hold_condition_for);

/*
 * cond as it applies to the rows of relid (scsm.hold_condition_for), NULL
 * when it holds none there; kept for the run or transaction (CondKept).
 * *impl caches scsm.hold_condition_typed's FmgrInfo (in cxt).
 */
static Jsonb *
ConditionFor(Oid relid, Jsonb *cond, FmgrInfo **impl, MemoryContext cxt)
{
	Oid			owner = RelOwner(relid);
	AsOwnerSave save;
	Datum		result;
	bool		found;
	Jsonb	   *kept;
	LOCAL_FCINFO(call, 2);

	if (!OidIsValid(owner))
		return NULL;			/* no such table: no row it can hold */
	kept = CondKept(relid, cond, &found);
	if (found)
		return kept;
	switch (ConditionColumns(relid, owner, cond))
	{
		case COND_LACKS:
			/* as hold_condition_typed, before it reads a value */
			CondKeep(relid, cond, NULL);
			return NULL;
		case COND_STRANGER:
			kept = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));
			CondKeep(relid, cond, kept);
			return kept;
		case COND_PLAIN:
			break;
	}
	if (*impl == NULL)
	{
		Oid			argtypes[2] = {REGCLASSOID, JSONBOID};
		Oid			fn = LookupFuncName(list_make2(makeString("scsm"), makeString("hold_condition_typed")),
										2, argtypes, false);

		*impl = MemoryContextAlloc(cxt, sizeof(FmgrInfo));
		fmgr_info_cxt(fn, *impl, cxt);
	}
	/* an error ends the (sub)transaction, which restores the role */
	AsOwner(owner, &save);
	InitFunctionCallInfoData(*call, *impl, 2, InvalidOid, NULL, NULL);
	call->args[0].value = ObjectIdGetDatum(relid);
	call->args[0].isnull = false;
	call->args[1].value = JsonbPGetDatum(cond);
	call->args[1].isnull = false;
	result = FunctionCallInvoke(call);
	AsBefore(&save);
	kept = call->isnull ? NULL : DatumGetJsonbP(result);
	CondKeep(relid, cond, kept);
	return kept;
}

Datum
scsm_hold_condition_for(PG_FUNCTION_ARGS)
{
	Jsonb	   *c = ConditionFor(PG_GETARG_OID(0), PG_GETARG_JSONB_P(1),
								 (FmgrInfo **) &fcinfo->flinfo->fn_extra, fcinfo->flinfo->fn_mcxt);

	if (c == NULL)
		PG_RETURN_NULL();
	PG_RETURN_JSONB_P(c);
}

/*
 * scsm.condition_json(tbl regclass, col text, value text) -> jsonb: a
 * condition's value (of a hold or an assignment being written) read as
 * column col of tbl reads it (its type, a domain's base type: no domain
 * constraint runs, as scsm.condition_type) under the writer's own settings
 * (their TimeZone, DateStyle), and given in scsm.json_form's form -- both as
 * tbl's owner in a restricted security context (see AsOwner): the type's
 * input and to_jsonb may call the owner's own code, a cast to json of their
 * enum.  Only a type tbl's owner put in the table is ever read, so no one
 * can have code of theirs run as that owner.  A value the type cannot read
 * raises the input function's error.  Only for a role that may write
 * conditions (INSERT on scsm.legal_hold, scsm.retention_assignment or
 * scsm.retention_class), whose writing a condition runs the same code.
 */
PG_FUNCTION_INFO_V1(scsm_condition_json);

Datum
scsm_condition_json(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	char	   *col = text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *value = text_to_cstring(PG_GETARG_TEXT_PP(2));
	AttrNumber	attno;
	Oid			collid;
	Oid			owner = RelOwner(relid);
	Oid			nsp = get_namespace_oid("scsm", false);
	const char *const writers[] = {"legal_hold", "retention_assignment", "retention_class"};
	bool		may = false;
	Oid			typid;
	int32		typmod;
	Oid			infunc;
	Oid			ioparam;
	Datum		v;
	Datum		result;
	bool		isnull;
	AsOwnerSave save;
	int			nest;

	for (int i = 0; i < (int) lengthof(writers) && !may; i++)
	{
		Oid			w = get_relname_relid(writers[i], nsp);

		may = OidIsValid(w) && pg_class_aclcheck(w, GetUserId(), ACL_INSERT) == ACLCHECK_OK;
	}
	if (!may)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for function condition_json"),
				 errdetail("Only a role that may write legal holds, retention classes or assignments reads their values.")));
	if (!OidIsValid(owner))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	attno = get_attnum(relid, col);
	if (attno <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist", col, get_rel_name(relid))));
	get_atttypetypmodcoll(relid, attno, &typid, &typmod, &collid);
	typid = getBaseTypeAndTypmod(typid, &typmod);
	CheckTypeTrusted(typid, owner, col);
	getTypeInputInfo(typid, &infunc, &ioparam);
	/*
	 * An error ends the (sub)transaction, which restores role and settings.
	 * The value is read under the writer's TimeZone and DateStyle, but with
	 * search_path pg_catalog: a domain CHECK of the owner's that names a
	 * function unqualified must not find one of the writer's.
	 */
	AsOwner(owner, &save);
	nest = LedgerPinSearchPath();
	v = OidInputFunctionCall(infunc, value, ioparam, typmod);
	LedgerUnpinSearchPath(nest);
	nest = RetHoldsPin();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT pg_catalog.to_jsonb($1)", 1, &typid, &v, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not write a condition value as JSON");
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		result = SPI_datumTransfer(result, false, -1);
	SPI_finish();
	RetHoldsUnpin(nest);
	AsBefore(&save);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/*
 * Work out how a key's values are compared (HoldCmp).  A text column under
 * a nondeterministic collation is no usual key column: its equality is not
 * its bytes'.
 */
static void
KeyCompareHow(HoldKey *k, Oid typid, Oid collation)
{
	JsonbValue	w;
	bool		is_int = (typid == INT2OID || typid == INT4OID || typid == INT8OID);
	bool		is_text = ((typid == TEXTOID || typid == VARCHAROID || typid == BPCHAROID) &&
						   (!OidIsValid(collation) || get_collation_isdeterministic(collation)));

	k->cmp = HOLD_JSON;
	k->typid = typid;
	if ((!is_int && !is_text) || !JB_ROOT_IS_SCALAR(k->want))
		return;
	(void) JsonbExtractScalar(&k->want->root, &w);
	if (w.type == jbvNull)
		return;					/* NULL columns are handled before */
	k->cmp = HOLD_NEVER;
	if (is_int && w.type == jbvNumeric)
	{
		Datum		num = NumericGetDatum(w.val.numeric);

		/* an integral number within int8's range: the one integer equal to it */
		if (numeric_is_nan(w.val.numeric) || numeric_is_inf(w.val.numeric) ||
			!DatumGetBool(DirectFunctionCall2(numeric_eq, num,
											  DirectFunctionCall2(numeric_trunc, num, Int32GetDatum(0)))) ||
			DatumGetInt32(DirectFunctionCall2(numeric_cmp, num,
											  NumericGetDatum(int64_to_numeric(PG_INT64_MIN)))) < 0 ||
			DatumGetInt32(DirectFunctionCall2(numeric_cmp, num,
											  NumericGetDatum(int64_to_numeric(PG_INT64_MAX)))) > 0)
			return;
		k->want_int = DatumGetInt64(DirectFunctionCall1(numeric_int8, num));
		k->cmp = HOLD_INT;
	}
	else if (is_text && w.type == jbvString)
	{
		k->want_str = pnstrdup(w.val.string.val, w.val.string.len);
		k->want_len = w.val.string.len;
		k->cmp = HOLD_TEXT;
	}
}

/*
 * Read text as a value of a type; false when the type cannot read it, for
 * whatever reason its input function gives (a bad value, an ambiguous or
 * unknown name of a reg* type), as scsm.hold_condition_for treats it; only
 * a cancel, a shutdown or a lack of resources goes on.  In a subtransaction:
 * an input function reports a bad value by an error.
 */
static bool
ReadAsType(Oid typid, int32 typmod, char *text, Datum *value)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	Oid			infunc;
	Oid			ioparam;
	volatile bool ok = false;

	getTypeInputInfo(typid, &infunc, &ioparam);
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		*value = OidInputFunctionCall(infunc, text, ioparam, typmod);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		ok = true;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_OPERATOR_INTERVENTION ||
			ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_INSUFFICIENT_RESOURCES ||
			ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_SYSTEM_ERROR ||
			ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_INTERNAL_ERROR)
			ReThrowError(edata);
		FreeErrorData(edata);
	}
	PG_END_TRY();
	return ok;
}

/*
 * Compare a key by its column's type as well, where that can say more than
 * JSON: a scalar value the type reads, a base or enum type (or a domain
 * over one) with a default equality, no array, json or jsonb.  A domain's
 * value is read as its base type: no domain constraint runs (as
 * scsm.condition_type).  Under the pinned settings (the value is in
 * scsm.json_form's form).
 */
static void
KeyTyped(HoldKey *k, Form_pg_attribute a)
{
	JsonbValue	w;
	int32		basetypmod = a->atttypmod;
	Oid			base = getBaseTypeAndTypmod(a->atttypid, &basetypmod);
	char		typtype = get_typtype(base);
	TypeCacheEntry *tc;
	char	   *text;

	if (k->cmp != HOLD_JSON || !JB_ROOT_IS_SCALAR(k->want) ||
		(typtype != TYPTYPE_BASE && typtype != TYPTYPE_ENUM) ||
		type_is_array(base) || base == JSONOID || base == JSONBOID)
		return;
	(void) JsonbExtractScalar(&k->want->root, &w);
	if (w.type == jbvString)
		text = pnstrdup(w.val.string.val, w.val.string.len);
	else if (w.type == jbvNumeric)
		text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(w.val.numeric)));
	else if (w.type == jbvBool)
		text = w.val.boolean ? "true" : "false";
	else
		return;					/* JSON null: only a NULL column holds */
	/* the hash function only where it agrees with that equality (typcache) */
	tc = lookup_type_cache(base, TYPECACHE_EQ_OPR_FINFO | TYPECACHE_HASH_PROC_FINFO);
	if (!OidIsValid(tc->eq_opr_finfo.fn_oid) ||
		!ReadAsType(base, basetypmod, text, &k->want_val))
		return;
	fmgr_info_copy(&k->eq, &tc->eq_opr_finfo, CurrentMemoryContext);
	k->collation = a->attcollation;
	k->typed = true;
	k->typed_only = base < FirstNormalObjectId;
	if (k->typed_only && OidIsValid(tc->hash_proc_finfo.fn_oid))
		fmgr_info_copy(&k->hash, &tc->hash_proc_finfo, CurrentMemoryContext);
}

/*
 * One key of a condition, for column a (attno) of a row (in the current
 * memory context, under the pinned settings).
 */
static void
KeyPrepare(HoldKey *hk, AttrNumber attno, Form_pg_attribute a, Jsonb *want)
{
	FuncExpr   *call;

	hk->attno = attno;
	hk->want = want;
	KeyCompareHow(hk, a->atttypid, a->attcollation);
	KeyTyped(hk, a);
	/* to_jsonb (anyelement) reads its argument's type from the call */
	fmgr_info(F_TO_JSONB, &hk->tojson);
	call = makeFuncExpr(F_TO_JSONB, JSONBOID,
						list_make1(makeNullConst(a->atttypid, a->atttypmod, a->attcollation)),
						InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
	fmgr_info_set_expr((Node *) call, &hk->tojson);
}

/* How key k can be found by its value; false: tested one by one. */
static bool
KeyHashHow(HoldKey *k, HoldHash *how)
{
	if (k->attno == 0)
		return false;			/* the row's version: tested in full */
	if (k->typed)
	{
		*how = HASH_TYPED;
		return k->typed_only && OidIsValid(k->hash.fn_oid);
	}
	*how = k->cmp == HOLD_INT ? HASH_INT : HASH_TEXT;
	return k->cmp == HOLD_INT || k->cmp == HOLD_TEXT;
}

/* The hash of a value of a group's column (not NULL). */
static uint32
ValueHash(HoldHash how, Oid typid, FmgrInfo *hashfn, Oid collation, Datum v)
{
	switch (how)
	{
		case HASH_INT:
			{
				int64		i = typid == INT2OID ? (int64) DatumGetInt16(v) :
					typid == INT4OID ? (int64) DatumGetInt32(v) : DatumGetInt64(v);

				return hash_bytes((const unsigned char *) &i, sizeof(i));
			}
		case HASH_TEXT:
			{
				text	   *t = DatumGetTextPP(v);

				return hash_bytes((const unsigned char *) VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
			}
		case HASH_TYPED:
			return DatumGetUInt32(FunctionCall1Coll(hashfn, collation, v));
	}
	return 0;					/* keep the compiler quiet */
}

/* The hash of the value key k wants, as ValueHash gives a column's. */
static uint32
WantHash(HoldKey *k, HoldHash how)
{
	if (how == HASH_INT)
		return hash_bytes((const unsigned char *) &k->want_int, sizeof(k->want_int));
	if (how == HASH_TEXT)
		return hash_bytes((const unsigned char *) k->want_str, k->want_len);
	return DatumGetUInt32(FunctionCall1Coll(&k->hash, k->collation, k->want_val));
}

static int
SlotCmp(const void *a, const void *b)
{
	const HoldSlot *x = (const HoldSlot *) a;
	const HoldSlot *y = (const HoldSlot *) b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->hold - y->hold;
}

/*
 * Index the holds by value: a hold with a key compared exactly goes under
 * the hash of the value that key wants, in the group of the key's column
 * and way of comparing; the others are tested one by one.  A row then costs
 * a hash and a binary search per group and a full test of the few holds
 * its hash finds, not a test per hold: a million rows under a thousand
 * holds took 40 s to dispose of, 18 times as long as without holds, and
 * with the conversions of a run kept (CondKept) 3.3 s.  The hash
 * functions run as the table's owner, as the equality functions do.
 */
static void
RetHoldsIndex(RetHolds *h)
{
	int		   *group_of = palloc(sizeof(int) * Max(h->nholds, 1));
	int		   *key_of = palloc(sizeof(int) * Max(h->nholds, 1));
	AsOwnerSave save;

	h->linear = palloc(sizeof(int) * Max(h->nholds, 1));
	h->groups = palloc0(sizeof(HoldGroup) * Max(h->nholds, 1));
	for (int i = 0; i < h->nholds; i++)
	{
		HoldHash	how = HASH_INT;
		int			k;
		int			g;

		group_of[i] = -1;
		for (k = 0; k < h->nkeys[i]; k++)
			if (KeyHashHow(&h->keys[i][k], &how))
				break;
		if (k == h->nkeys[i])
		{
			h->linear[h->nlinear++] = i;
			continue;
		}
		for (g = 0; g < h->ngroups; g++)
			if (h->groups[g].attno == h->keys[i][k].attno && h->groups[g].how == how)
				break;
		if (g == h->ngroups)
		{
			HoldGroup  *gr = &h->groups[h->ngroups++];

			gr->attno = h->keys[i][k].attno;
			gr->how = how;
			gr->typid = h->keys[i][k].typid;
			gr->hashfn = &h->keys[i][k].hash;
			gr->collation = h->keys[i][k].collation;
			gr->slots = palloc(sizeof(HoldSlot) * h->nholds);
		}
		group_of[i] = g;
		key_of[i] = k;
	}
	AsOwner(h->owner, &save);
	for (int i = 0; i < h->nholds; i++)
	{
		HoldGroup  *gr;

		if (group_of[i] < 0)
			continue;
		gr = &h->groups[group_of[i]];
		gr->slots[gr->nslots].hash = WantHash(&h->keys[i][key_of[i]], gr->how);
		gr->slots[gr->nslots].hold = i;
		gr->nslots++;
	}
	AsBefore(&save);
	for (int g = 0; g < h->ngroups; g++)
		qsort(h->groups[g].slots, h->groups[g].nslots, sizeof(HoldSlot), SlotCmp);
	pfree(group_of);
	pfree(key_of);
}

/*
 * The next column = value pair of a condition (an object), iterated
 * without descending into values; false at its end.
 */
static bool
NextPair(JsonbIterator **it, char **name, JsonbValue *v)
{
	JsonbIteratorToken tok;

	while ((tok = JsonbIteratorNext(it, v, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		*name = pnstrdup(v->val.string.val, v->val.string.len);
		tok = JsonbIteratorNext(it, v, true);
		Assert(tok == WJB_VALUE);
		return true;
	}
	return false;
}

/*
 * The active holds that can hold rows of the table (relid, nspname.relname,
 * whose rows have desc): its own and the case holds, each condition as
 * scsm.hold_condition_for applies it to the table (ConditionFor, kept for
 * the caller's run: RetHoldsCacheRun).  Runs inside SPI; reads the register
 * afresh (the caller holds its lock).  NULL when none can; *whole when one
 * holds every row (a condition left empty).
 */
RetHolds *
RetHoldsLoad(Oid relid, const char *nspname, const char *relname, TupleDesc desc, bool *whole)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		args[2];
	FmgrInfo   *impl = NULL;
	SPITupleTable *tt;
	uint64		nrows;
	RetHolds   *h;
	int			nest;
	AsOwnerSave save;

	*whole = false;
	args[0] = CStringGetTextDatum(nspname);
	args[1] = CStringGetTextDatum(relname);
	if (SPI_execute_with_args("SELECT h.hold_id, h.condition FROM scsm.legal_hold h "
							  "WHERE h.released_at IS NULL "
							  "  AND (h.table_name IS NULL OR (h.schema_name = $1 AND h.table_name = $2)) "
							  "ORDER BY h.hold_id",
							  2, types, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the legal holds");
	tt = SPI_tuptable;
	nrows = SPI_processed;
	if (nrows == 0)
		return NULL;
	h = palloc0(sizeof(RetHolds));
	h->owner = RelOwner(relid);
	h->nkeys = palloc0(sizeof(int) * nrows);
	h->keys = palloc0(sizeof(HoldKey *) * nrows);
	/*
	 * the values are read as the columns' types under the pinned settings,
	 * and with a fresh snapshot, as the register was: the batch's snapshot
	 * predates its waits for the register's and the table's locks, and the
	 * type look-ups of hold_condition_typed (STABLE) would read the columns
	 * as they were before a change those waits let commit, which the
	 * syscache already shows (an error pops it with the (sub)transaction)
	 */
	nest = RetHoldsPin();
	PushActiveSnapshot(GetLatestSnapshot());
	for (uint64 i = 0; i < nrows; i++)
	{
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(tt->vals[i], tt->tupdesc, 1, &isnull));
		Jsonb	   *c = ConditionFor(relid, DatumGetJsonbP(SPI_getbinval(tt->vals[i], tt->tupdesc, 2, &isnull)),
									 &impl, CurrentMemoryContext);
		JsonbIterator *it;
		JsonbValue	v;
		char	   *name;
		int			k;

		if (c == NULL)
			continue;			/* it holds no row of this table */
		if (JB_ROOT_COUNT(c) == 0)
		{
			/* no condition: the hold holds every row of the table */
			PopActiveSnapshot();
			RetHoldsUnpin(nest);
			*whole = true;
			return NULL;
		}
		k = h->nholds++;
		h->keys[k] = palloc0(sizeof(HoldKey) * JB_ROOT_COUNT(c));
		it = JsonbIteratorInit(&c->root);
		while (NextPair(&it, &name, &v))
		{
			AttrNumber	attno;
			HoldKey    *hk;

			/* hold_condition_for voids a condition on a column the table lacks */
			attno = RetentionColumn(desc, name);
			if (attno == 0)
				elog(ERROR, "legal hold %lld names column \"%s\", which table \"%s\" lacks",
					 (long long) id, name, relname);
			hk = &h->keys[k][h->nkeys[k]++];
			AsOwner(h->owner, &save);
			KeyPrepare(hk, attno, TupleDescAttr(desc, attno - 1), JsonbValueToJsonb(&v));
			AsBefore(&save);
		}
	}
	PopActiveSnapshot();
	RetHoldsUnpin(nest);
	if (h->nholds == 0)
		return NULL;
	RetHoldsIndex(h);
	return h;
}

/* Equal JSON scalars, as jsonb's containment compares them. */
static bool
ScalarsEqual(JsonbValue *a, JsonbValue *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case jbvNull:
			return true;
		case jbvString:
			return a->val.string.len == b->val.string.len &&
				memcmp(a->val.string.val, b->val.string.val, a->val.string.len) == 0;
		case jbvNumeric:
			return DatumGetBool(DirectFunctionCall2(numeric_eq,
													NumericGetDatum(a->val.numeric),
													NumericGetDatum(b->val.numeric)));
		case jbvBool:
			return a->val.boolean == b->val.boolean;
		default:
			elog(ERROR, "unexpected jsonb scalar type %d", (int) a->type);
	}
	return false;				/* keep the compiler quiet */
}

/* Does the row's value of the column contain the condition's value? */
static bool
KeyHolds(HoldKey *k, TupleDesc desc, HeapTuple tuple)
{
	bool		isnull;
	Datum		v = heap_getattr(tuple, k->attno, desc, &isnull);
	Jsonb	   *have;
	JsonbValue	a,
				b;
	JsonbIterator *it1,
			   *it2;

	if (k->typed)
	{
		if (isnull)
			return false;
		if (DatumGetBool(FunctionCall2Coll(&k->eq, k->collation, v, k->want_val)))
			return true;
		if (k->typed_only)
			return false;
	}
	switch (k->cmp)
	{
		case HOLD_NEVER:
			return false;
		case HOLD_INT:
			if (isnull)
				return false;
			return (k->typid == INT2OID ? (int64) DatumGetInt16(v) :
					k->typid == INT4OID ? (int64) DatumGetInt32(v) :
					DatumGetInt64(v)) == k->want_int;
		case HOLD_TEXT:
			if (isnull)
				return false;
			else
			{
				text	   *t = DatumGetTextPP(v);

				return (int) VARSIZE_ANY_EXHDR(t) == k->want_len &&
					memcmp(VARDATA_ANY(t), k->want_str, k->want_len) == 0;
			}
		case HOLD_JSON:
			break;
	}
	if (JB_ROOT_IS_SCALAR(k->want))
	{
		(void) JsonbExtractScalar(&k->want->root, &b);
		/* a NULL column is JSON null in to_jsonb of the row */
		if (isnull)
			return b.type == jbvNull;
		have = DatumGetJsonbP(FunctionCall1(&k->tojson, v));
		if (!JB_ROOT_IS_SCALAR(have))
			return false;
		(void) JsonbExtractScalar(&have->root, &a);
		return ScalarsEqual(&a, &b);
	}
	if (isnull)
		return false;
	have = DatumGetJsonbP(FunctionCall1(&k->tojson, v));
	if (JB_ROOT_IS_SCALAR(have) || JB_ROOT_IS_OBJECT(have) != JB_ROOT_IS_OBJECT(k->want))
		return false;
	it1 = JsonbIteratorInit(&have->root);
	it2 = JsonbIteratorInit(&k->want->root);
	return JsonbDeepContains(&it1, &it2);
}

/* Does hold i hold the row: every key of it? */
static bool
HoldHolds(RetHolds *h, int i, TupleDesc desc, HeapTuple tuple)
{
	for (int k = 0; k < h->nkeys[i]; k++)
	{
		HoldKey    *hk = &h->keys[i][k];

		if (hk->attno == 0 ?
			!(h->has_version && hk->cmp == HOLD_INT && (int64) h->version == hk->want_int) :
			!KeyHolds(hk, desc, tuple))
			return false;
	}
	return true;
}

/*
 * Does any of the holds hold the row?  Call between RetHoldsPin and
 * RetHoldsUnpin, as the table's owner
 * (switched to here).  The holds indexed by value are found by the row's
 * values (RetHoldsIndex).
 */
bool
RetHoldsMatch(RetHolds *h, TupleDesc desc, HeapTuple tuple)
{
	AsOwnerSave save;
	bool		held = false;

	AsOwner(h->owner, &save);
	for (int i = 0; i < h->nlinear && !held; i++)
		held = HoldHolds(h, h->linear[i], desc, tuple);
	for (int g = 0; g < h->ngroups && !held; g++)
	{
		HoldGroup  *gr = &h->groups[g];
		bool		isnull;
		Datum		v = heap_getattr(tuple, gr->attno, desc, &isnull);
		uint32		hv;
		int			lo = 0,
					hi = gr->nslots;

		/* a key compared exactly holds no NULL */
		if (isnull)
			continue;
		hv = ValueHash(gr->how, gr->typid, gr->hashfn, gr->collation, v);
		/* the first slot of that hash, then each hold under it in full */
		while (lo < hi)
		{
			int			mid = lo + (hi - lo) / 2;

			if (gr->slots[mid].hash < hv)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < gr->nslots && gr->slots[lo].hash == hv && !held; lo++)
			held = HoldHolds(h, gr->slots[lo].hold, desc, tuple);
	}
	AsBefore(&save);
	return held;
}

/*
 * scsm.hold_holds_row(r record, cond jsonb, version integer) -> boolean:
 * does the hold condition cond (as scsm.hold_condition_for gives it for r's
 * table) hold row r?  The general path's test (scsm.retention_candidates),
 * by the same code as the queue path's.  version, when given, is the row's
 * scsm_version (a current row of a versioned table tested against its
 * history table's form of a condition).  A condition naming a column r
 * lacks holds nothing; NULL r or cond hold nothing.  Each condition is
 * prepared once per query (fn_extra, by its bytes and r's type).
 */
typedef struct HoldRowCond
{
	Jsonb	   *cond;
	int			nkeys;			/* -1: names a column the row lacks */
	bool		pin;			/* a key calls to_jsonb: pin the settings */
	HoldKey    *keys;
} HoldRowCond;

typedef struct HoldRowCache
{
	MemoryContext cxt;
	Oid			typid;
	int32		typmod;
	TupleDesc	desc;
	int			n;
	int			max;
	int			last;			/* the condition found last */
	Oid			owner;			/* of the row's table: tested as that role */
	HoldRowCond *conds;
} HoldRowCache;

static HoldRowCond *
HoldRowPrepare(HoldRowCache *cache, Jsonb *cond)
{
	MemoryContext old;
	HoldRowCond *c;
	JsonbIterator *it;
	JsonbValue	v;
	char	   *name;
	int			nest;

	/*
	 * A query tests each row against the holds in the same order: look
	 * first at the condition after the one found last.
	 */
	for (int n = 0; n < cache->n; n++)
	{
		int			i = (cache->last + 1 + n) % cache->n;

		if (VARSIZE(cache->conds[i].cond) == VARSIZE(cond) &&
			memcmp(cache->conds[i].cond, cond, VARSIZE(cond)) == 0)
		{
			cache->last = i;
			return &cache->conds[i];
		}
	}
	old = MemoryContextSwitchTo(cache->cxt);
	if (cache->n == cache->max)
	{
		cache->max = cache->max == 0 ? 4 : cache->max * 2;
		cache->conds = cache->conds == NULL ? palloc(sizeof(HoldRowCond) * cache->max) :
			repalloc(cache->conds, sizeof(HoldRowCond) * cache->max);
	}
	c = &cache->conds[cache->n];
	memset(c, 0, sizeof(HoldRowCond));
	c->cond = (Jsonb *) palloc(VARSIZE(cond));
	memcpy(c->cond, cond, VARSIZE(cond));
	if (!JB_ROOT_IS_OBJECT(cond) || JB_ROOT_IS_SCALAR(cond))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a hold condition must be a JSON object of column = value pairs")));
	c->keys = palloc0(sizeof(HoldKey) * Max(JB_ROOT_COUNT(cond), 1));
	nest = RetHoldsPin();
	it = JsonbIteratorInit(&c->cond->root);
	while (NextPair(&it, &name, &v))
	{
		AttrNumber	attno;
		HoldKey    *hk;

		if (c->nkeys < 0)
			continue;
		hk = &c->keys[c->nkeys];
		attno = RetentionColumn(cache->desc, name);
		if (attno == 0 && strcmp(name, "scsm_version") != 0)
		{
			c->nkeys = -1;		/* no row of this type has the column */
			continue;
		}
		hk->want = JsonbValueToJsonb(&v);
		if (attno == 0)
		{
			/* the row's version, given with it: compared as an integer */
			hk->attno = 0;
			KeyCompareHow(hk, INT4OID, InvalidOid);
		}
		else
		{
			KeyPrepare(hk, attno, TupleDescAttr(cache->desc, attno - 1), hk->want);
			c->pin |= (hk->cmp == HOLD_JSON && !hk->typed_only);
		}
		c->nkeys++;
	}
	RetHoldsUnpin(nest);
	MemoryContextSwitchTo(old);
	cache->last = cache->n++;
	return c;
}

/*
 * The prepared conditions for rows of type (typid, typmod): cache itself if
 * it is for that type, else a new one (in a context under parent; the old
 * one is deleted).
 */
static HoldRowCache *
HoldRowCacheFor(HoldRowCache *cache, Oid typid, int32 typmod, MemoryContext parent)
{
	MemoryContext cxt;
	MemoryContext old;
	TupleDesc	desc;

	if (cache != NULL && cache->typid == typid && cache->typmod == typmod)
		return cache;
	if (cache != NULL)
		MemoryContextDelete(cache->cxt);
	cxt = AllocSetContextCreate(parent, "scsm hold conditions", ALLOCSET_SMALL_SIZES);
	cache = MemoryContextAllocZero(cxt, sizeof(HoldRowCache));
	cache->cxt = cxt;
	cache->typid = typid;
	cache->typmod = typmod;
	cache->owner = OidIsValid(get_typ_typrelid(typid)) ? RelOwner(get_typ_typrelid(typid)) : InvalidOid;
	desc = lookup_rowtype_tupdesc(typid, typmod);
	old = MemoryContextSwitchTo(cxt);
	cache->desc = CreateTupleDescCopy(desc);	/* keeps attcollation */
	MemoryContextSwitchTo(old);
	ReleaseTupleDesc(desc);
	return cache;
}

PG_FUNCTION_INFO_V1(scsm_hold_holds_row);

Datum
scsm_hold_holds_row(PG_FUNCTION_ARGS)
{
	HeapTupleHeader rec;
	Jsonb	   *cond;
	HoldRowCache *cache = (HoldRowCache *) fcinfo->flinfo->fn_extra;
	HoldRowCond *c;
	HeapTupleData tuple;
	Oid			typid;
	int32		typmod;
	bool		all = true;
	int			nest = 0;
	AsOwnerSave save;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	rec = PG_GETARG_HEAPTUPLEHEADER(0);
	cond = PG_GETARG_JSONB_P(1);
	typid = HeapTupleHeaderGetTypeId(rec);
	typmod = HeapTupleHeaderGetTypMod(rec);
	cache = HoldRowCacheFor(cache, typid, typmod, fcinfo->flinfo->fn_mcxt);
	fcinfo->flinfo->fn_extra = cache;
	AsOwner(cache->owner, &save);
	c = HoldRowPrepare(cache, cond);
	AsBefore(&save);
	if (c->nkeys < 0)
		PG_RETURN_BOOL(false);
	tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = rec;
	if (c->pin)
		nest = RetHoldsPin();
	AsOwner(cache->owner, &save);
	for (int k = 0; k < c->nkeys && all; k++)
	{
		HoldKey    *hk = &c->keys[k];

		if (hk->attno == 0)
			all = !PG_ARGISNULL(2) && hk->cmp == HOLD_INT &&
				(int64) PG_GETARG_INT32(2) == hk->want_int;
		else
			all = KeyHolds(hk, cache->desc, &tuple);
	}
	AsBefore(&save);
	if (c->pin)
		RetHoldsUnpin(nest);
	PG_RETURN_BOOL(all);
}

/*
 * scsm.hold_holds_any(r record, conds jsonb[], version integer) -> boolean:
 * does any of the conditions hold row r, as scsm.hold_holds_row tests
 * each?  The general path's test (scsm.retention_candidates), one call per
 * row for all the active holds instead of one per hold: the conditions are
 * prepared once per query (by their bytes, HoldRowPrepare) and indexed by
 * value (RetHoldsIndex), as on the queue path.  NULL r or conds hold
 * nothing, as do NULL elements.
 */
typedef struct HoldAnyCache
{
	HoldRowCache *rows;			/* the prepared conditions, by row type */
	MemoryContext icxt;			/* the index and its array, rebuilt together */
	ArrayType  *conds;			/* the array the index was built for */
	RetHolds   *h;
	bool		pin;			/* a condition calls to_jsonb */
} HoldAnyCache;

PG_FUNCTION_INFO_V1(scsm_hold_holds_any);

Datum
scsm_hold_holds_any(PG_FUNCTION_ARGS)
{
	HoldAnyCache *any = (HoldAnyCache *) fcinfo->flinfo->fn_extra;
	HeapTupleHeader rec;
	ArrayType  *conds;
	HeapTupleData tuple;
	Oid			typid;
	int32		typmod;
	bool		held;
	int			nest = 0;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	rec = PG_GETARG_HEAPTUPLEHEADER(0);
	conds = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_ELEMTYPE(conds) != JSONBOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("hold conditions must be a jsonb array")));
	typid = HeapTupleHeaderGetTypeId(rec);
	typmod = HeapTupleHeaderGetTypMod(rec);
	if (any == NULL)
	{
		any = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(HoldAnyCache));
		any->icxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "scsm hold index",
										  ALLOCSET_SMALL_SIZES);
		fcinfo->flinfo->fn_extra = any;
	}
	/* the prepared conditions go with the row type */
	if (any->rows == NULL || any->rows->typid != typid || any->rows->typmod != typmod)
	{
		/* the index points into the prepared conditions */
		any->h = NULL;
		any->rows = HoldRowCacheFor(any->rows, typid, typmod, fcinfo->flinfo->fn_mcxt);
	}
	/* the index goes with the array */
	if (any->h == NULL || VARSIZE(any->conds) != VARSIZE(conds) ||
		memcmp(any->conds, conds, VARSIZE(conds)) != 0)
	{
		HoldRowCache *cache = any->rows;
		MemoryContext old;
		ArrayIterator it;
		int			n = ArrayGetNItems(ARR_NDIM(conds), ARR_DIMS(conds));
		Datum		v;
		bool		isnull;
		RetHolds   *h;
		AsOwnerSave save;

		any->h = NULL;
		MemoryContextReset(any->icxt);
		old = MemoryContextSwitchTo(any->icxt);
		it = array_create_iterator(conds, 0, NULL);
		h = palloc0(sizeof(RetHolds));
		h->owner = cache->owner;
		h->nkeys = palloc0(sizeof(int) * Max(n, 1));
		h->keys = palloc0(sizeof(HoldKey *) * Max(n, 1));
		any->pin = false;
		while (array_iterate(it, &v, &isnull))
		{
			HoldRowCond *c;

			if (isnull)
				continue;
			AsOwner(cache->owner, &save);
			c = HoldRowPrepare(cache, DatumGetJsonbP(v));
			AsBefore(&save);
			if (c->nkeys < 0)
				continue;		/* names a column the row lacks: holds nothing */
			h->nkeys[h->nholds] = c->nkeys;
			h->keys[h->nholds] = c->keys;
			h->nholds++;
			any->pin |= c->pin;
		}
		array_free_iterator(it);
		RetHoldsIndex(h);
		any->conds = palloc(VARSIZE(conds));
		memcpy(any->conds, conds, VARSIZE(conds));
		any->h = h;
		MemoryContextSwitchTo(old);
	}
	tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = rec;
	any->h->has_version = !PG_ARGISNULL(2);
	any->h->version = PG_ARGISNULL(2) ? 0 : PG_GETARG_INT32(2);
	if (any->pin)
		nest = RetHoldsPin();
	held = RetHoldsMatch(any->h, any->rows->desc, &tuple);
	if (any->pin)
		RetHoldsUnpin(nest);
	PG_RETURN_BOOL(held);
}
