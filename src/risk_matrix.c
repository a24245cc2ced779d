/*-------------------------------------------------------------------------
 *
 * risk_matrix.c
 *	  Risk matrices as data: loading a matrix version from the tables, the
 *	  cell lookup used by scoring, and the geometric linter (monotonicity,
 *	  Cox 2008 weak consistency and betweenness).
 *
 * A matrix version lives in scsm.risk_matrix_version, scsm.risk_level and
 * scsm.risk_matrix_cell.  It is read through SPI once per call site and
 * kept in fn_extra, so a query scoring many risks reads it once.
 *
 * src/risk_matrix.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "scsm.h"
#include "risk.h"

PG_FUNCTION_INFO_V1(scsm_risk_level_of);
PG_FUNCTION_INFO_V1(scsm_risk_matrix_lint_grid);

/* Text of column col of row r of the last SPI result, copied into mcxt */
static char *
SpiText(int r, int col, MemoryContext mcxt)
{
	char	   *v = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, col);

	return v ? MemoryContextStrdup(mcxt, v) : NULL;
}

/* Run one query with the version id as $1 */
static uint64
SpiRun(const char *sql, int64 version_id)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(version_id)};
	int			rc;

	rc = SPI_execute_with_args(sql, 1, argtypes, args, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(rc));
	return SPI_processed;
}

/*
 * Read a matrix version into memory allocated in mcxt.  Raises 42704 when
 * the version does not exist.  Cells without a defined level stay -1.
 */
RiskMatrix *
RiskMatrixLoad(int64 version_id, MemoryContext mcxt)
{
	RiskMatrix *m;
	uint64		i;

	m = MemoryContextAllocZero(mcxt, sizeof(RiskMatrix));
	m->version_id = version_id;

	SPI_connect();
	if (SpiRun("SELECT v.n_likelihood, v.n_consequence, m.name || ' v' || v.version,"
			   "       v.matrix_id, v.version, v.appetite_level, v.tolerance_level,"
			   "       v.consequence_rule, v.control_rule, v.effectiveness_cap"
			   "  FROM scsm.risk_matrix_version v JOIN scsm.risk_matrix m USING (matrix_id)"
			   " WHERE v.version_id = $1", version_id) != 1)
	{
		SPI_finish();
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("risk matrix version " INT64_FORMAT " does not exist", version_id)));
	}
	m->nl = atoi(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	m->nc = atoi(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2));
	m->name = SpiText(0, 3, mcxt);
	{
		bool		isnull;

		m->matrix_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull));
		m->version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5, &isnull));
		m->cap = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 10, &isnull));
	}
	m->appetite = SpiText(0, 6, mcxt);
	m->tolerance = SpiText(0, 7, mcxt);
	m->consequence_rule = SpiText(0, 8, mcxt);
	m->control_rule = SpiText(0, 9, mcxt);
	if (m->nl < 1 || m->nl > 10 || m->nc < 1 || m->nc > 10)
		elog(ERROR, "risk matrix version " INT64_FORMAT " has an invalid size", version_id);

	m->l_labels = MemoryContextAllocZero(mcxt, sizeof(char *) * m->nl);
	m->c_labels = MemoryContextAllocZero(mcxt, sizeof(char *) * m->nc);
	SpiRun("SELECT 0, u.o, u.x FROM scsm.risk_matrix_version v,"
		   "       unnest(v.likelihood_labels) WITH ORDINALITY u(x, o) WHERE v.version_id = $1"
		   " UNION ALL "
		   "SELECT 1, u.o, u.x FROM scsm.risk_matrix_version v,"
		   "       unnest(v.consequence_labels) WITH ORDINALITY u(x, o) WHERE v.version_id = $1",
		   version_id);
	for (i = 0; i < SPI_processed; i++)
	{
		int			axis = atoi(SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
		int			o = atoi(SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2));

		if (axis == 0 && o >= 1 && o <= m->nl)
			m->l_labels[o - 1] = SpiText(i, 3, mcxt);
		else if (axis == 1 && o >= 1 && o <= m->nc)
			m->c_labels[o - 1] = SpiText(i, 3, mcxt);
	}

	SpiRun("SELECT key, value FROM scsm.risk_matrix_version v, jsonb_each_text(v.consequence_weights)"
		   " WHERE v.version_id = $1", version_id);
	m->nweights = (int) SPI_processed;
	m->weight_dim = MemoryContextAllocZero(mcxt, sizeof(char *) * Max(m->nweights, 1));
	m->weight_val = MemoryContextAllocZero(mcxt, sizeof(char *) * Max(m->nweights, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		m->weight_dim[i] = SpiText(i, 1, mcxt);
		m->weight_val[i] = SpiText(i, 2, mcxt);
	}

	SpiRun("SELECT level_code, name, colour, rank, classification_hint, treatment_deadline, score"
		   "  FROM scsm.risk_level WHERE version_id = $1 ORDER BY rank", version_id);
	m->nlevels = (int) SPI_processed;
	m->levels = MemoryContextAllocZero(mcxt, sizeof(RiskLevel) * Max(m->nlevels, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		d;

		m->levels[i].code = SpiText(i, 1, mcxt);
		m->levels[i].name = SpiText(i, 2, mcxt);
		m->levels[i].colour = SpiText(i, 3, mcxt);
		m->levels[i].rank = atoi(SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 4));
		m->levels[i].hint = SpiText(i, 5, mcxt);
		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 6, &isnull);
		if (!isnull)
		{
			/* ISO 8601 whatever the session's IntervalStyle: scores must not vary */
			struct pg_itm itm;
			char		buf[MAXDATELEN + 1];

			interval2itm(*DatumGetIntervalP(d), &itm);
			EncodeInterval(&itm, INTSTYLE_ISO_8601, buf);
			m->levels[i].deadline = MemoryContextStrdup(mcxt, buf);
		}
		m->levels[i].score = SpiText(i, 7, mcxt);
	}

	m->cell = MemoryContextAlloc(mcxt, sizeof(int) * m->nl * m->nc);
	for (i = 0; i < (uint64) (m->nl * m->nc); i++)
		m->cell[i] = -1;
	SpiRun("SELECT likelihood, consequence, level_code FROM scsm.risk_matrix_cell"
		   " WHERE version_id = $1", version_id);
	for (i = 0; i < SPI_processed; i++)
	{
		int			l = atoi(SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
		int			c = atoi(SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2));
		char	   *code = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);
		int			k;

		if (l < 1 || l > m->nl || c < 1 || c > m->nc)
			continue;			/* outside the matrix: the linter reports it */
		for (k = 0; k < m->nlevels; k++)
			if (strcmp(m->levels[k].code, code) == 0)
				RISK_CELL(m, l, c) = k;
	}
	SPI_finish();
	return m;
}

/*
 * The matrix for this call site, read once per command: scoring a whole
 * register calls risk_level_of once per risk with the same version.  The
 * copy is dropped when the command or transaction changes, because PL/pgSQL
 * keeps a call site alive across statements that may edit a draft version.
 */
RiskMatrix *
RiskMatrixCached(FunctionCallInfo fcinfo, int64 version_id)
{
	RiskMatrix *m = (RiskMatrix *) fcinfo->flinfo->fn_extra;
	LocalTransactionId lxid = MyProc->lxid;
	CommandId	cid = GetCurrentCommandId(false);

	if (m == NULL || m->version_id != version_id || m->lxid != lxid || m->cid != cid)
	{
		/* each copy has its own context, so a reload frees the old one */
		MemoryContext cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "scsm risk matrix",
												  ALLOCSET_SMALL_SIZES);

		if (m != NULL)
			MemoryContextDelete(m->cxt);
		fcinfo->flinfo->fn_extra = NULL;
		m = RiskMatrixLoad(version_id, cxt);
		m->cxt = cxt;
		m->lxid = lxid;
		m->cid = cid;
		fcinfo->flinfo->fn_extra = m;
	}
	return m;
}

/*
 * Level (index into m->levels) of cell (l, c), 1-based.  Raises 22023 for
 * an index outside the matrix and 55000 for a cell the version does not
 * define (a lint error).
 */
int
RiskMatrixLevel(RiskMatrix *m, int l, int c)
{
	int64		vid = m->version_id;
	int			k;

	if (l < 1 || l > m->nl)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("likelihood %d is outside the matrix", l),
				 errdetail("Matrix version " INT64_FORMAT " has likelihood 1 to %d.", vid, m->nl)));
	if (c < 1 || c > m->nc)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("consequence %d is outside the matrix", c),
				 errdetail("Matrix version " INT64_FORMAT " has consequence 1 to %d.", vid, m->nc)));
	k = RISK_CELL(m, l, c);
	if (k < 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("risk matrix version " INT64_FORMAT " has no level for cell (%d,%d)", vid, l, c),
				 errhint("Run scsm.risk_matrix_lint() on the version.")));
	return k;
}

/* scsm.risk_level_of(version, likelihood, consequence): the level code */
Datum
scsm_risk_level_of(PG_FUNCTION_ARGS)
{
	RiskMatrix *m = RiskMatrixCached(fcinfo, PG_GETARG_INT64(0));

	PG_RETURN_TEXT_P(cstring_to_text(m->levels[RiskMatrixLevel(m, PG_GETARG_INT32(1),
															   PG_GETARG_INT32(2))].code));
}

/* ---------------------------------------------------------------------
 * Linter
 * ---------------------------------------------------------------------
 */

/* Where lint rows go: the tuplestore of a materialised set-returning call */
typedef struct LintOut
{
	Tuplestorestate *ts;
	TupleDesc	desc;
} LintOut;

/* One lint row; cells may be NULL for defects of the matrix as a whole */
static void
LintEmit(LintOut *out, const char *severity, const char *kind, const char *cells,
		 const char *explanation)
{
	Datum		values[4];
	bool		nulls[4] = {false, false, cells == NULL, false};

	values[0] = CStringGetTextDatum(severity);
	values[1] = CStringGetTextDatum(kind);
	values[2] = cells ? CStringGetTextDatum(cells) : (Datum) 0;
	values[3] = CStringGetTextDatum(explanation);
	tuplestore_putvalues(out->ts, out->desc, values, nulls);
}

/*
 * Axis boundaries: n+1 finite, strictly increasing, non-negative values;
 * NULL means the uniform grid 0, 1/n, ..., 1.  Returns false (and emits a
 * lint row) when the given boundaries are unusable.
 */
static bool
LintBounds(LintOut *out, FunctionCallInfo fcinfo, int argno, int n, const char *axis, double *b)
{
	int			i,
				nb;
	double	   *v;
	Datum	   *elems;
	bool	   *nulls;

	if (PG_ARGISNULL(argno))
	{
		for (i = 0; i <= n; i++)
			b[i] = (double) i / n;
		return true;
	}
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(argno), FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &elems, &nulls, &nb);
	if (nb != n + 1)
	{
		LintEmit(out, "error", "bad_bounds", NULL,
				 psprintf("The %s axis has %d rows or columns and needs %d boundaries, not %d.",
						  axis, n, n + 1, nb));
		return false;
	}
	v = b;
	for (i = 0; i < nb; i++)
	{
		if (nulls[i] || isnan(DatumGetFloat8(elems[i])) || isinf(DatumGetFloat8(elems[i])) ||
			DatumGetFloat8(elems[i]) < 0.0 ||
			(i > 0 && DatumGetFloat8(elems[i]) <= v[i - 1]))
		{
			LintEmit(out, "error", "bad_bounds", NULL,
					 psprintf("The %s boundaries must be finite, non-negative and strictly increasing.",
							  axis));
			return false;
		}
		v[i] = DatumGetFloat8(elems[i]);
	}
	return true;
}

/*
 * Geometric checks on a grid of level ranks (row-major by likelihood,
 * NULL = no level).  Each cell (i,j) is read as the rectangle
 * [lb[i-1], lb[i]] x [cb[j-1], cb[j]] of likelihood x consequence, whose
 * quantitative risk (their product) lies between the products of its
 * lower-left and upper-right corners.
 *
 *   missing_cell      (error)   a cell without level
 *   non_monotone      (warning) a cell ranks below its neighbour with lower
 *                               likelihood or lower consequence
 *   weak_consistency  (warning) Cox 2008 axiom 1: some point of a top-level
 *                               cell has lower risk than some point of a
 *                               bottom-level cell (min top < max bottom)
 *   betweenness       (warning) Cox 2008 axiom 2: a bottom-level cell
 *                               touches a top-level cell on its left, below
 *                               it or diagonally below-left, so a small
 *                               increase jumps from bottom to top
 */
Datum
scsm_risk_matrix_lint_grid(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LintOut		out;
	int			nl,
				nc,
				nr,
				i,
				j,
				k;
	int		   *rank;
	bool	   *have;
	double		lb[11],
				cb[11];
	bool		bounds_ok;
	int			top = INT_MIN,
				bottom = INT_MAX;

	InitMaterializedSRF(fcinfo, 0);
	out.ts = rsinfo->setResult;
	out.desc = rsinfo->setDesc;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	nl = PG_GETARG_INT32(1);
	nc = PG_GETARG_INT32(2);
	if (nl < 1 || nl > 10 || nc < 1 || nc > 10)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("matrix size %d x %d is outside 1..10 x 1..10", nl, nc)));
	{
		Datum	   *elems;
		bool	   *nulls;

		deconstruct_array(PG_GETARG_ARRAYTYPE_P(0), INT4OID, sizeof(int32), true, TYPALIGN_INT,
						  &elems, &nulls, &nr);
		if (nr != nl * nc)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%d ranks given for a %d x %d matrix", nr, nl, nc)));
		rank = palloc(sizeof(int) * nr);
		have = palloc(sizeof(bool) * nr);
		for (k = 0; k < nr; k++)
		{
			have[k] = !nulls[k];
			rank[k] = nulls[k] ? 0 : DatumGetInt32(elems[k]);
		}
	}
#define IDX(l, c) (((l) - 1) * nc + ((c) - 1))

	for (i = 1; i <= nl; i++)
		for (j = 1; j <= nc; j++)
		{
			if (!have[IDX(i, j)])
			{
				LintEmit(&out, "error", "missing_cell", psprintf("(%d,%d)", i, j),
						 "The cell has no level.");
				continue;
			}
			top = Max(top, rank[IDX(i, j)]);
			bottom = Min(bottom, rank[IDX(i, j)]);
			if (i > 1 && have[IDX(i - 1, j)] && rank[IDX(i - 1, j)] > rank[IDX(i, j)])
				LintEmit(&out, "warning", "non_monotone", psprintf("(%d,%d) (%d,%d)", i, j, i - 1, j),
						 psprintf("Cell (%d,%d) ranks below cell (%d,%d), which has a lower likelihood.",
								  i, j, i - 1, j));
			if (j > 1 && have[IDX(i, j - 1)] && rank[IDX(i, j - 1)] > rank[IDX(i, j)])
				LintEmit(&out, "warning", "non_monotone", psprintf("(%d,%d) (%d,%d)", i, j, i, j - 1),
						 psprintf("Cell (%d,%d) ranks below cell (%d,%d), which has a lower consequence.",
								  i, j, i, j - 1));
		}

	bounds_ok = LintBounds(&out, fcinfo, 3, nl, "likelihood", lb);
	bounds_ok = LintBounds(&out, fcinfo, 4, nc, "consequence", cb) && bounds_ok;

	if (top > bottom)
	{
		/* Cox axiom 2 (betweenness): needs no quantitative reading */
		for (i = 1; i <= nl; i++)
			for (j = 1; j <= nc; j++)
			{
				int			di,
							dj;

				if (!have[IDX(i, j)] || rank[IDX(i, j)] != top)
					continue;
				for (di = 0; di <= 1; di++)
					for (dj = 0; dj <= 1; dj++)
					{
						int			bi = i - di,
									bj = j - dj;

						if ((di == 0 && dj == 0) || bi < 1 || bj < 1 || !have[IDX(bi, bj)] ||
							rank[IDX(bi, bj)] != bottom)
							continue;
						LintEmit(&out, "warning", "betweenness",
								 psprintf("(%d,%d) (%d,%d)", bi, bj, i, j),
								 psprintf("Cell (%d,%d) has the bottom level and touches cell (%d,%d), which has the top level: a small increase in %s jumps from the lowest to the highest level.",
										  bi, bj, i, j,
										  di && dj ? "likelihood and consequence" :
										  di ? "likelihood" : "consequence"));
					}
			}

		/* Cox axiom 1 (weak consistency): needs the axes' quantitative reading */
		if (bounds_ok)
			for (i = 1; i <= nl; i++)
				for (j = 1; j <= nc; j++)
				{
					double		min_top;
					int			bi,
								bj;

					if (!have[IDX(i, j)] || rank[IDX(i, j)] != top)
						continue;
					min_top = lb[i - 1] * cb[j - 1];
					for (bi = 1; bi <= nl; bi++)
						for (bj = 1; bj <= nc; bj++)
						{
							double		max_bottom;

							if (!have[IDX(bi, bj)] || rank[IDX(bi, bj)] != bottom)
								continue;
							max_bottom = lb[bi] * cb[bj];
							if (min_top < max_bottom)
								LintEmit(&out, "warning", "weak_consistency",
										 psprintf("(%d,%d) (%d,%d)", i, j, bi, bj),
										 psprintf("Top-level cell (%d,%d) holds risks as low as %g, below the %g reached in bottom-level cell (%d,%d).",
												  i, j, min_top, max_bottom, bi, bj));
						}
				}
	}
#undef IDX
	return (Datum) 0;
}
