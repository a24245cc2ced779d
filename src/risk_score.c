/*-------------------------------------------------------------------------
 *
 * risk_score.c
 *	  The full qualitative score of one risk on one matrix version:
 *	  consequences combined over dimensions, control effectiveness,
 *	  residual indexes, levels and classification, returned as a jsonb
 *	  derivation that is stored with the score and re-derived later.
 *
 * The function reads the matrix once per query (risk_matrix.c) and does
 * the rest in memory, so scoring a whole register is one pass.  The output
 * depends only on the inputs and the matrix version: numbers are written
 * in their shortest exact form and intervals in ISO 8601, whatever the
 * session settings.
 *
 * src/risk_score.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/shortest_dec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "catalog/pg_type.h"
#include "utils/numeric.h"

#include "scsm.h"
#include "risk.h"

PG_FUNCTION_INFO_V1(scsm_risk_score_compute);

/* the consequence dimensions, in the order they are combined */
static const char *const RiskDims[] = {
	"people", "assets", "continuity", "reputation", "legal", "environment"
};
#define RISK_NDIMS lengthof(RiskDims)

/* The JSON text of one jsonb value, for error messages (long numbers in scientific form) */
static char *
JsonbValueText(JsonbValue *v)
{
	Jsonb	   *j = JsonbValueToJsonb(v);
	char	   *s = JsonbToCString(NULL, &j->root, VARSIZE(j));

	if (v->type == jbvNumeric && strlen(s) > 24)
		s = numeric_out_sci(v->val.numeric, 6);
	return s;
}

/*
 * A JSON number as an effectiveness: values far outside [0,1] are refused
 * before float conversion (which would fail with an unhelpful message), and
 * values too small for a double count as zero.
 */
static double
NumericEffectiveness(JsonbValue *v, const char *what)
{
	Datum		num = NumericGetDatum(v->val.numeric);
	Datum		tiny = DirectFunctionCall3(numeric_in, CStringGetDatum("1e-300"),
										   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	Datum		huge = DirectFunctionCall3(numeric_in, CStringGetDatum("1e300"),
										   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	Datum		absnum = DirectFunctionCall1(numeric_abs, num);

	if (DatumGetBool(DirectFunctionCall2(numeric_gt, absnum, huge)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s %s is outside [0,1]", what, JsonbValueText(v)),
				 errdetail("Control effectiveness is a fraction between 0 and 1.")));
	if (DatumGetBool(DirectFunctionCall2(numeric_lt, absnum, tiny)))
		return 0.0;
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, num));
}

/* Value of key in an object container, or NULL */
static JsonbValue *
GetKey(JsonbContainer *c, const char *key)
{
	return getKeyJsonValueFromContainer(c, key, strlen(key), NULL);
}

/* The keys of an object container, in jsonb order */
static List *
ObjectKeys(JsonbContainer *c)
{
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	v;
	JsonbIteratorToken tok;
	List	   *keys = NIL;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (tok == WJB_KEY)
			keys = lappend(keys, pnstrdup(v.val.string.val, v.val.string.len));
	return keys;
}

/* An axis index given as a JSON integer; 22023 for anything else */
static int
InputIndex(JsonbValue *v, const char *what)
{
	Datum		num,
				trunc;

	if (v == NULL || v->type == jbvNull)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("score input %s is missing", what)));
	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("score input %s must be an integer index, not %s", what, JsonbValueText(v))));
	num = NumericGetDatum(v->val.numeric);
	trunc = DirectFunctionCall2(numeric_trunc, num, Int32GetDatum(0));
	if (!DatumGetBool(DirectFunctionCall2(numeric_eq, num, trunc)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("score input %s must be an integer index, not %s", what, JsonbValueText(v))));
	if (DatumGetBool(DirectFunctionCall2(numeric_gt,
										 DirectFunctionCall1(numeric_abs, num),
										 DirectFunctionCall1(int4_numeric, Int32GetDatum(1000)))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s %s is outside the matrix", what, JsonbValueText(v))));
	return DatumGetInt32(DirectFunctionCall1(numeric_int4, num));
}

/* Effectiveness values: absent or null = none, a number, or an array of numbers */
static double *
InputEffectiveness(JsonbValue *v, const char *what, int *n)
{
	double	   *e;

	*n = 0;
	if (v == NULL || v->type == jbvNull)
		return palloc(sizeof(double));
	if (v->type == jbvNumeric)
	{
		e = palloc(sizeof(double));
		e[0] = NumericEffectiveness(v, "control effectiveness");
		*n = 1;
		return e;
	}
	if (v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data))
	{
		JsonbIterator *it = JsonbIteratorInit(v->val.binary.data);
		JsonbValue	el;
		JsonbIteratorToken tok;

		e = palloc(sizeof(double) * (JsonContainerSize(v->val.binary.data) + 1));
		while ((tok = JsonbIteratorNext(&it, &el, true)) != WJB_DONE)
		{
			if (tok != WJB_ELEM)
				continue;
			if (el.type != jbvNumeric)
				goto bad;
			e[(*n)++] = NumericEffectiveness(&el, "control effectiveness");
		}
		return e;
	}
bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("score input %s must be an array of numbers in [0,1]", what)));
	return NULL;				/* keep the compiler quiet */
}

/* Shortest exact decimal form of a double: the same text float8out gives */
static void
AppendDouble(StringInfo buf, double d)
{
	char		s[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(d, s);
	appendStringInfoString(buf, s);
}

/* "key": "string" or "key": null */
static void
AppendKeyString(StringInfo buf, const char *key, const char *val)
{
	escape_json(buf, key);
	appendStringInfoString(buf, ": ");
	if (val)
		escape_json(buf, val);
	else
		appendStringInfoString(buf, "null");
}

/* {"likelihood": .., "consequence": .., "level": .., "rank": .., "score": ..} */
static void
AppendPosition(StringInfo buf, int l, int c, RiskLevel *lev)
{
	appendStringInfo(buf, "{\"likelihood\": %d, \"consequence\": %d, ", l, c);
	AppendKeyString(buf, "level", lev->code);
	appendStringInfo(buf, ", \"rank\": %d, \"score\": %s}", lev->rank, lev->score ? lev->score : "null");
}

/*
 * scsm.risk_score_compute(version_id, inputs jsonb): the whole derivation.
 * Inputs: likelihood (index), consequence (index) or consequences (object
 * dimension -> index), preventive and corrective (number or array of
 * numbers in [0,1]).  See docs/risk.md for the formulas.
 */
Datum
scsm_risk_score_compute(PG_FUNCTION_ARGS)
{
	int64		vid = PG_GETARG_INT64(0);
	Jsonb	   *in = PG_GETARG_JSONB_P(1);
	RiskMatrix *m = RiskMatrixCached(fcinfo, vid);
	ListCell   *lc;
	int			il,
				ic,
				rl,
				rc,
				ik,
				rk,
				k;
	int			cvals[RISK_NDIMS];
	double		wvals[RISK_NDIMS];
	const char *used[RISK_NDIMS];
	int			ndims = 0;
	double	   *prev,
			   *corr,
				ep,
				ec;
	int			nprev,
				ncorr;
	int			app = -1,
				tol = -1;
	const char *cls;
	RiskLevel  *ilev,
			   *rlev;
	JsonbValue *cons,
			   *consd;
	StringInfoData buf;

	if (!JB_ROOT_IS_OBJECT(in) || JB_ROOT_IS_SCALAR(in))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("score inputs must be a jsonb object")));
	foreach(lc, ObjectKeys(&in->root))
	{
		char	   *key = lfirst(lc);

		if (strcmp(key, "likelihood") != 0 && strcmp(key, "consequence") != 0 &&
			strcmp(key, "consequences") != 0 && strcmp(key, "preventive") != 0 &&
			strcmp(key, "corrective") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown score input \"%s\"", key),
					 errhint("Inputs are likelihood, consequence or consequences, preventive, corrective.")));
	}

	il = InputIndex(GetKey(&in->root, "likelihood"), "likelihood");
	cons = GetKey(&in->root, "consequence");
	consd = GetKey(&in->root, "consequences");
	if (cons != NULL && consd != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("give either \"consequence\" or \"consequences\", not both")));
	else if (cons != NULL)
		ic = InputIndex(cons, "consequence");
	else if (consd != NULL && consd->type == jbvBinary && JsonContainerIsObject(consd->val.binary.data))
	{
		JsonbContainer *dc = consd->val.binary.data;
		size_t		d;

		foreach(lc, ObjectKeys(dc))
		{
			char	   *key = lfirst(lc);

			for (d = 0; d < RISK_NDIMS; d++)
				if (strcmp(key, RiskDims[d]) == 0)
					break;
			if (d == RISK_NDIMS)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown consequence dimension \"%s\"", key),
						 errhint("Dimensions are people, assets, continuity, reputation, legal, environment.")));
		}
		for (d = 0; d < RISK_NDIMS; d++)
		{
			JsonbValue *dv = GetKey(dc, RiskDims[d]);

			if (dv == NULL)
				continue;
			cvals[ndims] = InputIndex(dv, psprintf("consequence %s", RiskDims[d]));
			wvals[ndims] = 1.0;
			for (k = 0; k < m->nweights; k++)
				if (strcmp(m->weight_dim[k], RiskDims[d]) == 0 && m->weight_val[k] != NULL)
					wvals[ndims] = DatumGetFloat8(DirectFunctionCall1(float8in,
																	  CStringGetDatum(m->weight_val[k])));
			used[ndims++] = RiskDims[d];
		}
		if (ndims == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("\"consequences\" names no dimension")));
		ic = RiskCombineConsequences(cvals, ndims, m->consequence_rule, wvals);
	}
	else
	{
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("score inputs need \"consequence\" or \"consequences\"")));
		ic = 0;					/* keep the compiler quiet */
	}

	prev = InputEffectiveness(GetKey(&in->root, "preventive"), "preventive", &nprev);
	corr = InputEffectiveness(GetKey(&in->root, "corrective"), "corrective", &ncorr);
	ep = RiskCombineEffectiveness(prev, nprev, m->control_rule, m->cap);
	ec = RiskCombineEffectiveness(corr, ncorr, m->control_rule, m->cap);

	ik = RiskMatrixLevel(m, il, ic);
	rl = RiskResidualIndex(il, ep, m->nl);
	rc = RiskResidualIndex(ic, ec, m->nc);
	rk = RiskMatrixLevel(m, rl, rc);
	ilev = &m->levels[ik];
	rlev = &m->levels[rk];
	for (k = 0; k < m->nlevels; k++)
	{
		if (strcmp(m->levels[k].code, m->appetite) == 0)
			app = m->levels[k].rank;
		if (strcmp(m->levels[k].code, m->tolerance) == 0)
			tol = m->levels[k].rank;
	}
	if (app < 0 || tol < 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("risk matrix version " INT64_FORMAT " has an undefined appetite or tolerance level", vid),
				 errhint("Run scsm.risk_matrix_lint().")));
	cls = RiskClassify(rlev->rank, app, tol, rlev->hint);

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"method\": \"scsm.matrix\", \"method_version\": ");
	escape_json(&buf, SCSM_RISK_METHOD_VERSION);
	appendStringInfo(&buf, ", \"matrix_version_id\": " INT64_FORMAT ", \"matrix_id\": " INT64_FORMAT
					 ", \"matrix_version\": %d, \"inputs\": ", vid, m->matrix_id, m->version);
	appendStringInfoString(&buf, JsonbToCString(NULL, &in->root, VARSIZE(in)));
	appendStringInfoString(&buf, ", \"rules\": {");
	AppendKeyString(&buf, "consequence", m->consequence_rule);
	appendStringInfoString(&buf, ", \"weights\": ");
	if (strcmp(m->consequence_rule, "weighted") == 0 && ndims > 0)
	{
		appendStringInfoChar(&buf, '{');
		for (k = 0; k < ndims; k++)
		{
			if (k > 0)
				appendStringInfoString(&buf, ", ");
			escape_json(&buf, used[k]);
			appendStringInfoString(&buf, ": ");
			AppendDouble(&buf, wvals[k]);
		}
		appendStringInfoChar(&buf, '}');
	}
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoString(&buf, ", ");
	AppendKeyString(&buf, "controls", m->control_rule);
	appendStringInfoString(&buf, ", \"effectiveness_cap\": ");
	AppendDouble(&buf, m->cap);
	appendStringInfoString(&buf, ", \"residual_rounding\": \"ceiling\"}, \"inherent\": ");
	AppendPosition(&buf, il, ic, ilev);
	appendStringInfoString(&buf, ", \"effectiveness\": {\"preventive\": ");
	AppendDouble(&buf, ep);
	appendStringInfoString(&buf, ", \"corrective\": ");
	AppendDouble(&buf, ec);
	appendStringInfoString(&buf, "}, \"residual\": ");
	AppendPosition(&buf, rl, rc, rlev);
	appendStringInfoString(&buf, ", ");
	AppendKeyString(&buf, "appetite_level", m->appetite);
	appendStringInfoString(&buf, ", ");
	AppendKeyString(&buf, "tolerance_level", m->tolerance);
	appendStringInfoString(&buf, ", ");
	AppendKeyString(&buf, "classification", cls);
	appendStringInfoString(&buf, ", ");
	AppendKeyString(&buf, "treatment_deadline", strcmp(cls, "accept") != 0 ? rlev->deadline : NULL);
	appendStringInfoChar(&buf, '}');

	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
