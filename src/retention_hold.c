/*-------------------------------------------------------------------------
 *
 * retention_hold.c
 *	  Legal holds tested on rows in C, for disposal's queue path.
 *
 * A hold holds the rows whose to_jsonb contains its condition (column =
 * value pairs, each value in the form scsm.json_form gives it), as
 * scsm.retention_candidates tests in SQL.  The same test here, column by
 * column: an object contains another exactly when, for every key of the
 * second, the first has the key and its value contains the other's (equal
 * scalars; a container of the same kind that contains the other), which is
 * PostgreSQL's own JsonbDeepContains for containers.  So only the columns a
 * hold names are converted, with to_jsonb itself, under the same fixed
 * settings as scsm.json_form (RetHoldsPin).  What a condition means for
 * the table (values as its columns' types, org_id only where it has one, a
 * column it lacks: no row) is scsm.hold_condition_for's, for both paths.
 *
 * src/retention_hold.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

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
	AttrNumber	attno;
	HoldCmp		cmp;
	Oid			typid;
	int64		want_int;		/* HOLD_INT */
	char	   *want_str;		/* HOLD_TEXT */
	int			want_len;
	FmgrInfo	tojson;			/* to_jsonb, told the column's type */
	Jsonb	   *want;			/* the condition's value */
} HoldKey;

struct RetHolds
{
	int			nholds;
	int		   *nkeys;
	HoldKey   **keys;
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

/* Work out how a key's values are compared (HoldCmp). */
static void
KeyCompareHow(HoldKey *k, Oid typid)
{
	JsonbValue	w;
	bool		is_int = (typid == INT2OID || typid == INT4OID || typid == INT8OID);
	bool		is_text = (typid == TEXTOID || typid == VARCHAROID || typid == BPCHAROID);

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
 * The active holds that can hold rows of the table (relid, nspname.relname,
 * whose rows have desc): its own and the case holds, each condition as
 * scsm.hold_condition_for applies it to the table.  Runs inside SPI; reads
 * the register afresh (the caller holds its lock).  NULL when none can;
 * *whole when one holds every row (a condition left empty).
 */
RetHolds *
RetHoldsLoad(Oid relid, const char *nspname, const char *relname, TupleDesc desc, bool *whole)
{
	Oid			types[3] = {TEXTOID, TEXTOID, REGCLASSOID};
	Datum		args[3];
	SPITupleTable *tt;
	uint64		nrows;
	RetHolds   *h;
	int64		cur = 0;

	*whole = false;
	args[0] = CStringGetTextDatum(nspname);
	args[1] = CStringGetTextDatum(relname);
	args[2] = ObjectIdGetDatum(relid);
	/* each condition as it applies to this table, as the general path reads it */
	if (SPI_execute_with_args("SELECT h.hold_id, e.key, e.value "
							  "FROM (SELECT h.hold_id, scsm.hold_condition_for($3, h.condition) AS c "
							  "        FROM scsm.legal_hold h WHERE h.released_at IS NULL "
							  "         AND (h.table_name IS NULL OR (h.schema_name = $1 AND h.table_name = $2))) h "
							  "LEFT JOIN LATERAL pg_catalog.jsonb_each(h.c) e ON true "
							  "WHERE h.c IS NOT NULL ORDER BY h.hold_id",
							  3, types, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the legal holds");
	tt = SPI_tuptable;
	nrows = SPI_processed;
	if (nrows == 0)
		return NULL;
	h = palloc0(sizeof(RetHolds));
	h->nkeys = palloc0(sizeof(int) * nrows);
	h->keys = palloc0(sizeof(HoldKey *) * nrows);
	for (uint64 i = 0; i < nrows; i++)
	{
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(tt->vals[i], tt->tupdesc, 1, &isnull));
		Datum		key = SPI_getbinval(tt->vals[i], tt->tupdesc, 2, &isnull);
		int			k;
		AttrNumber	attno;
		HoldKey    *hk;
		Form_pg_attribute a;
		FuncExpr   *call;

		if (isnull)
		{
			/* no condition: the hold holds every row of the table */
			*whole = true;
			return NULL;
		}
		if (h->nholds == 0 || id != cur)
		{
			uint64		nk = 0;

			/* its keys: the rows that follow with the same hold id */
			for (uint64 j = i; j < nrows; j++)
			{
				bool		jnull;

				if (DatumGetInt64(SPI_getbinval(tt->vals[j], tt->tupdesc, 1, &jnull)) != id)
					break;
				nk++;
			}
			cur = id;
			h->keys[h->nholds] = palloc0(sizeof(HoldKey) * nk);
			h->nholds++;
		}
		k = h->nholds - 1;
		/* hold_condition_for voids a condition on a column the table lacks */
		attno = RetentionColumn(desc, TextDatumGetCString(key));
		if (attno == 0)
			elog(ERROR, "legal hold %lld names column \"%s\", which table \"%s\" lacks",
				 (long long) id, TextDatumGetCString(key), relname);
		a = TupleDescAttr(desc, attno - 1);
		hk = &h->keys[k][h->nkeys[k]++];
		hk->attno = attno;
		hk->want = DatumGetJsonbPCopy(SPI_getbinval(tt->vals[i], tt->tupdesc, 3, &isnull));
		KeyCompareHow(hk, a->atttypid);
		/* to_jsonb (anyelement) reads its argument's type from the call */
		fmgr_info(F_TO_JSONB, &hk->tojson);
		call = makeFuncExpr(F_TO_JSONB, JSONBOID,
							list_make1(makeNullConst(a->atttypid, a->atttypmod, a->attcollation)),
							InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
		fmgr_info_set_expr((Node *) call, &hk->tojson);
	}
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

/*
 * Does any of the holds hold the row?  Call between RetHoldsPin and
 * RetHoldsUnpin.
 */
bool
RetHoldsMatch(RetHolds *h, TupleDesc desc, HeapTuple tuple)
{
	for (int i = 0; i < h->nholds; i++)
	{
		bool		all = true;

		for (int k = 0; k < h->nkeys[i] && all; k++)
			all = KeyHolds(&h->keys[i][k], desc, tuple);
		if (all)
			return true;
	}
	return false;
}
