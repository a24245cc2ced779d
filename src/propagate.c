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

/*
 * Node id -> input position: open addressing with linear probing, at most
 * half full.  A million link endpoints are looked up, so this beats a
 * binary search over the sorted ids by a wide margin (one cache miss).
 */
typedef struct NodeMap
{
	int			bits;
	uint64		mask;
	int64	   *keys;
	int32	   *pos;			/* -1 = empty slot */
} NodeMap;

static inline uint64
NodeHash(const NodeMap *m, int64 id)
{
	return ((uint64) id * UINT64CONST(0x9E3779B97F4A7C15)) >> (64 - m->bits);
}

static void
NodeMapInit(NodeMap *m, int n)
{
	Size		cap;

	m->bits = 4;
	while (((Size) 1 << m->bits) < (Size) n * 2)
		m->bits++;
	cap = (Size) 1 << m->bits;
	m->mask = cap - 1;
	m->keys = palloc(sizeof(int64) * cap);
	m->pos = palloc(sizeof(int32) * cap);
	memset(m->pos, 0xFF, sizeof(int32) * cap);
}

/* Insert; returns false if the id is already there. */
static bool
NodeMapInsert(NodeMap *m, int64 id, int32 pos)
{
	uint64		h = NodeHash(m, id);

	while (m->pos[h] >= 0)
	{
		if (m->keys[h] == id)
			return false;
		h = (h + 1) & m->mask;
	}
	m->keys[h] = id;
	m->pos[h] = pos;
	return true;
}

/* Position of a node id, or -1. */
static inline int32
FindNode(const NodeMap *m, int64 id)
{
	uint64		h = NodeHash(m, id);

	while (m->pos[h] >= 0)
	{
		if (m->keys[h] == id)
			return m->pos[h];
		h = (h + 1) & m->mask;
	}
	return -1;
}

/*
 * The elements of a 1-D int8 or float8 array without nulls, read in place
 * (both are 8 bytes wide and stored contiguously): no per-element Datum
 * copies for a million links.  Returns the element count.
 */
static int
ArrayData8(ArrayType *a, Oid type, const char *name, const char **data)
{
	int			n;

	if (ARR_ELEMTYPE(a) != type)
		elog(ERROR, "%s has an unexpected element type", name);
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", name)));
	n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	if (array_contains_nulls(a))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain nulls", name)));
	*data = ARR_DATA_PTR(a);
	return n;
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
	const char *e_ids,
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
	NodeMap		map;
	int			qhead = 0,
				qtail = 0;

	nn = ArrayData8(PG_GETARG_ARRAYTYPE_P(0), INT8OID, "node_ids", &e_ids);
	if (ArrayData8(PG_GETARG_ARRAYTYPE_P(1), FLOAT8OID, "p", &e_p) != nn ||
		ArrayData8(PG_GETARG_ARRAYTYPE_P(2), FLOAT8OID, "loss", &e_loss) != nn)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("node_ids, p and loss must have the same length")));
	nl = ArrayData8(PG_GETARG_ARRAYTYPE_P(3), INT8OID, "link_from", &e_from);
	if (ArrayData8(PG_GETARG_ARRAYTYPE_P(4), INT8OID, "link_to", &e_to) != nl ||
		ArrayData8(PG_GETARG_ARRAYTYPE_P(5), FLOAT8OID, "weight", &e_w) != nl)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("link_from, link_to and weight must have the same length")));

	ids = palloc(sizeof(int64) * Max(nn, 1));
	p = palloc(sizeof(double) * Max(nn, 1));
	loss = palloc(sizeof(double) * Max(nn, 1));
	NodeMapInit(&map, nn);
	for (i = 0; i < nn; i++)
	{
		memcpy(&ids[i], e_ids + 8 * i, 8);
		memcpy(&p[i], e_p + 8 * i, 8);
		memcpy(&loss[i], e_loss + 8 * i, 8);
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
		if (!NodeMapInsert(&map, ids[i], i))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("node id " INT64_FORMAT " appears more than once", ids[i])));
	}

	from = palloc(sizeof(int32) * Max(nl, 1));
	to = palloc(sizeof(int32) * Max(nl, 1));
	w = palloc(sizeof(double) * Max(nl, 1));
	indeg = palloc0(sizeof(int32) * (nn + 1));
	off = palloc0(sizeof(int32) * (nn + 1));
	for (i = 0; i < nl; i++)
	{
		int64		f,
					t;

		memcpy(&f, e_from + 8 * i, 8);
		memcpy(&t, e_to + 8 * i, 8);
		memcpy(&w[i], e_w + 8 * i, 8);
		from[i] = FindNode(&map, f);
		to[i] = FindNode(&map, t);
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
