/*-------------------------------------------------------------------------
 *
 * lossdist.c
 *	  Loss distributions and their closed forms: PERT, lognormal from a
 *	  90 % interval, compound-Poisson annual loss moments.
 *
 * These functions are the test oracles of the Monte Carlo engine and are
 * useful on their own (an expected annual loss needs no simulation).
 * Formulas and sources are in docs/risk-quantitative.md:
 *	 - PERT(a, m, b, g): a + (b - a) Beta(1 + g(m-a)/(b-a), 1 + g(b-m)/(b-a)),
 *	   mean (a + g m + b)/(g + 2), variance (mean-a)(b-mean)/(g + 3).
 *	 - lognormal from (p5, p95): mu = (ln p5 + ln p95)/2,
 *	   sigma = (ln p95 - ln p5)/(2 z95).
 *	 - compound Poisson S = X_1 + ... + X_N, N ~ Poisson(L): E[S] = E[L]E[X],
 *	   Var[S] = E[L]E[X^2] + Var[L]E[X]^2, P(S > 0) = 1 - E[exp(-L)].
 * The Beta quantile inverts the regularized incomplete beta function (a
 * continued fraction, Abramowitz & Stegun 26.5.8) by safeguarded Newton.
 *
 * src/lossdist.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"

#include "lossdist.h"

PG_FUNCTION_INFO_V1(scsm_normal_quantile);
PG_FUNCTION_INFO_V1(scsm_beta_cdf);
PG_FUNCTION_INFO_V1(scsm_beta_quantile);
PG_FUNCTION_INFO_V1(scsm_pert_mean);
PG_FUNCTION_INFO_V1(scsm_pert_variance);
PG_FUNCTION_INFO_V1(scsm_pert_quantile);
PG_FUNCTION_INFO_V1(scsm_lognormal_mean);
PG_FUNCTION_INFO_V1(scsm_lognormal_variance);
PG_FUNCTION_INFO_V1(scsm_lognormal_quantile);
PG_FUNCTION_INFO_V1(scsm_compound_poisson_mean);
PG_FUNCTION_INFO_V1(scsm_compound_poisson_variance);
PG_FUNCTION_INFO_V1(scsm_compound_poisson_p_nonzero);
PG_FUNCTION_INFO_V1(scsm_annual_loss_moments);

/* Raise 22023 unless v is a finite number. */
static void
CheckFinite(double v, const char *what)
{
	if (isnan(v) || isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite number", what)));
}

static void
CheckProbability(double p)
{
	if (isnan(p) || p < 0.0 || p > 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("probability must be between 0 and 1"),
				 errdetail("The value given was %g.", p)));
}

/*
 * Standard normal quantile: ScsmNormalQuantileFast (relative error about
 * 1e-9) polished by two Halley steps on erfc, which brings it to full
 * double precision; p = 0 and 1 give -inf and +inf.
 */
double
ScsmNormalQuantile(double p)
{
	double		x;
	int			i;

	if (p <= 0.0)
		return -INFINITY;
	if (p >= 1.0)
		return INFINITY;
	x = ScsmNormalQuantileFast(p);
	for (i = 0; i < 2; i++)
	{
		double		e,
					u;

		/* work in the smaller tail so the residual keeps its precision */
		if (x < 0)
			e = 0.5 * erfc(-x / M_SQRT2) - p;
		else
			e = (1.0 - p) - 0.5 * erfc(x / M_SQRT2);
		u = e * sqrt(2.0 * M_PI) * exp(x * x / 2.0);
		x = x - u / (1.0 + x * u / 2.0);
	}
	return x;
}

/* Continued fraction of the incomplete beta (modified Lentz). */
static double
BetaContinuedFraction(double a, double b, double x)
{
	const double tiny = 1e-300;
	double		qab = a + b,
				qap = a + 1.0,
				qam = a - 1.0;
	double		c = 1.0,
				d,
				h;
	int			m;

	d = 1.0 - qab * x / qap;
	if (fabs(d) < tiny)
		d = tiny;
	d = 1.0 / d;
	h = d;
	for (m = 1; m <= 10000; m++)
	{
		int			m2 = 2 * m;
		double		aa,
					del;

		aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1.0 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1.0 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < 1e-16)
			break;
	}
	return h;
}

/*
 * -log B(a, b) as BetaLogFront adds it up, remembered for the last two
 * (a, b): a quantile table calls the CDF thousands of times with the same
 * shape (both ways round), and three lgamma calls were a fifth of its
 * cost.  A pure function of (a, b): the cache changes no result.
 */
static double
BetaLogNorm(double a, double b)
{
	static double memo_a[2] = {-1.0, -1.0},
				memo_b[2] = {-1.0, -1.0},
				memo_v[2];
	static int	memo_next = 0;
	double		v;
	int			i;

	for (i = 0; i < 2; i++)
		if (memo_a[i] == a && memo_b[i] == b)
			return memo_v[i];
	v = lgamma(a + b) - lgamma(a) - lgamma(b);
	memo_a[memo_next] = a;
	memo_b[memo_next] = b;
	memo_v[memo_next] = v;
	memo_next ^= 1;
	return v;
}

/* log of x^a (1-x)^b / B(a, b), the prefactor of the continued fraction */
static double
BetaLogFront(double x, double a, double b)
{
	return BetaLogNorm(a, b) + a * log(x) + b * log1p(-x);
}

/*
 * Regularized incomplete beta I_x(a, b), the Beta(a, b) CDF.  The continued
 * fraction converges fast for x < (a+1)/(a+b+2); above that the symmetry
 * I_x(a,b) = 1 - I_{1-x}(b,a) is used.
 */
double
ScsmBetaCdf(double x, double a, double b)
{
	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	if (x < (a + 1.0) / (a + b + 2.0))
		return exp(BetaLogFront(x, a, b)) * BetaContinuedFraction(a, b, x) / a;
	return 1.0 - exp(BetaLogFront(1.0 - x, b, a)) *
		BetaContinuedFraction(b, a, 1.0 - x) / b;
}

/* Lower-tail quantile for p <= 0.5: Newton inside a shrinking bracket. */
static double
BetaQuantileLower(double p, double a, double b)
{
	double		lo = 0.0,
				hi = 1.0,
				x,
				lbeta = lgamma(a) + lgamma(b) - lgamma(a + b);
	int			i;

	/* start from the small-x asymptote I_x ~ x^a / (a B(a,b)) or the mean */
	x = exp((log(p) + log(a) + lbeta) / a);
	if (!(x > 0.0 && x < 1.0) || x > a / (a + b))
		x = a / (a + b);
	for (i = 0; i < 400; i++)
	{
		double		f,
					pdf,
					xn;

		/* each CDF may take thousands of steps of the continued fraction */
		CHECK_FOR_INTERRUPTS();
		f = ScsmBetaCdf(x, a, b) - p;
		if (f == 0.0)
			return x;
		if (f < 0.0)
			lo = x;
		else
			hi = x;
		pdf = exp((a - 1.0) * log(x) + (b - 1.0) * log1p(-x) - lbeta);
		xn = (pdf > 0.0 && isfinite(pdf)) ? x - f / pdf : -1.0;
		if (!(xn > lo && xn < hi))
			xn = 0.5 * (lo + hi);
		if (fabs(xn - x) <= 2.0 * DBL_EPSILON * xn || hi - lo <= 2.0 * DBL_EPSILON * hi)
			return xn;
		x = xn;
	}
	return x;
}

/*
 * Beta(a, b) quantile.  Above the median the problem is mirrored
 * (x = 1 - Q(1 - p; b, a)) so that the tail being solved is always the
 * small one, where relative precision matters.
 */
double
ScsmBetaQuantile(double p, double a, double b)
{
	if (p <= 0.0)
		return 0.0;
	if (p >= 1.0)
		return 1.0;
	if (p <= 0.5)
		return BetaQuantileLower(p, a, b);
	return 1.0 - BetaQuantileLower(1.0 - p, b, a);
}

/* Validate a PERT and derive its Beta shape. */
void
ScsmPertParams(double a, double m, double b, double gamma, LossDist *d)
{
	CheckFinite(a, "PERT minimum");
	CheckFinite(m, "PERT mode");
	CheckFinite(b, "PERT maximum");
	CheckFinite(gamma, "PERT shape");
	if (!(a <= m && m <= b))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("PERT parameters must satisfy minimum <= mode <= maximum"),
				 errdetail("Got minimum %g, mode %g, maximum %g.", a, m, b)));
	if (gamma < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("PERT shape must not be negative"),
				 errdetail("The shape given was %g; the usual value is 4.", gamma)));
	if (gamma > SCSM_PERT_GAMMA_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("PERT shape must be at most %g", SCSM_PERT_GAMMA_MAX),
				 errdetail("The shape given was %g; the usual value is 4.", gamma),
				 errhint("A larger shape is a point at the mode: use a constant.")));
	if (!isfinite(b - a))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("PERT range (maximum - minimum) must be a finite number"),
				 errdetail("Got minimum %g, maximum %g.", a, b)));
	memset(d, 0, sizeof(*d));
	d->a = a;
	d->m = m;
	d->b = b;
	d->gamma = gamma;
	if (a == b)
	{
		d->kind = LOSSDIST_CONST;
		return;
	}
	d->kind = LOSSDIST_PERT;
	/* the fractions first: gamma (b - m) alone may overflow near DBL_MAX */
	d->alpha = 1.0 + gamma * ((m - a) / (b - a));
	d->beta = 1.0 + gamma * ((b - m) / (b - a));
}

/* Validate a 90 % interval and derive the lognormal (mu, sigma). */
void
ScsmLognormalParams(double p5, double p95, LossDist *d)
{
	CheckFinite(p5, "lognormal 5th percentile");
	CheckFinite(p95, "lognormal 95th percentile");
	if (!(p5 > 0.0 && p5 <= p95))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lognormal interval must satisfy 0 < p5 <= p95"),
				 errdetail("Got p5 %g, p95 %g.", p5, p95)));
	memset(d, 0, sizeof(*d));
	d->a = p5;
	d->b = p95;
	if (p5 == p95)
	{
		d->kind = LOSSDIST_CONST;
		return;
	}
	d->kind = LOSSDIST_LOGNORMAL;
	d->mu = (log(p5) + log(p95)) / 2.0;
	d->sigma = (log(p95) - log(p5)) / (2.0 * SCSM_Z95);
	if (!isfinite(exp(2.0 * d->mu + 2.0 * d->sigma * d->sigma)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lognormal interval is too wide"),
				 errdetail("The second moment exp(2 mu + 2 sigma^2) overflows a double."),
				 errhint("Express losses in a larger unit.")));
}

/*
 * Read a distribution given as (kind, float8[] params).  Frequencies (rates
 * per year): 'poisson' {rate} or 'pert' {min, mode, max [, shape]}.
 * Magnitudes (loss per event): 'pert' {min, mode, max [, shape]},
 * 'lognormal' {p5, p95} or 'constant' {value}.  Everything must be >= 0.
 */
void
ScsmParseDist(const char *kind, ArrayType *params, bool frequency, LossDist *d)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	double		v[4];
	const char *what = frequency ? "frequency" : "magnitude";

	if (ARR_NDIM(params) > 1 || ARR_ELEMTYPE(params) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s parameters must be a one-dimensional float8 array", what)));
	deconstruct_array(params, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &n);
	if (n > 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("too many %s parameters", what),
				 errdetail("Got %d values; no distribution takes more than 4.", n)));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s parameters must not contain nulls", what)));
		v[i] = DatumGetFloat8(elems[i]);
		CheckFinite(v[i], frequency ? "a frequency parameter" : "a magnitude parameter");
		if (v[i] < 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s parameters must not be negative", what),
					 errdetail("Parameter %d is %g.", i + 1, v[i])));
	}

	if (strcmp(kind, "pert") == 0)
	{
		if (n != 3 && n != 4)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a pert %s takes 3 or 4 parameters", what),
					 errdetail("Expected {min, mode, max} or {min, mode, max, shape}; got %d values.", n)));
		ScsmPertParams(v[0], v[1], v[2], n == 4 ? v[3] : SCSM_PERT_GAMMA, d);
	}
	else if (frequency && strcmp(kind, "poisson") == 0)
	{
		if (n != 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a poisson frequency takes 1 parameter"),
					 errdetail("Expected {rate}; got %d values.", n)));
		memset(d, 0, sizeof(*d));
		d->kind = LOSSDIST_CONST;
		d->a = d->m = d->b = v[0];
	}
	else if (!frequency && strcmp(kind, "lognormal") == 0)
	{
		if (n != 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a lognormal magnitude takes 2 parameters"),
					 errdetail("Expected {p5, p95}, the 90 %% interval; got %d values.", n)));
		ScsmLognormalParams(v[0], v[1], d);
	}
	else if (!frequency && strcmp(kind, "constant") == 0)
	{
		if (n != 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a constant magnitude takes 1 parameter"),
					 errdetail("Expected {value}; got %d values.", n)));
		memset(d, 0, sizeof(*d));
		d->kind = LOSSDIST_CONST;
		d->a = d->m = d->b = v[0];
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown %s distribution \"%s\"", what, kind),
				 errhint(frequency ? "Use poisson or pert." : "Use pert, lognormal or constant.")));

	if (frequency && d->b > 1e6)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency above 1e6 events per year is not supported"),
				 errdetail("The largest rate given is %g.", d->b)));
}

double
ScsmDistMean(const LossDist *d)
{
	switch (d->kind)
	{
		case LOSSDIST_PERT:
			/* (a + gamma m + b) / (gamma + 2), which overflows near DBL_MAX */
			return d->a + (d->b - d->a) * (d->alpha / (d->gamma + 2.0));
		case LOSSDIST_LOGNORMAL:
			return exp(d->mu + d->sigma * d->sigma / 2.0);
		default:
			return d->a;
	}
}

double
ScsmDistVariance(const LossDist *d)
{
	double		mean = ScsmDistMean(d);

	switch (d->kind)
	{
		case LOSSDIST_PERT:
			return (mean - d->a) * (d->b - mean) / (d->gamma + 3.0);
		case LOSSDIST_LOGNORMAL:
			return expm1(d->sigma * d->sigma) * exp(2.0 * d->mu + d->sigma * d->sigma);
		default:
			return 0.0;
	}
}

double
ScsmDistQuantile(const LossDist *d, double p)
{
	switch (d->kind)
	{
		case LOSSDIST_PERT:
			return d->a + (d->b - d->a) * ScsmBetaQuantile(p, d->alpha, d->beta);
		case LOSSDIST_LOGNORMAL:
			return exp(d->mu + d->sigma * ScsmNormalQuantile(p));
		default:
			return d->a;
	}
}

/*
 * E[exp(-L)] for a rate L: P(N = 0) of the mixed Poisson.  For a PERT rate
 * L = a + c T, T ~ Beta(al, be), c = b - a:
 *	 E[exp(-L)] = exp(-a) 1F1(al; al+be; -c) = exp(-a-c) 1F1(be; al+be; c)
 * (Kummer's transformation), whose series has positive terms only; it is
 * summed in log space so large c neither overflows nor cancels.
 */
double
ScsmPoissonMixtureZero(const LossDist *rate)
{
	double		c,
				logterm,
				logsum,
				al,
				be;
	long		k;

	if (rate->kind != LOSSDIST_PERT)
		return exp(-rate->a);
	if (rate->a > 745.0)
		return 0.0;
	c = rate->b - rate->a;
	al = rate->alpha;
	be = rate->beta;
	logterm = -c;
	logsum = -c;
	for (k = 0; k < 100000000L; k++)
	{
		logterm += log((be + k) / (al + be + k)) + log(c) - log((double) k + 1.0);
		if (logterm > logsum)
			logsum = logterm + log1p(exp(logsum - logterm));
		else
			logsum = logsum + log1p(exp(logterm - logsum));
		if ((double) k > c && logterm < logsum - 40.0)
			break;
	}
	return exp(-rate->a + logsum);
}

/* ---------- SQL-callable closed forms ---------- */

Datum
scsm_normal_quantile(PG_FUNCTION_ARGS)
{
	double		p = PG_GETARG_FLOAT8(0);

	CheckProbability(p);
	PG_RETURN_FLOAT8(ScsmNormalQuantile(p));
}

static void
CheckBetaShape(double a, double b)
{
	if (!(a > 0.0 && b > 0.0) || !isfinite(a) || !isfinite(b))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("beta shape parameters must be positive and finite"),
				 errdetail("Got alpha %g, beta %g.", a, b)));
}

Datum
scsm_beta_cdf(PG_FUNCTION_ARGS)
{
	double		x = PG_GETARG_FLOAT8(0),
				a = PG_GETARG_FLOAT8(1),
				b = PG_GETARG_FLOAT8(2);

	CheckBetaShape(a, b);
	if (isnan(x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("x must not be NaN")));
	PG_RETURN_FLOAT8(ScsmBetaCdf(x, a, b));
}

Datum
scsm_beta_quantile(PG_FUNCTION_ARGS)
{
	double		p = PG_GETARG_FLOAT8(0),
				a = PG_GETARG_FLOAT8(1),
				b = PG_GETARG_FLOAT8(2);

	CheckProbability(p);
	CheckBetaShape(a, b);
	PG_RETURN_FLOAT8(ScsmBetaQuantile(p, a, b));
}

Datum
scsm_pert_mean(PG_FUNCTION_ARGS)
{
	LossDist	d;

	ScsmPertParams(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2),
				   PG_GETARG_FLOAT8(3), &d);
	PG_RETURN_FLOAT8(ScsmDistMean(&d));
}

Datum
scsm_pert_variance(PG_FUNCTION_ARGS)
{
	LossDist	d;
	double		v;

	ScsmPertParams(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2),
				   PG_GETARG_FLOAT8(3), &d);
	v = ScsmDistVariance(&d);
	if (isinf(v))
		float_overflow_error();
	PG_RETURN_FLOAT8(v);
}

Datum
scsm_pert_quantile(PG_FUNCTION_ARGS)
{
	LossDist	d;
	double		p = PG_GETARG_FLOAT8(3);

	ScsmPertParams(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2),
				   PG_GETARG_FLOAT8(4), &d);
	CheckProbability(p);
	PG_RETURN_FLOAT8(ScsmDistQuantile(&d, p));
}

Datum
scsm_lognormal_mean(PG_FUNCTION_ARGS)
{
	LossDist	d;

	ScsmLognormalParams(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1), &d);
	PG_RETURN_FLOAT8(ScsmDistMean(&d));
}

Datum
scsm_lognormal_variance(PG_FUNCTION_ARGS)
{
	LossDist	d;

	ScsmLognormalParams(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1), &d);
	PG_RETURN_FLOAT8(ScsmDistVariance(&d));
}

Datum
scsm_lognormal_quantile(PG_FUNCTION_ARGS)
{
	LossDist	d;
	double		p = PG_GETARG_FLOAT8(2);

	ScsmLognormalParams(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1), &d);
	CheckProbability(p);
	PG_RETURN_FLOAT8(ScsmDistQuantile(&d, p));
}

static void
CheckRate(double lambda)
{
	if (isnan(lambda) || isinf(lambda) || lambda < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency must be a finite number >= 0"),
				 errdetail("The rate given was %g.", lambda)));
}

Datum
scsm_compound_poisson_mean(PG_FUNCTION_ARGS)
{
	double		lambda = PG_GETARG_FLOAT8(0),
				ex = PG_GETARG_FLOAT8(1);

	CheckRate(lambda);
	CheckFinite(ex, "mean loss per event");
	PG_RETURN_FLOAT8(lambda * ex);
}

Datum
scsm_compound_poisson_variance(PG_FUNCTION_ARGS)
{
	double		lambda = PG_GETARG_FLOAT8(0),
				ex2 = PG_GETARG_FLOAT8(1);

	CheckRate(lambda);
	CheckFinite(ex2, "second moment of the loss per event");
	if (ex2 < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("second moment of the loss per event must not be negative")));
	PG_RETURN_FLOAT8(lambda * ex2);
}

Datum
scsm_compound_poisson_p_nonzero(PG_FUNCTION_ARGS)
{
	double		lambda = PG_GETARG_FLOAT8(0);

	CheckRate(lambda);
	PG_RETURN_FLOAT8(-expm1(-lambda));
}

/*
 * Moments of the annual loss for a (frequency, magnitude) model, exactly
 * what the simulator samples: mean, variance, stddev, P(S > 0) and the
 * expected number of events.
 */
Datum
scsm_annual_loss_moments(PG_FUNCTION_ARGS)
{
	LossDist	f,
				m;
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};
	double		el,
				vl,
				ex,
				vx,
				var,
				pnz;

	ScsmParseDist(text_to_cstring(PG_GETARG_TEXT_PP(0)), PG_GETARG_ARRAYTYPE_P(1), true, &f);
	ScsmParseDist(text_to_cstring(PG_GETARG_TEXT_PP(2)), PG_GETARG_ARRAYTYPE_P(3), false, &m);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	el = ScsmDistMean(&f);
	vl = ScsmDistVariance(&f);
	ex = ScsmDistMean(&m);
	vx = ScsmDistVariance(&m);
	var = el * (vx + ex * ex) + vl * ex * ex;
	/* P(S > 0) = P(N > 0) unless every event costs exactly nothing */
	if (m.kind == LOSSDIST_CONST && m.a == 0.0)
		pnz = 0.0;
	else if (f.kind == LOSSDIST_CONST)
		pnz = -expm1(-f.a);
	else
		pnz = 1.0 - ScsmPoissonMixtureZero(&f);

	values[0] = Float8GetDatum(el * ex);
	values[1] = Float8GetDatum(var);
	values[2] = Float8GetDatum(sqrt(var));
	values[3] = Float8GetDatum(pnz);
	values[4] = Float8GetDatum(el);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
