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
	/* when it was read: a cached copy is valid for one command only */
	LocalTransactionId lxid;
	CommandId	cid;
	MemoryContext cxt;			/* holds this struct and everything it points to */
} RiskMatrix;

/* cell (l, c), both 1-based */
#define RISK_CELL(m, l, c) ((m)->cell[((l) - 1) * (m)->nc + ((c) - 1)])

extern RiskMatrix *RiskMatrixLoad(int64 version_id, MemoryContext mcxt);
extern RiskMatrix *RiskMatrixCached(FunctionCallInfo fcinfo, int64 version_id);

#endif							/* SCSM_RISK_H */
