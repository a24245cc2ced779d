/*-------------------------------------------------------------------------
 *
 * lossdist.h
 *	  Loss distributions shared by the closed forms (lossdist.c) and the
 *	  Monte Carlo engine (montecarlo.c).
 *
 * src/lossdist.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCSM_LOSSDIST_H
#define SCSM_LOSSDIST_H

#include "postgres.h"

#include <math.h>

#include "utils/array.h"

/* z such that Phi(z) = 0.95: a 90 % interval spans mu +/- Z95 sigma */
#define SCSM_Z95 1.6448536269514722

/* Default PERT shape (lambda / gamma), as in Vose and riskquant/pyfair */
#define SCSM_PERT_GAMMA 4.0
/* largest PERT shape: beyond it the distribution is a point at the mode */
#define SCSM_PERT_GAMMA_MAX 10000.0

typedef enum LossDistKind
{
	LOSSDIST_CONST,				/* a fixed value (degenerate PERT, min = max) */
	LOSSDIST_PERT,				/* a + (b - a) * Beta(alpha, beta) */
	LOSSDIST_LOGNORMAL,			/* exp(N(mu, sigma^2)) */
	LOSSDIST_POISSON_RATE		/* frequency only: a fixed Poisson rate */
} LossDistKind;

/* A validated distribution with derived parameters, ready to sample. */
typedef struct LossDist
{
	LossDistKind kind;
	double		a;				/* PERT min / constant value / Poisson rate */
	double		m;				/* PERT mode */
	double		b;				/* PERT max */
	double		gamma;			/* PERT shape */
	double		alpha;			/* PERT Beta alpha */
	double		beta;			/* PERT Beta beta */
	double		mu;				/* lognormal log-mean */
	double		sigma;			/* lognormal log-sd */
} LossDist;

/*
 * Acklam's rational approximation of the standard normal quantile, for p in
 * (0, 1); relative error below 1.2e-9.  The simulator samples normals with
 * it (one uniform per normal); ScsmNormalQuantile polishes it to full
 * precision for the closed forms.
 */
static inline double
ScsmNormalQuantileFast(double p)
{
	double		q,
				r;

	if (p < 0.02425)
	{
		q = sqrt(-2.0 * log(p));
		return (((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q
				   - 2.400758277161838e+00) * q - 2.549732539343734e+00) * q
				 + 4.374664141464968e+00) * q + 2.938163982698783e+00) /
			((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q
			   + 2.445134137142996e+00) * q + 3.754408661907416e+00) * q + 1.0);
	}
	if (p > 1.0 - 0.02425)
	{
		q = sqrt(-2.0 * log1p(-p));
		return -(((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q
					- 2.400758277161838e+00) * q - 2.549732539343734e+00) * q
				  + 4.374664141464968e+00) * q + 2.938163982698783e+00) /
			((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q
			   + 2.445134137142996e+00) * q + 3.754408661907416e+00) * q + 1.0);
	}
	q = p - 0.5;
	r = q * q;
	return (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r
			   - 2.759285104469687e+02) * r + 1.383577518672690e+02) * r
			 - 3.066479806614716e+01) * r + 2.506628277459239e+00) * q /
		(((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r
			- 1.556989798598866e+02) * r + 6.680131188771972e+01) * r
		  - 1.328068155288572e+01) * r + 1.0);
}

extern double ScsmNormalQuantile(double p);
extern double ScsmBetaCdf(double x, double a, double b);
extern double ScsmBetaQuantile(double p, double a, double b);

extern void ScsmPertParams(double a, double m, double b, double gamma, LossDist *d);
extern void ScsmLognormalParams(double p5, double p95, LossDist *d);
extern void ScsmParseDist(const char *kind, ArrayType *params, bool frequency,
						  LossDist *d);
extern double ScsmDistMean(const LossDist *d);
extern double ScsmDistVariance(const LossDist *d);
extern double ScsmDistQuantile(const LossDist *d, double p);
extern double ScsmPoissonMixtureZero(const LossDist *rate);

#endif							/* SCSM_LOSSDIST_H */
