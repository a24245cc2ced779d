/*-------------------------------------------------------------------------
 *
 * propagate.c
 *	  Supply-chain disruption propagation: noisy-OR exposure over a DAG of
 *	  supply links, in one topological pass (Kahn).
 *
 * Model (docs/risk-quantitative.md): node v has its own disruption
 * probability p_v (from its own risks) and a loss L_v if it is disrupted.
 * A link u -> v (u supplies v) carries dependency weight w_uv in [0, 1]:
 * the probability that a disruption of u disrupts v.  Treating the causes
 * as independent (noisy-OR, exact on trees, an approximation where
 * suppliers share ancestors):
 *
 *	 P_v = 1 - (1 - p_v) * prod_{u -> v} (1 - w_uv * P_u)
 *	 expected_loss_v  = P_v * L_v
 *	 inherited_loss_v = (P_v - p_v) * L_v	(the part carried downstream)
 *	 depth_v = 0 for a node without suppliers, else 1 + max depth_u
 *
 * A cycle has no topological order: it is reported with the ids of the
 * nodes on one cycle.
 *
 * src/propagate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(scsm_propagate_exposure);

/* A node id with its position in the input, for lookups by id. */
typedef struct IdPos
{
	int64		id;
	int32		pos;
} IdPos;

static int
CompareIdPos(const void *a, const void *b)
{
	int64		x = ((const IdPos *) a)->id,
				y = ((const IdPos *) b)->id;

	return (x > y) - (x < y);
}

/* Deconstruct a 1-D array without nulls; returns the element count. */
static int
ArrayNoNulls(ArrayType *a, Oid type, const char *name, Datum **elems)
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

/* Position of a node id, or -1. */
static int32
FindNode(const IdPos *sorted, int n, int64 id)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (sorted[mid].id == id)
			return sorted[mid].pos;
		if (sorted[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * After Kahn's pass left nodes unprocessed, find one cycle among them and
 * raise an error naming its nodes.  Every unprocessed node has an
 * unprocessed supplier, so walking suppliers backwards must revisit a node.
 */
static void
ReportCycle(int nn, int nl, const int32 *from, const int32 *to,
			const bool *done, const int64 *ids, int remaining)
{
	int32	   *pred = palloc(sizeof(int32) * nn);
	int32	   *seen_at = palloc(sizeof(int32) * nn);
	int32	   *path = palloc(sizeof(int32) * nn);
	int			i,
				len = 0,
				start = -1,
				v;
	StringInfoData buf;

	for (i = 0; i < nn; i++)
	{
		pred[i] = -1;
		seen_at[i] = -1;
	}
	for (i = 0; i < nl; i++)
		if (!done[from[i]] && !done[to[i]])
			pred[to[i]] = from[i];
	for (v = 0; v < nn && done[v]; v++)
		;
	while (seen_at[v] < 0)
	{
		seen_at[v] = len;
		path[len++] = v;
		v = pred[v];
	}
	start = seen_at[v];

	/* path[start..len-1] walks the cycle against the links; print it along them */
	initStringInfo(&buf);
	for (i = len - 1; i >= start && (len - 1 - i) < 8; i--)
		appendStringInfo(&buf, INT64_FORMAT " -> ", ids[path[i]]);
	if (len - start > 8)
		appendStringInfoString(&buf, "... -> ");
	appendStringInfo(&buf, INT64_FORMAT, ids[path[len - 1]]);

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("supply chain links form a cycle"),
			 errdetail("Cycle of %d node(s): %s. %d node(s) are on or downstream of a cycle.",
					   len - start, buf.data, remaining),
			 errhint("Exposure propagation needs a directed acyclic graph; remove or reverse a link.")));
}

/*
 * propagate_exposure(node_ids, p, loss, link_from, link_to, weight)
 *	 RETURNS TABLE(node_id, exposure, expected_loss, inherited_loss, depth)
 * One row per node, in input order.
 */
Datum
scsm_propagate_exposure(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum	   *e_ids,
			   *e_p,
			   *e_loss,
			   *e_from,
			   *e_to,
			   *e_w;
	int			nn,
				nl,
				i;
	int64	   *ids;
	double	   *p,
			   *loss,
			   *surv,			/* r_v = 1 - prod over done suppliers */
			   *w,
			   *ew;
	int32	   *from,
			   *to,
			   *indeg,
			   *depth,
			   *off,
			   *adj,
			   *queue;
	bool	   *done;
	IdPos	   *sorted;
	int			qhead = 0,
				qtail = 0;

	nn = ArrayNoNulls(PG_GETARG_ARRAYTYPE_P(0), INT8OID, "node_ids", &e_ids);
	if (ArrayNoNulls(PG_GETARG_ARRAYTYPE_P(1), FLOAT8OID, "p", &e_p) != nn ||
		ArrayNoNulls(PG_GETARG_ARRAYTYPE_P(2), FLOAT8OID, "loss", &e_loss) != nn)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("node_ids, p and loss must have the same length")));
	nl = ArrayNoNulls(PG_GETARG_ARRAYTYPE_P(3), INT8OID, "link_from", &e_from);
	if (ArrayNoNulls(PG_GETARG_ARRAYTYPE_P(4), INT8OID, "link_to", &e_to) != nl ||
		ArrayNoNulls(PG_GETARG_ARRAYTYPE_P(5), FLOAT8OID, "weight", &e_w) != nl)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("link_from, link_to and weight must have the same length")));

	ids = palloc(sizeof(int64) * Max(nn, 1));
	p = palloc(sizeof(double) * Max(nn, 1));
	loss = palloc(sizeof(double) * Max(nn, 1));
	sorted = palloc(sizeof(IdPos) * Max(nn, 1));
	for (i = 0; i < nn; i++)
	{
		ids[i] = DatumGetInt64(e_ids[i]);
		p[i] = DatumGetFloat8(e_p[i]);
		loss[i] = DatumGetFloat8(e_loss[i]);
		if (!(p[i] >= 0.0 && p[i] <= 1.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("disruption probability must be between 0 and 1"),
					 errdetail("Node " INT64_FORMAT " has p = %g.", ids[i], p[i])));
		if (!(loss[i] >= 0.0) || isinf(loss[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("loss must be a finite number >= 0"),
					 errdetail("Node " INT64_FORMAT " has loss = %g.", ids[i], loss[i])));
		sorted[i].id = ids[i];
		sorted[i].pos = i;
	}
	qsort(sorted, nn, sizeof(IdPos), CompareIdPos);
	for (i = 1; i < nn; i++)
		if (sorted[i].id == sorted[i - 1].id)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("node id " INT64_FORMAT " appears more than once", sorted[i].id)));

	from = palloc(sizeof(int32) * Max(nl, 1));
	to = palloc(sizeof(int32) * Max(nl, 1));
	w = palloc(sizeof(double) * Max(nl, 1));
	indeg = palloc0(sizeof(int32) * (nn + 1));
	off = palloc0(sizeof(int32) * (nn + 1));
	for (i = 0; i < nl; i++)
	{
		int64		f = DatumGetInt64(e_from[i]),
					t = DatumGetInt64(e_to[i]);

		from[i] = FindNode(sorted, nn, f);
		to[i] = FindNode(sorted, nn, t);
		w[i] = DatumGetFloat8(e_w[i]);
		if (from[i] < 0 || to[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("link " INT64_FORMAT " -> " INT64_FORMAT " names an unknown node",
							f, t),
					 errdetail("Node " INT64_FORMAT " is not in node_ids.", from[i] < 0 ? f : t)));
		if (!(w[i] >= 0.0 && w[i] <= 1.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("dependency weight must be between 0 and 1"),
					 errdetail("Link " INT64_FORMAT " -> " INT64_FORMAT " has weight %g.",
							   f, t, w[i])));
		indeg[to[i]]++;
		off[from[i] + 1]++;
	}
	/* out-links of each node in CSR form: adj[off[u] .. off[u+1]) */
	for (i = 0; i < nn; i++)
		off[i + 1] += off[i];
	adj = palloc(sizeof(int32) * Max(nl, 1));
	ew = palloc(sizeof(double) * Max(nl, 1));
	{
		int32	   *fill = palloc(sizeof(int32) * (nn + 1));

		memcpy(fill, off, sizeof(int32) * (nn + 1));
		for (i = 0; i < nl; i++)
		{
			adj[fill[from[i]]] = to[i];
			ew[fill[from[i]]++] = w[i];
		}
		pfree(fill);
	}
	CHECK_FOR_INTERRUPTS();

	/* Kahn's pass: a node is final once all its suppliers are */
	surv = palloc(sizeof(double) * Max(nn, 1));
	depth = palloc0(sizeof(int32) * Max(nn, 1));
	done = palloc0(sizeof(bool) * Max(nn, 1));
	queue = palloc(sizeof(int32) * Max(nn, 1));
	/*
	 * surv[v] accumulates r_v = 1 - prod(1 - w P_u) over the suppliers done
	 * so far, as r + x - r x: no cancellation, and a node without
	 * suppliers gets exactly P_v = p_v.
	 */
	for (i = 0; i < nn; i++)
	{
		surv[i] = 0.0;
		if (indeg[i] == 0)
			queue[qtail++] = i;
	}
	while (qhead < qtail)
	{
		int32		u = queue[qhead++];
		double		pu = p[u] + (1.0 - p[u]) * surv[u];
		int32		k;

		done[u] = true;
		for (k = off[u]; k < off[u + 1]; k++)
		{
			int32		v = adj[k];

			double		x = ew[k] * pu;

			surv[v] = surv[v] + x - surv[v] * x;
			if (depth[u] + 1 > depth[v])
				depth[v] = depth[u] + 1;
			if (--indeg[v] == 0)
				queue[qtail++] = v;
		}
		if ((qhead & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (qtail < nn)
		ReportCycle(nn, nl, from, to, done, ids, nn - qtail);

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < nn; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		double		inherited = (1.0 - p[i]) * surv[i];
		double		exposure = p[i] + inherited;

		values[0] = Int64GetDatum(ids[i]);
		values[1] = Float8GetDatum(exposure);
		values[2] = Float8GetDatum(exposure * loss[i]);
		values[3] = Float8GetDatum(inherited * loss[i]);
		values[4] = Int32GetDatum(depth[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
