/*-------------------------------------------------------------------------
 *
 * risk.h
 *	  Qualitative risk matrices: the in-memory form of a matrix version,
 *	  shared by the scoring functions, the linter and the heat map.
 *
 * src/risk.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCSM_RISK_H
#define SCSM_RISK_H

#include "postgres.h"

/* Version of the qualitative scoring method; stored with every score */
#define SCSM_RISK_METHOD_VERSION "1.0"

/* Tolerance used when rounding scaled ordinal indexes up */
#define SCSM_RISK_ROUND_EPS 1e-9

typedef struct RiskLevel
{
	char	   *code;
	char	   *name;
	char	   *colour;			/* "#rrggbb" */
	int			rank;
	char	   *hint;			/* classification hint or NULL */
	char	   *deadline;		/* treatment deadline in ISO 8601 (P3M) or NULL */
	char	   *score;			/* semi-quantitative score as numeric text, or NULL */
} RiskLevel;

typedef struct RiskMatrix
{
	int64		version_id;
	int			nl;				/* likelihood rows */
	int			nc;				/* consequence columns */
	char	  **l_labels;		/* nl labels, index 0 = likelihood 1 */
	char	  **c_labels;		/* nc labels */
	int			nlevels;
	RiskLevel  *levels;			/* ordered by rank */
	int		   *cell;			/* nl * nc level indexes into levels, -1 = none */
	char	   *name;			/* matrix name and version, for titles */
	int64		matrix_id;
	int			version;
	char	   *appetite;		/* level codes */
	char	   *tolerance;
	char	   *consequence_rule;
	int			nweights;		/* consequence_weights as (dimension, text) pairs */
	char	  **weight_dim;
	char	  **weight_val;
	char	   *control_rule;
	double		cap;
	/* when it was read: a cached copy is valid for one command only */
	LocalTransactionId lxid;
	CommandId	cid;
	MemoryContext cxt;			/* holds this struct and everything it points to */
} RiskMatrix;

/* cell (l, c), both 1-based */
#define RISK_CELL(m, l, c) ((m)->cell[((l) - 1) * (m)->nc + ((c) - 1)])

/* pure primitives (risk.c) */
extern int	RiskCombineConsequences(const int *vals, int n, const char *rule, const double *w);
extern double RiskCombineEffectiveness(const double *e, int n, const char *rule, double cap);
extern int	RiskResidualIndex(int idx, double e, int n);
extern const char *RiskClassify(int rank, int app, int tol, const char *hint);

/* matrices (risk_matrix.c) */
extern RiskMatrix *RiskMatrixLoad(int64 version_id, MemoryContext mcxt);
extern int	RiskMatrixLevel(RiskMatrix *m, int l, int c);
extern RiskMatrix *RiskMatrixCached(FunctionCallInfo fcinfo, int64 version_id);

#endif							/* SCSM_RISK_H */
