/*-------------------------------------------------------------------------
 *
 * optimise.c
 *	  Security programme optimisation under a budget (ISO 28000 4.3.5):
 *	  exact 0/1 knapsack, multiple-choice knapsack (at most one option per
 *	  risk) and the budget curve.
 *
 * Both are the textbook dynamic programme over integer costs, O(n B) time:
 * best[b] = the largest total benefit (risk reduction) with total cost at
 * most b.  The 0/1 version keeps one decision bit per (item, budget) to
 * recover the chosen set; the multiple-choice version keeps the chosen
 * option per (group, budget).  The same table read at every budget gives
 * the marginal curve ("what the next unit of budget buys").
 *
 * Costs must be integers (express money in the unit the decision needs,
 * e.g. thousands); benefits are float8.  Ties keep the cheaper, earlier
 * decision (an item is taken only if it strictly improves the total).
 *
 * src/optimise.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(scsm_knapsack);
PG_FUNCTION_INFO_V1(scsm_knapsack_grouped);
PG_FUNCTION_INFO_V1(scsm_knapsack_curve);
PG_FUNCTION_INFO_V1(scsm_knapsack_grouped_curve);
PG_FUNCTION_INFO_V1(scsm_rosi);

/* Largest budget (table width) and decision table we accept. */
#define KNAPSACK_MAX_BUDGET INT64CONST(20000000)
#define KNAPSACK_MAX_TABLE_BYTES ((Size) 512 * 1024 * 1024)

typedef struct Items
{
	int			n;
	int64	   *id;
	int64	   *group;
	int64	   *cost;
	double	   *benefit;
} Items;

static int
ReadArray(ArrayType *a, Oid type, const char *name, Datum **elems)
{
	bool	   *nulls;
	int			n,
				i;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", name)));
	deconstruct_array(a, type, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, elems, &nulls, &n);
	for (i = 0; i < n; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain nulls", name),
					 errdetail("Element %d is null.", i + 1)));
	return n;
}

/*
 * Read and check the item arrays (any of ids/groups may be NULL, meaning
 * "not given") and the budget.
 */
static void
ReadItems(ArrayType *ids, ArrayType *groups, ArrayType *costs, ArrayType *benefits,
		  int64 budget, Items *it)
{
	Datum	   *e_id = NULL,
			   *e_g = NULL,
			   *e_c,
			   *e_b;
	int			n,
				i;

	n = ReadArray(costs, INT8OID, "costs", &e_c);
	if (ReadArray(benefits, FLOAT8OID, "benefits", &e_b) != n ||
		(ids && ReadArray(ids, INT8OID, "item_ids", &e_id) != n) ||
		(groups && ReadArray(groups, INT8OID, "group_ids", &e_g) != n))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("item arrays must have the same length")));
	if (budget < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("budget must not be negative"),
				 errdetail("The budget given was " INT64_FORMAT ".", budget)));
	if (budget > KNAPSACK_MAX_BUDGET)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("budget " INT64_FORMAT " is too large for the exact knapsack", budget),
				 errdetail("The table has one column per budget unit; the limit is " INT64_FORMAT " units.",
						   KNAPSACK_MAX_BUDGET),
				 errhint("Express costs and budget in a coarser unit.")));
	it->n = n;
	it->id = palloc(sizeof(int64) * Max(n, 1));
	it->group = palloc(sizeof(int64) * Max(n, 1));
	it->cost = palloc(sizeof(int64) * Max(n, 1));
	it->benefit = palloc(sizeof(double) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		it->id[i] = e_id ? DatumGetInt64(e_id[i]) : i + 1;
		it->group[i] = e_g ? DatumGetInt64(e_g[i]) : i + 1;
		it->cost[i] = DatumGetInt64(e_c[i]);
		it->benefit[i] = DatumGetFloat8(e_b[i]);
		if (it->cost[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("costs must not be negative"),
					 errdetail("Item " INT64_FORMAT " has cost " INT64_FORMAT ".",
							   it->id[i], it->cost[i])));
		if (isnan(it->benefit[i]) || isinf(it->benefit[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("benefits must be finite numbers"),
					 errdetail("Item " INT64_FORMAT " has benefit %g.",
							   it->id[i], it->benefit[i])));
	}
}

static void
CheckTable(double cells, double bytes_per_cell)
{
	if (cells * bytes_per_cell > (double) KNAPSACK_MAX_TABLE_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("knapsack decision table is too large"),
				 errdetail("It needs %.0f cells (items or groups times budget + 1), %.0f MB; the limit is %d MB.",
						   cells, cells * bytes_per_cell / 1048576.0,
						   (int) (KNAPSACK_MAX_TABLE_BYTES / 1048576)),
				 errhint("Express costs and budget in a coarser unit, or drop dominated options.")));
}

/*
 * 0/1 knapsack over items; best[0..B] is filled.  If bits is not NULL it
 * receives a decision bit per (item, budget): row i has stride words.
 */
static void
Knapsack01(const Items *it, int64 B, double *best, uint64 *bits, Size stride)
{
	int			i;

	for (i = 0; i <= B; i++)
		best[i] = 0.0;
	for (i = 0; i < it->n; i++)
	{
		int64		c = it->cost[i],
					b;
		double		v = it->benefit[i];
		uint64	   *row = bits ? bits + stride * i : NULL;

		if (c > B || v <= 0.0)
			continue;
		/* descending b: best[b - c] still holds the value without item i */
		for (b = B; b >= c; b--)
		{
			double		cand = best[b - c] + v;

			if (cand > best[b])
			{
				best[b] = cand;
				if (row)
					row[b >> 6] |= UINT64CONST(1) << (b & 63);
			}
		}
		CHECK_FOR_INTERRUPTS();
	}
}

/* Items sorted by group: order[] gives the item positions, gstart[] the runs. */
typedef struct Groups
{
	int			ngroups;
	int		   *order;
	int		   *gstart;			/* ngroups + 1 entries */
} Groups;

static int
CompareByGroup(const void *a, const void *b, void *arg)
{
	const Items *it = (const Items *) arg;
	int			x = *(const int *) a,
				y = *(const int *) b;
	int64		gx = it->group[x],
				gy = it->group[y];

	if (gx != gy)
		return (gx > gy) - (gx < gy);
	return (x > y) - (x < y);
}

static void
GroupItems(const Items *it, Groups *g)
{
	int			i;

	g->order = palloc(sizeof(int) * Max(it->n, 1));
	g->gstart = palloc(sizeof(int) * (it->n + 1));
	for (i = 0; i < it->n; i++)
		g->order[i] = i;
	qsort_arg(g->order, it->n, sizeof(int), CompareByGroup, (void *) it);
	g->ngroups = 0;
	for (i = 0; i < it->n; i++)
		if (i == 0 || it->group[g->order[i]] != it->group[g->order[i - 1]])
			g->gstart[g->ngroups++] = i;
	g->gstart[g->ngroups] = it->n;
	for (i = 0; i < g->ngroups; i++)
		if (g->gstart[i + 1] - g->gstart[i] > 65535)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a group has more than 65535 options")));
}

/*
 * Multiple-choice knapsack: at most one item per group.  best[0..B] is
 * filled; choice (if not NULL) receives, per (group, budget), 1 + the rank
 * of the chosen option inside the group, or 0 for none.
 */
static void
KnapsackGrouped(const Items *it, const Groups *g, int64 B, double *best, uint16 *choice)
{
	double	   *prev = palloc(sizeof(double) * (B + 1));
	int			gi;
	int64		b;

	for (b = 0; b <= B; b++)
		best[b] = 0.0;
	for (gi = 0; gi < g->ngroups; gi++)
	{
		uint16	   *row = choice ? choice + (Size) gi * (B + 1) : NULL;
		int			k;

		memcpy(prev, best, sizeof(double) * (B + 1));
		for (k = g->gstart[gi]; k < g->gstart[gi + 1]; k++)
		{
			int			i = g->order[k];
			int64		c = it->cost[i];
			double		v = it->benefit[i];

			if (c > B || v <= 0.0)
				continue;
			/* a group may hold 65535 options, each a pass over the budget */
			CHECK_FOR_INTERRUPTS();
			for (b = c; b <= B; b++)
			{
				double		cand = prev[b - c] + v;

				if (cand > best[b])
				{
					best[b] = cand;
					if (row)
						row[b] = (uint16) (k - g->gstart[gi] + 1);
				}
			}
		}
		CHECK_FOR_INTERRUPTS();
	}
	pfree(prev);
}

static Datum
ResultTuple(FunctionCallInfo fcinfo, const Items *it, const bool *chosen)
{
	TupleDesc	tupdesc;
	Datum		values[3],
			   *ids;
	bool		nulls[3] = {false, false, false};
	int			i,
				k = 0;
	int64		cost = 0;
	double		benefit = 0.0;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	ids = palloc(sizeof(Datum) * Max(it->n, 1));
	for (i = 0; i < it->n; i++)
		if (chosen[i])
		{
			ids[k++] = Int64GetDatum(it->id[i]);
			cost += it->cost[i];
			benefit += it->benefit[i];
		}
	values[0] = PointerGetDatum(construct_array(ids, k, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[1] = Int64GetDatum(cost);
	values[2] = Float8GetDatum(benefit);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/*
 * knapsack(item_ids, costs, benefits, budget)
 *	 -> (chosen bigint[], total_cost bigint, total_benefit float8)
 */
Datum
scsm_knapsack(PG_FUNCTION_ARGS)
{
	Items		it;
	int64		B = PG_GETARG_INT64(3),
				b;
	double	   *best;
	uint64	   *bits;
	Size		stride;
	bool	   *chosen;
	int			i;

	ReadItems(PG_GETARG_ARRAYTYPE_P(0), NULL, PG_GETARG_ARRAYTYPE_P(1),
			  PG_GETARG_ARRAYTYPE_P(2), B, &it);
	stride = (Size) (B / 64 + 1);
	CheckTable((double) it.n * (double) stride * 64.0, 1.0 / 8.0);
	best = palloc(sizeof(double) * (B + 1));
	bits = MemoryContextAllocExtended(CurrentMemoryContext,
									  sizeof(uint64) * stride * Max(it.n, 1),
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	Knapsack01(&it, B, best, bits, stride);

	chosen = palloc0(sizeof(bool) * Max(it.n, 1));
	b = B;
	for (i = it.n - 1; i >= 0; i--)
		if (bits[stride * i + (b >> 6)] & (UINT64CONST(1) << (b & 63)))
		{
			chosen[i] = true;
			b -= it.cost[i];
		}
	PG_RETURN_DATUM(ResultTuple(fcinfo, &it, chosen));
}

/*
 * knapsack_grouped(item_ids, group_ids, costs, benefits, budget)
 * Multiple-choice: at most one item of each group.
 */
Datum
scsm_knapsack_grouped(PG_FUNCTION_ARGS)
{
	Items		it;
	Groups		g;
	int64		B = PG_GETARG_INT64(4),
				b;
	double	   *best;
	uint16	   *choice;
	bool	   *chosen;
	int			gi;

	ReadItems(PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_ARRAYTYPE_P(2),
			  PG_GETARG_ARRAYTYPE_P(3), B, &it);
	GroupItems(&it, &g);
	CheckTable((double) g.ngroups * (double) (B + 1), sizeof(uint16));
	best = palloc(sizeof(double) * (B + 1));
	choice = MemoryContextAllocExtended(CurrentMemoryContext,
										sizeof(uint16) * (Size) Max(g.ngroups, 1) * (B + 1),
										MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	KnapsackGrouped(&it, &g, B, best, choice);

	chosen = palloc0(sizeof(bool) * Max(it.n, 1));
	b = B;
	for (gi = g.ngroups - 1; gi >= 0; gi--)
	{
		int			r = choice[(Size) gi * (B + 1) + b];

		if (r > 0)
		{
			int			i = g.order[g.gstart[gi] + r - 1];

			chosen[i] = true;
			b -= it.cost[i];
		}
	}
	PG_RETURN_DATUM(ResultTuple(fcinfo, &it, chosen));
}

/* Emit (budget, best_benefit, marginal) at 0, step, 2 step, ..., B. */
static void
EmitCurve(FunctionCallInfo fcinfo, const double *best, int64 B, int64 step)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		b,
				prev = -1;

	InitMaterializedSRF(fcinfo, 0);
	for (b = 0;; b = Min(b + step, B))
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int64GetDatum(b);
		values[1] = Float8GetDatum(best[b]);
		if (prev < 0)
			nulls[2] = true;
		else
			values[2] = Float8GetDatum((best[b] - best[prev]) / (double) (b - prev));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		prev = b;
		if (b == B)
			break;
	}
}

static void
CheckStep(int64 step)
{
	if (step < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("budget step must be at least 1"),
				 errdetail("The step given was " INT64_FORMAT ".", step)));
}

/*
 * knapsack_curve(costs, benefits, budget, step)
 *	 RETURNS TABLE(budget, best_benefit, marginal): the best 0/1 programme
 * value at each budget on the grid, and the benefit per budget unit of
 * the last step.
 */
Datum
scsm_knapsack_curve(PG_FUNCTION_ARGS)
{
	Items		it;
	int64		B = PG_GETARG_INT64(2),
				step = PG_GETARG_INT64(3);
	double	   *best;

	CheckStep(step);
	ReadItems(NULL, NULL, PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_ARRAYTYPE_P(1), B, &it);
	best = MemoryContextAllocExtended(CurrentMemoryContext, sizeof(double) * (B + 1),
									  MCXT_ALLOC_HUGE);
	Knapsack01(&it, B, best, NULL, 0);
	EmitCurve(fcinfo, best, B, step);
	return (Datum) 0;
}

/* knapsack_grouped_curve(group_ids, costs, benefits, budget, step) */
Datum
scsm_knapsack_grouped_curve(PG_FUNCTION_ARGS)
{
	Items		it;
	Groups		g;
	int64		B = PG_GETARG_INT64(3),
				step = PG_GETARG_INT64(4);
	double	   *best;

	CheckStep(step);
	ReadItems(NULL, PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_ARRAYTYPE_P(1),
			  PG_GETARG_ARRAYTYPE_P(2), B, &it);
	GroupItems(&it, &g);
	best = MemoryContextAllocExtended(CurrentMemoryContext, sizeof(double) * (B + 1),
									  MCXT_ALLOC_HUGE);
	KnapsackGrouped(&it, &g, B, best, NULL);
	EmitCurve(fcinfo, best, B, step);
	return (Datum) 0;
}

/* ROSI = (risk reduction - cost) / cost (ENISA 2012). */
Datum
scsm_rosi(PG_FUNCTION_ARGS)
{
	double		r = PG_GETARG_FLOAT8(0),
				c = PG_GETARG_FLOAT8(1);

	if (!(c > 0.0) || isinf(c))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cost must be a finite number > 0"),
				 errdetail("The cost given was %g.", c)));
	if (isnan(r) || isinf(r))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("risk reduction must be a finite number"),
				 errdetail("The risk reduction given was %g.", r)));
	PG_RETURN_FLOAT8((r - c) / c);
}
