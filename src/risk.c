/*-------------------------------------------------------------------------
 *
 * risk.c
 *	  Pure scoring primitives of the qualitative risk engine: combining
 *	  consequences over dimensions, combining control effectiveness,
 *	  residual axis indexes and classification against appetite.
 *
 * These functions take plain values and read no tables, so a stored score
 * can be re-derived from its inputs alone (together with the matrix version
 * the inputs were scored on).  Formulas and sources: docs/risk.md.
 *
 * src/risk.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "scsm.h"
#include "risk.h"

PG_FUNCTION_INFO_V1(scsm_risk_method_version);
PG_FUNCTION_INFO_V1(scsm_risk_combine_consequences);
PG_FUNCTION_INFO_V1(scsm_risk_combine_effectiveness);
PG_FUNCTION_INFO_V1(scsm_risk_residual_index);
PG_FUNCTION_INFO_V1(scsm_risk_classify);

/*
 * Deconstruct a float8[] and refuse NULL elements: a missing value must not
 * silently count as zero effectiveness or weight.
 */
static double *
Float8ArrayValues(ArrayType *arr, const char *what, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	double	   *out;
	int			i;

	deconstruct_array(arr, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &elems, &nulls, n);
	out = palloc(sizeof(double) * Max(*n, 1));
	for (i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain null", what)));
		out[i] = DatumGetFloat8(elems[i]);
	}
	return out;
}

/* Same for integer[] */
static int *
Int4ArrayValues(ArrayType *arr, const char *what, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	int		   *out;
	int			i;

	deconstruct_array(arr, INT4OID, sizeof(int32), true, TYPALIGN_INT,
					  &elems, &nulls, n);
	out = palloc(sizeof(int) * Max(*n, 1));
	for (i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain null", what)));
		out[i] = DatumGetInt32(elems[i]);
	}
	return out;
}

/* An effectiveness (or cap) must be a number in [0, 1]; NaN is refused */
static void
CheckEffectiveness(double e, const char *what)
{
	if (isnan(e))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is NaN", what),
				 errdetail("Control effectiveness is a fraction between 0 and 1.")));
	if (e < 0.0 || e > 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s %g is outside [0,1]", what, e),
				 errdetail("Control effectiveness is a fraction between 0 and 1.")));
}

/* Ceiling that ignores floating-point noise (5 * (1 - 0.8) is not 1.0000000000000002) */
static int
CeilTolerant(double x)
{
	return (int) ceil(x - SCSM_RISK_ROUND_EPS);
}

/*
 * The method version compiled into this library.  A stored score records it
 * so that a later library that scores differently is detected, not trusted.
 */
Datum
scsm_risk_method_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(SCSM_RISK_METHOD_VERSION));
}

/*
 * Combine consequence indexes of several dimensions into one index.
 * 'worst' takes the maximum (the usual reading of "all consequences");
 * 'weighted' takes the ceiling of the weighted mean, weights as data
 * (w may be NULL: all weights 1).
 */
int
RiskCombineConsequences(const int *vals, int n, const char *rule, const double *w)
{
	int			i;
	int			result = 0;

	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no consequence values given")));
	for (i = 0; i < n; i++)
		if (vals[i] < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("consequence index %d is outside the matrix", vals[i]),
					 errdetail("Consequence indexes start at 1.")));

	if (strcmp(rule, "worst") == 0)
	{
		result = vals[0];
		for (i = 1; i < n; i++)
			result = Max(result, vals[i]);
	}
	else if (strcmp(rule, "weighted") == 0)
	{
		double		sw = 0.0,
					swc = 0.0;

		for (i = 0; i < n; i++)
		{
			double		wi = w ? w[i] : 1.0;

			if (isnan(wi) || isinf(wi) || wi < 0.0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("consequence weight %g is not a finite non-negative number", wi)));
			sw += wi;
			swc += wi * vals[i];
		}
		if (sw <= 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("consequence weights sum to zero")));
		result = Max(1, CeilTolerant(swc / sw));
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown consequence rule \"%s\"", rule),
				 errhint("Rules are worst and weighted.")));
	return result;
}

/* SQL wrapper of RiskCombineConsequences */
Datum
scsm_risk_combine_consequences(PG_FUNCTION_ARGS)
{
	int		   *vals;
	int			n;
	double	   *w = NULL;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	vals = Int4ArrayValues(PG_GETARG_ARRAYTYPE_P(0), "consequence values", &n);
	if (!PG_ARGISNULL(2))
	{
		int			nw;

		w = Float8ArrayValues(PG_GETARG_ARRAYTYPE_P(2), "consequence weights", &nw);
		if (nw != n)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%d consequence weights given for %d values", nw, n)));
	}
	PG_RETURN_INT32(RiskCombineConsequences(vals, n, text_to_cstring(PG_GETARG_TEXT_PP(1)), w));
}

/*
 * Combine the effectiveness of several controls acting on the same axis.
 * 'independent' is 1 - prod(1 - e_i) (controls fail independently);
 * 'max' trusts only the best control (controls overlap completely);
 * 'weakest_link' is min e_i (controls in series, all must hold);
 * 'mean' is the arithmetic mean (OpenFAIR evaluator's averaged difficulty).
 * The result is capped so that residual risk is never argued to zero.
 */
double
RiskCombineEffectiveness(const double *e, int n, const char *rule, double cap)
{
	double		r = 0.0;
	int			i;

	CheckEffectiveness(cap, "effectiveness cap");
	for (i = 0; i < n; i++)
		CheckEffectiveness(e[i], "control effectiveness");

	if (strcmp(rule, "independent") == 0)
	{
		double		surv = 1.0;

		for (i = 0; i < n; i++)
			surv *= 1.0 - e[i];
		r = 1.0 - surv;
	}
	else if (strcmp(rule, "max") == 0)
	{
		for (i = 0; i < n; i++)
			r = Max(r, e[i]);
	}
	else if (strcmp(rule, "weakest_link") == 0)
	{
		r = n > 0 ? e[0] : 0.0;
		for (i = 1; i < n; i++)
			r = Min(r, e[i]);
	}
	else if (strcmp(rule, "mean") == 0)
	{
		double		s = 0.0;

		for (i = 0; i < n; i++)
			s += e[i];
		r = n > 0 ? s / n : 0.0;
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown control rule \"%s\"", rule),
				 errhint("Rules are independent, max, weakest_link and mean.")));
	/* drop floating-point noise (1 - (1 - 0.2) is 0.19999999999999996) */
	r = round(r * 1e12) / 1e12;
	return Min(r, cap);
}

/* SQL wrapper of RiskCombineEffectiveness */
Datum
scsm_risk_combine_effectiveness(PG_FUNCTION_ARGS)
{
	int			n;
	double	   *e = Float8ArrayValues(PG_GETARG_ARRAYTYPE_P(0), "control effectiveness", &n);

	PG_RETURN_FLOAT8(RiskCombineEffectiveness(e, n, text_to_cstring(PG_GETARG_TEXT_PP(1)),
											  PG_GETARG_FLOAT8(2)));
}

/*
 * Residual index on one axis: the inherent index scaled by the surviving
 * fraction (1 - e), rounded up (a control never earns more than it is worth)
 * and clamped to the first row or column.  The result is looked up in the
 * matrix again instead of multiplying ordinal scores.
 */
int
RiskResidualIndex(int idx, double e, int n)
{
	if (n < 1 || n > 10)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("axis length %d is outside 1..10", n)));
	if (idx < 1 || idx > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("index %d is outside the matrix", idx),
				 errdetail("The axis has indexes 1 to %d.", n)));
	CheckEffectiveness(e, "control effectiveness");
	return Max(1, CeilTolerant(idx * (1.0 - e)));
}

/* SQL wrapper of RiskResidualIndex */
Datum
scsm_risk_residual_index(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(RiskResidualIndex(PG_GETARG_INT32(0), PG_GETARG_FLOAT8(1), PG_GETARG_INT32(2)));
}

/*
 * Classify a level rank (ISO 28000 4.3.1: risks to be avoided, eliminated
 * or controlled): at or below the appetite it is accepted; up to the
 * tolerance it is controlled; above the tolerance it is eliminated, or
 * avoided when the level's hint (may be NULL) says so.
 */
const char *
RiskClassify(int rank, int app, int tol, const char *hint)
{
	if (app > tol)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("appetite rank %d is above tolerance rank %d", app, tol)));
	if (hint != NULL && strcmp(hint, "avoid") != 0 && strcmp(hint, "eliminate") != 0 &&
		strcmp(hint, "control") != 0 && strcmp(hint, "accept") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown classification hint \"%s\"", hint),
				 errhint("Hints are accept, control, eliminate and avoid.")));
	if (rank <= app)
		return "accept";
	if (rank <= tol)
		return "control";
	if (hint != NULL && strcmp(hint, "avoid") == 0)
		return "avoid";
	return "eliminate";
}

/* SQL wrapper of RiskClassify */
Datum
scsm_risk_classify(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(RiskClassify(PG_GETARG_INT32(0), PG_GETARG_INT32(1),
												  PG_GETARG_INT32(2),
												  PG_ARGISNULL(3) ? NULL :
												  text_to_cstring(PG_GETARG_TEXT_PP(3)))));
}
