/*-------------------------------------------------------------------------
 *
 * heatmap.c
 *	  SVG heat map of a risk matrix version: cells coloured by level, the
 *	  number of risks in each cell, axis labels, title and legend; an
 *	  optional second panel shows residual positions beside inherent ones.
 *
 * Every cell rectangle carries data-panel, data-l, data-c and data-level
 * attributes so that a test (or a BI tool) can find it without knowing the
 * layout constants.
 *
 * src/heatmap.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "scsm.h"
#include "risk.h"

PG_FUNCTION_INFO_V1(scsm_risk_heatmap_svg_points);
PG_FUNCTION_INFO_V1(scsm_risk_heatmap_svg_counts);

/* Layout, in SVG user units (= CSS pixels) */
#define HM_CELL		56			/* side of a cell */
#define HM_LEFT		150			/* room for likelihood labels */
#define HM_TOP		64			/* title and panel caption */
#define HM_BOTTOM	100			/* slanted consequence labels and axis title */
#define HM_LLABEL	20			/* longest likelihood label shown, in characters */
#define HM_CLABEL	16			/* longest consequence label shown */
#define HM_GAP		40			/* between panels */
#define HM_LEGEND	36			/* legend row */
#define HM_FONT		"DejaVu Sans, Arial, Helvetica, sans-serif"

/* Append s with the five XML special characters escaped */
static void
AppendXml(StringInfo buf, const char *s)
{
	for (; s && *s; s++)
	{
		switch (*s)
		{
			case '&':
				appendStringInfoString(buf, "&amp;");
				break;
			case '<':
				appendStringInfoString(buf, "&lt;");
				break;
			case '>':
				appendStringInfoString(buf, "&gt;");
				break;
			case '"':
				appendStringInfoString(buf, "&quot;");
				break;
			case '\'':
				appendStringInfoString(buf, "&apos;");
				break;
			default:
				appendStringInfoChar(buf, *s);
		}
	}
}

/*
 * Append a label cut to at most maxchars characters (multibyte-safe); a cut
 * label ends in an ellipsis and carries its full text as an SVG title.
 */
static void
AppendLabel(StringInfo buf, const char *lab, int maxchars)
{
	if (lab == NULL)
		return;
	if (pg_mbstrlen(lab) > maxchars)
	{
		int			cut = pg_mbcharcliplen(lab, strlen(lab), maxchars - 1);

		AppendXml(buf, pnstrdup(lab, cut));
		appendStringInfoString(buf, "\xE2\x80\xA6<title>");
		AppendXml(buf, lab);
		appendStringInfoString(buf, "</title>");
	}
	else
		AppendXml(buf, lab);
}

/* Black or white text, whichever reads better on colour "#rrggbb" */
static const char *
TextColourOn(const char *colour)
{
	unsigned int r = 0,
				g = 0,
				b = 0;

	if (colour && sscanf(colour, "#%2x%2x%2x", &r, &g, &b) == 3 &&
		(r * 299 + g * 587 + b * 114) / 1000 >= 140)
		return "#000000";
	return "#ffffff";
}

/* One panel (a grid of cells with labels) with its top-left corner at x0 */
static void
DrawPanel(StringInfo buf, RiskMatrix *m, const int *counts, int x0, const char *panel,
		  const char *caption)
{
	int			l,
				c;
	int			gx = x0 + HM_LEFT;
	int			gy = HM_TOP;

	if (caption)
	{
		appendStringInfo(buf, "<text x=\"%d\" y=\"%d\" font-size=\"14\" font-weight=\"bold\" text-anchor=\"middle\">",
						 gx + m->nc * HM_CELL / 2, HM_TOP - 10);
		AppendXml(buf, caption);
		appendStringInfoString(buf, "</text>\n");
	}

	for (l = m->nl; l >= 1; l--)
	{
		int			y = gy + (m->nl - l) * HM_CELL;

		appendStringInfo(buf, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">",
						 gx - 6, y + HM_CELL / 2 + 4);
		AppendLabel(buf, m->l_labels[l - 1], HM_LLABEL);
		appendStringInfoString(buf, "</text>\n");

		for (c = 1; c <= m->nc; c++)
		{
			int			x = gx + (c - 1) * HM_CELL;
			int			k = RISK_CELL(m, l, c);
			const char *fill = k >= 0 ? m->levels[k].colour : "#cccccc";
			int			n = counts ? counts[(l - 1) * m->nc + (c - 1)] : 0;

			appendStringInfo(buf, "<rect class=\"cell\" data-panel=\"%s\" data-l=\"%d\" data-c=\"%d\" data-level=\"",
							 panel, l, c);
			AppendXml(buf, k >= 0 ? m->levels[k].code : "");
			appendStringInfo(buf, "\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"2\"/>\n",
							 x, y, HM_CELL, HM_CELL, fill);
			if (n > 0)
				appendStringInfo(buf, "<text class=\"count\" data-panel=\"%s\" data-l=\"%d\" data-c=\"%d\" x=\"%d\" y=\"%d\" font-size=\"18\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"%s\">%d</text>\n",
								 panel, l, c, x + HM_CELL / 2, y + HM_CELL / 2 + 6,
								 TextColourOn(fill), n);
		}
	}

	/* consequence labels slant down to the left so that long ones fit */
	for (c = 1; c <= m->nc; c++)
	{
		int			lx = gx + (c - 1) * HM_CELL + HM_CELL / 2 + 4;
		int			ly = gy + m->nl * HM_CELL + 12;

		appendStringInfo(buf, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\" transform=\"rotate(-35 %d %d)\">",
						 lx, ly, lx, ly);
		AppendLabel(buf, m->c_labels[c - 1], HM_CLABEL);
		appendStringInfoString(buf, "</text>\n");
	}
	appendStringInfo(buf, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">Consequence</text>\n",
					 gx + m->nc * HM_CELL / 2, gy + m->nl * HM_CELL + HM_BOTTOM - 14);
	appendStringInfo(buf, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 %d %d)\">Likelihood</text>\n",
					 x0 + 14, gy + m->nl * HM_CELL / 2, x0 + 14, gy + m->nl * HM_CELL / 2);
}

/* The whole SVG document for one or two count grids */
static text *
HeatmapSvg(RiskMatrix *m, const int *inherent, const int *residual, const char *title)
{
	StringInfoData buf;
	int			pw = HM_LEFT + m->nc * HM_CELL;
	int			npanels = residual ? 2 : 1;
	int			width = npanels * pw + (npanels - 1) * HM_GAP + 20;
	int			height = HM_TOP + m->nl * HM_CELL + HM_BOTTOM + HM_LEGEND + 10;
	int			k,
				lx,
				ly;

	initStringInfo(&buf);
	appendStringInfo(&buf,
					 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"%s\">\n",
					 width, height, width, height, HM_FONT);
	appendStringInfo(&buf, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
					 width, height);
	appendStringInfoString(&buf, "<title>");
	AppendXml(&buf, title ? title : m->name);
	appendStringInfoString(&buf, "</title>\n");
	appendStringInfo(&buf, "<text x=\"%d\" y=\"22\" font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\">",
					 width / 2);
	AppendXml(&buf, title ? title : m->name);
	appendStringInfoString(&buf, "</text>\n");

	DrawPanel(&buf, m, inherent, 0, "inherent", residual ? "Inherent" : NULL);
	if (residual)
		DrawPanel(&buf, m, residual, pw + HM_GAP, "residual", "Residual");

	/* legend: one swatch per level, lowest first */
	lx = HM_LEFT;
	ly = HM_TOP + m->nl * HM_CELL + HM_BOTTOM;
	for (k = 0; k < m->nlevels; k++)
	{
		appendStringInfo(&buf, "<rect class=\"legend\" data-level=\"");
		AppendXml(&buf, m->levels[k].code);
		appendStringInfo(&buf, "\" x=\"%d\" y=\"%d\" width=\"16\" height=\"16\" fill=\"%s\"/>\n",
						 lx, ly, m->levels[k].colour);
		appendStringInfo(&buf, "<text x=\"%d\" y=\"%d\" font-size=\"12\">", lx + 20, ly + 13);
		AppendXml(&buf, m->levels[k].name);
		appendStringInfoString(&buf, "</text>\n");
		lx += 40 + 7 * Min((int) strlen(m->levels[k].name), 24);
	}
	appendStringInfoString(&buf, "</svg>\n");
	return cstring_to_text_with_len(buf.data, buf.len);
}

/*
 * A count grid from a 2-D integer array [likelihood][consequence] that must
 * match the matrix size; NULL elements and negative counts are refused.
 */
static int *
CountsFromGrid(RiskMatrix *m, ArrayType *arr, const char *what)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	int		   *counts;

	if (ARR_NDIM(arr) != 2 || ARR_DIMS(arr)[0] != m->nl || ARR_DIMS(arr)[1] != m->nc)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a %d x %d array", what, m->nl, m->nc),
				 errdetail("Rows are likelihood 1 to %d, columns consequence 1 to %d.", m->nl, m->nc)));
	deconstruct_array(arr, INT4OID, sizeof(int32), true, TYPALIGN_INT, &elems, &nulls, &n);
	counts = palloc(sizeof(int) * n);
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain null", what)));
		counts[i] = DatumGetInt32(elems[i]);
		if (counts[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not contain negative counts", what)));
	}
	return counts;
}

/*
 * A count grid from two parallel arrays of likelihood and consequence
 * indexes (one element per risk); NULL arrays mean no points.
 */
static int *
CountsFromPoints(RiskMatrix *m, FunctionCallInfo fcinfo, int largno, const char *what)
{
	int		   *counts = palloc0(sizeof(int) * m->nl * m->nc);
	Datum	   *le,
			   *ce;
	bool	   *ln,
			   *cn;
	int			nl,
				nc,
				i;

	if (PG_ARGISNULL(largno) && PG_ARGISNULL(largno + 1))
		return counts;
	if (PG_ARGISNULL(largno) || PG_ARGISNULL(largno + 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s likelihood and consequence arrays must both be given", what)));
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(largno), INT4OID, sizeof(int32), true, TYPALIGN_INT,
					  &le, &ln, &nl);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(largno + 1), INT4OID, sizeof(int32), true, TYPALIGN_INT,
					  &ce, &cn, &nc);
	if (nl != nc)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s points have %d likelihoods and %d consequences", what, nl, nc)));
	for (i = 0; i < nl; i++)
	{
		int			l,
					c;

		if (ln[i] || cn[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s point %d has a null index", what, i + 1)));
		l = DatumGetInt32(le[i]);
		c = DatumGetInt32(ce[i]);
		if (l < 1 || l > m->nl || c < 1 || c > m->nc)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s point %d (%d,%d) is outside the matrix", what, i + 1, l, c),
					 errdetail("Matrix version " INT64_FORMAT " is %d x %d.", m->version_id, m->nl, m->nc)));
		counts[(l - 1) * m->nc + (c - 1)]++;
	}
	return counts;
}

/*
 * scsm.risk_heatmap_svg(version, inherent_l[], inherent_c[], residual_l[],
 * residual_c[], title): the form that array_agg over a register feeds.
 * The residual panel is drawn when residual arrays are given.
 */
Datum
scsm_risk_heatmap_svg_points(PG_FUNCTION_ARGS)
{
	RiskMatrix *m;
	int		   *inh,
			   *res = NULL;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	m = RiskMatrixCached(fcinfo, PG_GETARG_INT64(0));
	inh = CountsFromPoints(m, fcinfo, 1, "inherent");
	if (!PG_ARGISNULL(3) || !PG_ARGISNULL(4))
		res = CountsFromPoints(m, fcinfo, 3, "residual");
	PG_RETURN_TEXT_P(HeatmapSvg(m, inh, res,
								PG_ARGISNULL(5) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(5))));
}

/*
 * scsm.risk_heatmap_svg_counts(version, counts[][], residual_counts[][],
 * title): the form for callers that already counted per cell.
 */
Datum
scsm_risk_heatmap_svg_counts(PG_FUNCTION_ARGS)
{
	RiskMatrix *m;
	int		   *inh = NULL,
			   *res = NULL;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	m = RiskMatrixCached(fcinfo, PG_GETARG_INT64(0));
	if (!PG_ARGISNULL(1))
		inh = CountsFromGrid(m, PG_GETARG_ARRAYTYPE_P(1), "inherent counts");
	if (!PG_ARGISNULL(2))
		res = CountsFromGrid(m, PG_GETARG_ARRAYTYPE_P(2), "residual counts");
	PG_RETURN_TEXT_P(HeatmapSvg(m, inh, res,
								PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3))));
}
