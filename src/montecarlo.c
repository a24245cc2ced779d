/*-------------------------------------------------------------------------
 *
 * montecarlo.c
 *	  Compound-Poisson annual loss simulation with a counter-based RNG,
 *	  per-scenario summaries and a portfolio aggregate.
 *
 * Model of one scenario-year (the compound Poisson of actuarial science,
 * as in riskquant's simulate_years and evaluator): draw the year's rate L
 * (fixed, or PERT), draw N ~ Poisson(L), then N independent magnitudes
 * (PERT, lognormal from a 90 % interval, or constant); the annual loss is
 * their sum.  All draws of iteration i of scenario s come from the Philox
 * stream keyed by (seed, s, i) (rng.h), so a run is re-derivable from
 * (seed, iterations) and any split of the iteration range gives the same
 * numbers: that is what makes the aggregate parallel safe.
 *
 * Speed: the common case (a fixed rate) runs in stages over flat arrays
 * of years and of Philox blocks (SimulateFixedRate), with AVX-512 or AVX2
 * kernels chosen at run time (scsm.mc_simd = off: the portable code).  The
 * kernels do the scalar code's floating-point operations in the same
 * order, never fused, so every path gives the same bits.
 *
 * The portfolio aggregate adds the scenarios' losses iteration by
 * iteration (percentiles of the sum, never the sum of percentiles) and
 * can run as a parallel partial aggregate: the state is the vector of
 * per-iteration sums, combined by addition.
 *
 * src/montecarlo.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "lossdist.h"
#include "rng.h"
#include "scsm.h"

PG_FUNCTION_INFO_V1(scsm_philox4x32);
PG_FUNCTION_INFO_V1(scsm_simulate_annual_losses);
PG_FUNCTION_INFO_V1(scsm_simulate_loss);
PG_FUNCTION_INFO_V1(scsm_loss_summary);
PG_FUNCTION_INFO_V1(scsm_portfolio_trans);
PG_FUNCTION_INFO_V1(scsm_portfolio_combine);
PG_FUNCTION_INFO_V1(scsm_portfolio_serialize);
PG_FUNCTION_INFO_V1(scsm_portfolio_deserialize);
PG_FUNCTION_INFO_V1(scsm_portfolio_final_summary);
PG_FUNCTION_INFO_V1(scsm_portfolio_final_losses);

/* 50M iterations = 400 MB of per-iteration sums: the largest run we take */
#define SCSM_MAX_ITERATIONS 50000000
/*
 * The largest array of per-iteration sums returned: 80 MB, and about twice
 * that as text to a client; a longer run is asked for in parts (first).
 */
#define SCSM_MAX_ARRAY_ITERATIONS 10000000
/* iteration numbers are one 32-bit word of the Philox counter */
#define SCSM_ITERATION_LIMIT INT64CONST(4294967296)

/* a Poisson(rate < 12) count above 63 has probability below 1e-16 */
#define POISSON_TABLE 64
/* guide table (Chen & Asau 1974): where to start the search for u */
#define POISSON_GUIDE 1024

/*
 * PERT and lognormal draws by inversion of a tabulated quantile: one
 * uniform per draw.  PERT:  The body p in [P0, 1 - P0] is split into PERT_BODY_CELLS equal
 * cells; the tails p < P0 and p > 1 - P0 into PERT_TAIL_CELLS cells of
 * s = (p/P0)^(1/alpha) (resp. ((1-p)/P0)^(1/beta)), in which the quantile
 * is smooth (it behaves like p^(1/alpha) near 0).  Each cell holds a cubic
 * Hermite interpolant through the exact quantiles at its ends with the
 * exact slopes (1/pdf), already scaled to the magnitude a + (b - a) x.
 * Lognormal: the same body table of exp(mu + sigma z(p)); outside it
 * (p < P0 or p > 1 - P0, 1/32 of the draws) tables by octaves of the tail
 * probability (below): no log or exp in any draw.
 * Accuracy: see docs/risk-quantitative.md.
 */
#define PERT_BODY_CELLS 1024
#define PERT_TAIL_CELLS 128
#define PERT_TAIL_P (1.0 / 64.0)

/*
 * Lognormal tails: q = u below the body, q = 1 - u above it (exact), in
 * octaves [2^-(7+o), 2^-(6+o)), o = 0 .. 47, down to 2^-54, the smallest
 * uniform; each octave in LN_TAIL_CELLS equal cells of t = q 2^(7+o),
 * read straight from the bits of q (exponent: octave, mantissa: t).
 */
#define LN_TAIL_OCTAVES 48
#define LN_TAIL_CELLS_LOG2 4
#define LN_TAIL_CELLS (1 << LN_TAIL_CELLS_LOG2)
/* where the tail cells start in QuantileTable.cells */
#define LN_LOWER PERT_BODY_CELLS
#define LN_UPPER (PERT_BODY_CELLS + LN_TAIL_OCTAVES * LN_TAIL_CELLS)

typedef struct QuantileTable
{
	double		lo;				/* body starts at p = lo = P0 */
	double		hi;				/* and ends at p = hi = 1 - P0 */
	double		inv_h;			/* body cells per unit of p */
	double		inv_alpha;		/* lower tail exponent 1/alpha */
	double		inv_beta;		/* upper tail exponent 1/beta */
	bool		lognormal;		/* tails computed: exp(mu + sigma z(u)) */
	double		mu;
	double		sigma;
	/* cells: the body, then (lognormal) the lower and upper tail octaves */
	double		cells[PERT_BODY_CELLS + 2 * LN_TAIL_OCTAVES * LN_TAIL_CELLS][4];
	double		lower[PERT_TAIL_CELLS][4];
	double		upper[PERT_TAIL_CELLS][4];
} QuantileTable;

/* A scenario ready to simulate: parsed distributions and constants. */
typedef struct ScenarioModel
{
	uint64_t	scenario;
	LossDist	freq;
	LossDist	mag;
	QuantileTable  *freq_tab;		/* PERT rate / magnitude tables, or NULL */
	QuantileTable  *mag_tab;
	/* fixed-rate Poisson constants */
	double		expneg;			/* exp(-rate), inversion below rate 12 */
	int			ncdf;			/* entries of cdf[] in use (fixed rate < 12) */
	double		cdf[POISSON_TABLE];	/* P(N <= k), for inversion by table */
	int32		guide[POISSON_GUIDE];	/* smallest k with cdf[k] >= i/GUIDE */
	int32		direct[POISSON_GUIDE];	/* the count of every u in bucket i, or -1 */
	double		ptrs_a,
				ptrs_b,
				ptrs_invalpha,
				ptrs_vr,
				ptrs_loglam;
} ScenarioModel;

/* Per-iteration draw state: the Philox stream of (seed, scenario, iteration). */
typedef struct Draw
{
	RngStream	rng;
} Draw;

/* Cubic Hermite coefficients on a cell [0, 1] of an increasing function:
 * values y0, y1 and slopes d0, d1 (per cell), slopes limited as in Fritsch &
 * Carlson (1980) so the cubic stays monotone; then mapped to off + scale y. */
static void
HermiteCell(double c[4], double y0, double y1, double d0, double d1,
			double off, double scale)
{
	double		delta = y1 - y0;

	if (!(delta > 0.0))
		d0 = d1 = 0.0;
	else
	{
		d0 = Max(0.0, Min(d0, 3.0 * delta));
		d1 = Max(0.0, Min(d1, 3.0 * delta));
	}
	c[0] = off + scale * y0;
	c[1] = scale * d0;
	c[2] = scale * (3.0 * delta - 2.0 * d0 - d1);
	c[3] = scale * (d0 + d1 - 2.0 * delta);
}

/* log of the Beta(al, be) density at x in (0, 1) */
static inline double
BetaLogPdf(double x, double al, double be, double lbeta)
{
	return (al - 1.0) * log(x) + (be - 1.0) * log1p(-x) - lbeta;
}

/*
 * The lower tail of Beta(al, be) in s = (p/P0)^(1/al), s in [0, 1]:
 * exact quantiles at the nodes, slopes dx/ds = al P0 s^(al-1) / pdf(x) and
 * (al B P0)^(1/al) at s = 0.  Returns the quantile at p = P0.
 */
static double
PertTailCells(double cells[PERT_TAIL_CELLS][4], double al, double be,
			  double off, double scale)
{
	double		lbeta = lgamma(al) + lgamma(be) - lgamma(al + be);
	double		x[PERT_TAIL_CELLS + 1],
				dx[PERT_TAIL_CELLS + 1];
	int			j;

	x[0] = 0.0;
	dx[0] = exp((log(al) + lbeta + log(PERT_TAIL_P)) / al);
	for (j = 1; j <= PERT_TAIL_CELLS; j++)
	{
		double		sj = (double) j / PERT_TAIL_CELLS;

		x[j] = ScsmBetaQuantile(PERT_TAIL_P * pow(sj, al), al, be);
		dx[j] = exp(log(al * PERT_TAIL_P) + (al - 1.0) * log(sj) -
					BetaLogPdf(x[j], al, be, lbeta));
	}
	for (j = 0; j < PERT_TAIL_CELLS; j++)
		HermiteCell(cells[j], x[j], x[j + 1], dx[j] / PERT_TAIL_CELLS,
					dx[j + 1] / PERT_TAIL_CELLS, off, scale);
	return x[PERT_TAIL_CELLS];
}

/*
 * Build the table of a PERT: tails by the exact quantile, body nodes by
 * a second-order step from the previous node and one Newton step on the
 * exact CDF (ScsmBetaCdf), so every node is the quantile to near double
 * precision and no error accumulates.
 */
static QuantileTable *
PertTableNew(const LossDist *dist)
{
	QuantileTable  *t = palloc(sizeof(QuantileTable));
	double		al = dist->alpha,
				be = dist->beta,
				a = dist->a,
				w = dist->b - dist->a,
				lbeta = lgamma(al) + lgamma(be) - lgamma(al + be),
				h = (1.0 - 2.0 * PERT_TAIL_P) / PERT_BODY_CELLS,
				x,
				x_end,
				d,
				dprev;
	int			i;

	t->lo = PERT_TAIL_P;
	t->hi = 1.0 - PERT_TAIL_P;
	t->inv_h = 1.0 / h;
	t->lognormal = false;
	t->mu = t->sigma = 0.0;
	t->inv_alpha = 1.0 / al;
	t->inv_beta = 1.0 / be;
	x = PertTailCells(t->lower, al, be, a, w);
	/* upper tail of Beta(al, be) = lower tail of Beta(be, al), mirrored */
	x_end = 1.0 - PertTailCells(t->upper, be, al, dist->b, -w);
	dprev = exp(-BetaLogPdf(x, al, be, lbeta));
	for (i = 1; i <= PERT_BODY_CELLS; i++)
	{
		double		xn;

		if (i == PERT_BODY_CELLS)
			xn = x_end;
		else
		{
			double		p = PERT_TAIL_P + h * i,
						dlogf = (al - 1.0) / x - (be - 1.0) / (1.0 - x);

			xn = x + h * dprev - 0.5 * h * h * dlogf * dprev * dprev;
			if (!(xn > x && xn < x_end))
				xn = 0.5 * (x + x_end);
			xn -= (ScsmBetaCdf(xn, al, be) - p) * exp(-BetaLogPdf(xn, al, be, lbeta));
			if (!(xn > x && xn < x_end))
				xn = ScsmBetaQuantile(p, al, be);
		}
		d = exp(-BetaLogPdf(xn, al, be, lbeta));
		HermiteCell(t->cells[i - 1], x, xn, dprev * h, d * h, a, w);
		x = xn;
		dprev = d;
	}
	return t;
}

/*
 * The table of a lognormal: exp(mu + sigma z) at the nodes, z the exact
 * normal quantile, slopes sigma exp(mu + sigma z) / phi(z); the body in p,
 * the tails octave by octave in q (above the body the value
 * exp(mu - sigma z(q)) falls as q grows: built mirrored, as HermiteCell
 * wants an increasing function).
 */
static QuantileTable *
LognormalTableNew(const LossDist *dist)
{
	QuantileTable *t = palloc(sizeof(QuantileTable));
	double		h = (1.0 - 2.0 * PERT_TAIL_P) / PERT_BODY_CELLS,
				y0 = 0.0,
				d0 = 0.0;
	int			i,
				j,
				o;

	t->lo = PERT_TAIL_P;
	t->hi = 1.0 - PERT_TAIL_P;
	t->inv_h = 1.0 / h;
	t->inv_alpha = t->inv_beta = 1.0;
	t->lognormal = true;
	t->mu = dist->mu;
	t->sigma = dist->sigma;
	for (i = 0; i <= PERT_BODY_CELLS; i++)
	{
		double		z = ScsmNormalQuantile(i == PERT_BODY_CELLS ? t->hi : t->lo + h * i),
					y = exp(dist->mu + dist->sigma * z),
					d = y * dist->sigma * sqrt(2.0 * M_PI) * exp(0.5 * z * z) * h;

		if (i > 0)
			HermiteCell(t->cells[i - 1], y0, y, d0, d, 0.0, 1.0);
		y0 = y;
		d0 = d;
	}
	for (o = 0; o < LN_TAIL_OCTAVES; o++)
	{
		double		base = ldexp(1.0, -(7 + o)),
					ylo0 = 0.0,
					dlo0 = 0.0,
					yup0 = 0.0,
					dup0 = 0.0;

		for (j = 0; j <= LN_TAIL_CELLS; j++)
		{
			double		z = ScsmNormalQuantile(base * (1.0 + (double) j / LN_TAIL_CELLS)),
						g = dist->sigma * sqrt(2.0 * M_PI) * exp(0.5 * z * z) * base / LN_TAIL_CELLS,
						ylo = exp(dist->mu + dist->sigma * z),
						yup = exp(dist->mu - dist->sigma * z),
						dlo = ylo * g,
						dup = -yup * g;

			if (j > 0)
			{
				HermiteCell(t->cells[LN_LOWER + o * LN_TAIL_CELLS + j - 1], ylo0, ylo, dlo0, dlo, 0.0, 1.0);
				HermiteCell(t->cells[LN_UPPER + o * LN_TAIL_CELLS + j - 1], -yup0, -yup, -dup0, -dup, 0.0, -1.0);
			}
			ylo0 = ylo;
			dlo0 = dlo;
			yup0 = yup;
			dup0 = dup;
		}
	}
	return t;
}

/*
 * An empty asm on a product: the compiler cannot fuse it with the next
 * addition into a multiply-add (one rounding instead of two), which it
 * may do wherever FMA is enabled (a target attribute, -march).  Used in
 * the scalar and the vector Horner steps alike, so all paths round the
 * same way.  Only x86-64 has vector paths to agree with.
 */
#if defined(__x86_64__) && defined(__GNUC__)
#define NO_CONTRACT(v) __asm__("" : "+v"(v))
#else
#define NO_CONTRACT(v) ((void) 0)
#endif

/* A PERT or lognormal draw from one uniform u in (0, 1). */
static inline double
TableSample(const QuantileTable *t, double u)
{
	const double *c;
	double		f;
	int			i;

	if (likely(u >= t->lo && u <= t->hi))
	{
		f = (u - t->lo) * t->inv_h;
		i = (int) f;
		if (i >= PERT_BODY_CELLS)
			i = PERT_BODY_CELLS - 1;
		c = t->cells[i];
	}
	else if (t->lognormal)
	{
		double		q = u < t->lo ? u : 1.0 - u;
		uint64_t	bits;
		int			o;

		memcpy(&bits, &q, sizeof(bits));
		/* biased exponent 1016 - o; q = 0 (u rounded to 1) goes to the last octave */
		o = Min(1016 - (int) (bits >> 52), LN_TAIL_OCTAVES - 1);
		bits = (bits & UINT64CONST(0x000FFFFFFFFFFFFF)) | UINT64CONST(0x3FF0000000000000);
		memcpy(&f, &bits, sizeof(f));
		f = (f - 1.0) * LN_TAIL_CELLS;
		i = (int) f;
		if (i >= LN_TAIL_CELLS)
			i = LN_TAIL_CELLS - 1;
		c = t->cells[(u < t->lo ? LN_LOWER : LN_UPPER) + o * LN_TAIL_CELLS + i];
	}
	else
	{
		const double (*cells)[4];

		if (u < t->lo)
		{
			f = pow(u * (1.0 / PERT_TAIL_P), t->inv_alpha) * PERT_TAIL_CELLS;
			cells = t->lower;
		}
		else
		{
			f = pow((1.0 - u) * (1.0 / PERT_TAIL_P), t->inv_beta) * PERT_TAIL_CELLS;
			cells = t->upper;
		}
		i = (int) f;
		if (i >= PERT_TAIL_CELLS)
			i = PERT_TAIL_CELLS - 1;
		c = cells[i];
	}
	f -= (double) i;
	{
		double		r = f * c[3];

		NO_CONTRACT(r);
		r = c[2] + r;
		r = f * r;
		NO_CONTRACT(r);
		r = c[1] + r;
		r = f * r;
		NO_CONTRACT(r);
		return c[0] + r;
	}
}

/* One draw from a validated distribution. */
static inline double
DrawDist(Draw *d, const LossDist *dist, const QuantileTable *tab)
{
	switch (dist->kind)
	{
		case LOSSDIST_LOGNORMAL:
		case LOSSDIST_PERT:
			return TableSample(tab, RngUniform(&d->rng));
		default:
			return dist->a;
	}
}

/* PTRS constants (Hoermann 1993, "The transformed rejection method for
 * generating Poisson random variables"), as in numpy's generator. */
static void
PoissonInit(ScenarioModel *m, double lam)
{
	double		slam = sqrt(lam),
				p,
				f;
	int			k;

	m->expneg = exp(-lam);
	/* CDF table, accumulated exactly as the inversion loop does */
	p = f = m->expneg;
	m->ncdf = 0;
	if (lam < 12.0)
	{
		for (k = 0; k < POISSON_TABLE; k++)
		{
			m->cdf[k] = f;
			m->ncdf = k + 1;
			if (f >= 1.0)
				break;
			p *= lam / (double) (k + 1);
			f += p;
		}
		for (k = 0, f = 0; k < POISSON_GUIDE; k++)
		{
			int			g = 0;

			while (g < m->ncdf - 1 && m->cdf[g] < (double) k / POISSON_GUIDE)
				g++;
			m->guide[k] = g;
			/* u < (k + 1)/GUIDE <= cdf[g]: the whole bucket has count g */
			m->direct[k] = m->cdf[g] >= (double) (k + 1) / POISSON_GUIDE ? g : -1;
		}
	}
	m->ptrs_loglam = log(lam > 0 ? lam : 1.0);
	m->ptrs_b = 0.931 + 2.53 * slam;
	m->ptrs_a = -0.059 + 0.02483 * m->ptrs_b;
	m->ptrs_invalpha = 1.1239 + 1.1328 / (m->ptrs_b - 3.4);
	m->ptrs_vr = 0.9277 - 3.6224 / (m->ptrs_b - 2.0);
}

/* Poisson(lam) by inversion (small rates) or PTRS (rate >= 12). */
static inline int64
DrawPoisson(Draw *d, double lam, const ScenarioModel *fixed)
{
	if (lam < 12.0 && fixed != NULL)
	{
		/* inversion by table: the same count as the loop below */
		double		u = RngUniform(&d->rng);
		int64		k = 0;

		while (k < fixed->ncdf && u > fixed->cdf[k])
			k++;
		if (k == fixed->ncdf)
		{
			double		p = fixed->cdf[k - 1] - (k >= 2 ? fixed->cdf[k - 2] : 0.0),
						f = fixed->cdf[k - 1];

			while (u > f && k < 200)
			{
				p *= lam / (double) k;
				f += p;
				if (u > f)
					k++;
				else
					break;
			}
		}
		return k;
	}
	if (lam < 12.0)
	{
		double		u = RngUniform(&d->rng),
					p = exp(-lam),
					f = p;
		int64		k = 0;

		while (u > f && k < 200)
		{
			k++;
			p *= lam / (double) k;
			f += p;
		}
		return k;
	}
	else
	{
		ScenarioModel local;
		const ScenarioModel *c = fixed;

		if (c == NULL)
		{
			PoissonInit(&local, lam);
			c = &local;
		}
		for (;;)
		{
			double		u = RngUniform(&d->rng) - 0.5,
						v = RngUniform(&d->rng),
						us = 0.5 - fabs(u),
						k = floor((2.0 * c->ptrs_a / us + c->ptrs_b) * u + lam + 0.43);

			if (us >= 0.07 && v <= c->ptrs_vr)
				return (int64) k;
			if (k < 0.0 || (us < 0.013 && v > us))
				continue;
			if (log(v) + log(c->ptrs_invalpha) - log(c->ptrs_a / (us * us) + c->ptrs_b) <=
				-lam + k * c->ptrs_loglam - lgamma(k + 1.0))
				return (int64) k;
		}
	}
}

/* The annual loss of one scenario in one iteration. */
static inline double
SimulateYear(const ScenarioModel *m, uint64_t seed, uint32_t iteration,
			 const uint32_t first_block[4])
{
	Draw		d;
	double		rate,
				loss = 0.0;
	int64		n,
				i;

	RngStreamInitWithBlock(&d.rng, seed, m->scenario, iteration, first_block);
	if (m->freq.kind == LOSSDIST_CONST)
	{
		rate = m->freq.a;
		n = DrawPoisson(&d, rate, m);
	}
	else
	{
		rate = DrawDist(&d, &m->freq, m->freq_tab);
		n = DrawPoisson(&d, rate, NULL);
	}
	if (m->mag.kind == LOSSDIST_CONST)
		return (double) n * m->mag.a;
	for (i = 0; i < n; i++)
	{
		loss += DrawDist(&d, &m->mag, m->mag_tab);
		/* a year can hold up to ~10^6 events: stay cancellable inside it */
		if ((i & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	return loss;
}

/* Parse the SQL arguments of a scenario into a model. */
static void
ModelInit(ScenarioModel *m, int64 scenario, text *fdist, ArrayType *fparams,
		  text *mdist, ArrayType *mparams)
{
	memset(m, 0, sizeof(*m));
	m->scenario = (uint64_t) scenario;
	ScsmParseDist(text_to_cstring(fdist), fparams, true, &m->freq);
	ScsmParseDist(text_to_cstring(mdist), mparams, false, &m->mag);
	if (m->freq.kind == LOSSDIST_PERT)
		m->freq_tab = PertTableNew(&m->freq);
	else
		PoissonInit(m, m->freq.a);
	if (m->mag.kind == LOSSDIST_PERT)
		m->mag_tab = PertTableNew(&m->mag);
	else if (m->mag.kind == LOSSDIST_LOGNORMAL)
		m->mag_tab = LognormalTableNew(&m->mag);
}

/*
 * Count of events for u under a fixed rate below 12: start at the guide
 * entry of u's bucket, walk the CDF table, and past its end continue the
 * inversion recurrence.  The smallest k with u <= P(N <= k), as in
 * DrawPoisson.
 */
static inline int64
FixedRateCount(const ScenarioModel *m, double u)
{
	int64		k = m->guide[(int) (u * POISSON_GUIDE)];

	while (k < m->ncdf - 1 && u > m->cdf[k])
		k++;
	if (u > m->cdf[k])
	{
		double		p = m->cdf[k] - (k >= 1 ? m->cdf[k - 1] : 0.0),
					f = m->cdf[k],
					lam = m->freq.a;

		while (u > f && k < 200)
		{
			k++;
			p *= lam / (double) k;
			f += p;
		}
	}
	return k;
}

/*
 * Counts of a list of years from their first uniforms (words a0[y], a1[y]
 * of block 0): hn[y] = FixedRateCount(u0).  The AVX2 version reads four
 * counts at a time from the table of buckets that hold a single count (all
 * but about one bucket per CDF step) and calls FixedRateCount only for the
 * years whose u0 falls in another; the counts are the same integers.
 */
static void
CountsScalar(const ScenarioModel *m, const uint32_t *a0, const uint32_t *a1, int n, int *hn)
{
	int			y;

	for (y = 0; y < n; y++)
		hn[y] = (int) FixedRateCount(m, RngWordsToUnit(a0[y], a1[y]));
}

#ifdef SCSM_HAVE_AVX2_PATH
__attribute__((target("avx2")))
static void
CountsAvx2(const ScenarioModel *m, const uint32_t *a0, const uint32_t *a1, int n, int *hn)
{
	const __m256d half = _mm256_set1_pd(0.5),
				inv53 = _mm256_set1_pd(1.0 / 9007199254740992.0),
				two21 = _mm256_set1_pd(2097152.0),
				two31 = _mm256_set1_pd(2147483648.0),
				nguide = _mm256_set1_pd((double) POISSON_GUIDE);
	const __m128i flip = _mm_set1_epi32(INT32_MIN);
	int			y;

	for (y = 0; y + 4 <= n; y += 4)
	{
		__m128i		h = _mm_loadu_si128((const __m128i *) (a0 + y)),
					l = _mm_loadu_si128((const __m128i *) (a1 + y)),
					k;
		__m256d		u;
		int			walk;

		u = _mm256_add_pd(_mm256_mul_pd(_mm256_add_pd(_mm256_cvtepi32_pd(_mm_xor_si128(h, flip)),
													  two31), two21),
						  _mm256_cvtepi32_pd(_mm_srli_epi32(l, 11)));
		u = _mm256_mul_pd(_mm256_add_pd(u, half), inv53);
		k = _mm_i32gather_epi32(m->direct, _mm256_cvttpd_epi32(_mm256_mul_pd(u, nguide)), 4);
		_mm_storeu_si128((__m128i *) (hn + y), k);
		walk = _mm_movemask_ps(_mm_castsi128_ps(k));
		if (unlikely(walk))
		{
			int			j;

			for (j = 0; j < 4; j++)
				if (walk & (1 << j))
					hn[y + j] = (int) FixedRateCount(m, RngWordsToUnit(a0[y + j], a1[y + j]));
		}
	}
	for (; y < n; y++)
		hn[y] = (int) FixedRateCount(m, RngWordsToUnit(a0[y], a1[y]));
}
#endif

static inline void
Counts(const ScenarioModel *m, const uint32_t *a0, const uint32_t *a1, int n, int *hn,
	   int simd)
{
#ifdef SCSM_HAVE_AVX2_PATH
	if (simd >= RNG_SIMD_AVX2)
	{
		CountsAvx2(m, a0, a1, n, hn);
		return;
	}
#endif
	(void) simd;
	CountsScalar(m, a0, a1, n, hn);
}

/* v if keep, else +0.0, without a branch (keep is not predictable) */
static inline double
ZeroUnless(double v, bool keep)
{
	uint64_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	bits &= -(uint64_t) keep;
	memcpy(&v, &bits, sizeof(v));
	return v;
}

/* Years simulated per step of SimulateFixedRate. */
#define FIXED_CHUNK 256

/*
 * Magnitudes of a list of uniforms given as Philox word pairs (hi[k],
 * lo[k]): out[k] = TableSample(t, RngWordsToUnit(hi[k], lo[k])).  The
 * portable version is that loop; the AVX2 one computes the same
 * operations four lanes at a time and gives the same bits.
 */
static void
MagnitudesScalar(const QuantileTable *t, const uint32_t *hi, const uint32_t *lo,
				 int n, double *out)
{
	int			k;

	for (k = 0; k < n; k++)
		out[k] = TableSample(t, RngWordsToUnit(hi[k], lo[k]));
}

/*
 * TableSample of one word pair, never inlined: the vector kernels call it
 * for their tail draws, and inlined into an AVX-512 function its multiply
 * and add could be fused, which would change the last bits.
 */
static pg_noinline double
TableSampleOutOfLine(const QuantileTable *t, uint32_t hi, uint32_t lo)
{
	return TableSample(t, RngWordsToUnit(hi, lo));
}

#ifdef SCSM_HAVE_AVX2_PATH
/*
 * Four draws per step: the 53-bit uniform from the two words (exact
 * integer arithmetic in doubles, then the same + 0.5 and scaling as
 * RngWordsToUnit), the body cell and its offset, the four cubic
 * coefficients of four cells loaded and transposed, Horner's rule with
 * separate multiplies and adds (no FMA: the target is AVX2 alone, so the
 * rounding is that of the scalar code).  Lognormal tail draws take their
 * cell from the bits of q as TableSample does, in the same vectors; PERT
 * tail draws (one in 32) are recomputed by TableSample.
 */
__attribute__((target("avx2")))
static void
MagnitudesAvx2(const QuantileTable *t, const uint32_t *hi, const uint32_t *lo,
			   int n, double *out)
{
	const __m256d vlo = _mm256_set1_pd(t->lo),
				vhi = _mm256_set1_pd(t->hi),
				vinvh = _mm256_set1_pd(t->inv_h),
				half = _mm256_set1_pd(0.5),
				inv53 = _mm256_set1_pd(1.0 / 9007199254740992.0),
				two21 = _mm256_set1_pd(2097152.0),
				two31 = _mm256_set1_pd(2147483648.0),
				one = _mm256_set1_pd(1.0),
				ncells = _mm256_set1_pd((double) LN_TAIL_CELLS);
	const __m128i flip = _mm_set1_epi32(INT32_MIN),
				maxcell = _mm_set1_epi32(PERT_BODY_CELLS - 1),
				lastcell = _mm_set1_epi32(LN_TAIL_CELLS - 1),
				zero = _mm_setzero_si128();
	const __m256i e1016 = _mm256_set1_epi64x(1016),
				lastoct = _mm256_set1_epi64x(LN_TAIL_OCTAVES - 1),
				zero64 = _mm256_setzero_si256(),
				mant = _mm256_set1_epi64x(0x000FFFFFFFFFFFFF),
				onebits = _mm256_set1_epi64x(0x3FF0000000000000),
				lower0 = _mm256_set1_epi64x(LN_LOWER),
				upper0 = _mm256_set1_epi64x(LN_UPPER);
	int			k;

	for (k = 0; k + 4 <= n; k += 4)
	{
		__m128i		h = _mm_loadu_si128((const __m128i *) (hi + k)),
					l = _mm_loadu_si128((const __m128i *) (lo + k)),
					ci;
		__m256i		ci64;
		__m256d		x,
					u,
					f,
					inbody,
					r0,
					r1,
					r2,
					r3,
					t0,
					t1,
					t2,
					t3,
					p;
		int64_t		idx[4];
		int			bad;

		/* hi 2^21 + (lo >> 11), exactly: both parts are integers below 2^53 */
		x = _mm256_add_pd(_mm256_mul_pd(_mm256_add_pd(_mm256_cvtepi32_pd(_mm_xor_si128(h, flip)),
													  two31), two21),
						  _mm256_cvtepi32_pd(_mm_srli_epi32(l, 11)));
		u = _mm256_mul_pd(_mm256_add_pd(x, half), inv53);
		f = _mm256_mul_pd(_mm256_sub_pd(u, vlo), vinvh);
		ci = _mm_max_epi32(_mm_min_epi32(_mm256_cvttpd_epi32(f), maxcell), zero);
		f = _mm256_sub_pd(f, _mm256_cvtepi32_pd(ci));
		ci64 = _mm256_cvtepi32_epi64(ci);
		inbody = _mm256_and_pd(_mm256_cmp_pd(u, vlo, _CMP_GE_OQ), _mm256_cmp_pd(u, vhi, _CMP_LE_OQ));
		if (t->lognormal)
		{
			/* the tail cell of every lane, as TableSample; kept where u is outside the body */
			__m256d		low = _mm256_cmp_pd(u, vlo, _CMP_LT_OQ),
						ft;
			__m256i		bits = _mm256_castpd_si256(_mm256_blendv_pd(_mm256_sub_pd(one, u), u, low)),
						oct = _mm256_sub_epi64(e1016, _mm256_srli_epi64(bits, 52)),
						tidx;
			__m128i		it;

			oct = _mm256_castpd_si256(_mm256_blendv_pd(_mm256_castsi256_pd(oct), _mm256_castsi256_pd(lastoct),
													   _mm256_castsi256_pd(_mm256_cmpgt_epi64(oct, lastoct))));
			oct = _mm256_castpd_si256(_mm256_blendv_pd(_mm256_castsi256_pd(oct), _mm256_castsi256_pd(zero64),
													   _mm256_castsi256_pd(_mm256_cmpgt_epi64(zero64, oct))));
			ft = _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(bits, mant), onebits));
			ft = _mm256_mul_pd(_mm256_sub_pd(ft, one), ncells);
			it = _mm_min_epi32(_mm256_cvttpd_epi32(ft), lastcell);
			ft = _mm256_sub_pd(ft, _mm256_cvtepi32_pd(it));
			tidx = _mm256_castpd_si256(_mm256_blendv_pd(_mm256_castsi256_pd(upper0), _mm256_castsi256_pd(lower0), low));
			tidx = _mm256_add_epi64(_mm256_add_epi64(tidx, _mm256_slli_epi64(oct, LN_TAIL_CELLS_LOG2)),
									_mm256_cvtepi32_epi64(it));
			ci64 = _mm256_castpd_si256(_mm256_blendv_pd(_mm256_castsi256_pd(tidx), _mm256_castsi256_pd(ci64), inbody));
			f = _mm256_blendv_pd(ft, f, inbody);
			bad = 0;
		}
		else
			bad = 0xF ^ _mm256_movemask_pd(inbody);
		_mm256_storeu_si256((__m256i *) idx, ci64);
		/* read the indices back from memory: cheaper than four extracts */
		__asm__ volatile("" : : "r"(idx) : "memory");
		r0 = _mm256_loadu_pd(t->cells[idx[0]]);
		r1 = _mm256_loadu_pd(t->cells[idx[1]]);
		r2 = _mm256_loadu_pd(t->cells[idx[2]]);
		r3 = _mm256_loadu_pd(t->cells[idx[3]]);
		t0 = _mm256_unpacklo_pd(r0, r1);	/* c0 c0 c2 c2 of cells 0, 1 */
		t1 = _mm256_unpackhi_pd(r0, r1);	/* c1 c1 c3 c3 */
		t2 = _mm256_unpacklo_pd(r2, r3);
		t3 = _mm256_unpackhi_pd(r2, r3);
		p = _mm256_mul_pd(f, _mm256_permute2f128_pd(t1, t3, 0x31));
		NO_CONTRACT(p);
		p = _mm256_add_pd(_mm256_permute2f128_pd(t0, t2, 0x31), p);
		p = _mm256_mul_pd(f, p);
		NO_CONTRACT(p);
		p = _mm256_add_pd(_mm256_permute2f128_pd(t1, t3, 0x20), p);
		p = _mm256_mul_pd(f, p);
		NO_CONTRACT(p);
		p = _mm256_add_pd(_mm256_permute2f128_pd(t0, t2, 0x20), p);
		_mm256_storeu_pd(out + k, p);
		if (unlikely(bad))
		{
			int			j;

			for (j = 0; j < 4; j++)
				if (bad & (1 << j))
					out[k + j] = TableSampleOutOfLine(t, hi[k + j], lo[k + j]);
		}
	}
	for (; k < n; k++)
		out[k] = TableSampleOutOfLine(t, hi[k], lo[k]);
}
#endif

/*
 * The same with AVX-512F, eight draws per step (NO_CONTRACT: AVX-512F has
 * fused multiply-add).
 */

__attribute__((target("avx512f")))
static void
MagnitudesAvx512(const QuantileTable *t, const uint32_t *hi, const uint32_t *lo,
				 int n, double *out)
{
	const __m512d vlo = _mm512_set1_pd(t->lo),
				vhi = _mm512_set1_pd(t->hi),
				vinvh = _mm512_set1_pd(t->inv_h),
				half = _mm512_set1_pd(0.5),
				inv53 = _mm512_set1_pd(1.0 / 9007199254740992.0),
				two21 = _mm512_set1_pd(2097152.0);
	const __m256i maxcell = _mm256_set1_epi32(PERT_BODY_CELLS - 1),
				zero = _mm256_setzero_si256();
	const __m512d one = _mm512_set1_pd(1.0),
				ncells = _mm512_set1_pd((double) LN_TAIL_CELLS);
	const __m512i e1016 = _mm512_set1_epi64(1016),
				lastoct = _mm512_set1_epi64(LN_TAIL_OCTAVES - 1),
				zero64 = _mm512_setzero_si512(),
				mant = _mm512_set1_epi64(0x000FFFFFFFFFFFFF),
				onebits = _mm512_set1_epi64(0x3FF0000000000000),
				lower0 = _mm512_set1_epi64(LN_LOWER),
				upper0 = _mm512_set1_epi64(LN_UPPER);
	const __m256i lastcell = _mm256_set1_epi32(LN_TAIL_CELLS - 1);
	const __m512i lo_idx = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13),
				hi_idx = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
	int			k;

	for (k = 0; k + 8 <= n; k += 8)
	{
		__m256i		h = _mm256_loadu_si256((const __m256i *) (hi + k)),
					l = _mm256_loadu_si256((const __m256i *) (lo + k)),
					ci;
		__m512d		x,
					u,
					f,
					r01,
					r23,
					r45,
					r67,
					e0,
					e1,
					o0,
					o1,
					p;
		__m512i		ci64;
		int64_t		idx[8];
		__mmask8	bad,
					inbody;

		x = _mm512_mul_pd(_mm512_cvtepu32_pd(h), two21);
		NO_CONTRACT(x);
		x = _mm512_add_pd(x, _mm512_cvtepu32_pd(_mm256_srli_epi32(l, 11)));
		u = _mm512_mul_pd(_mm512_add_pd(x, half), inv53);
		f = _mm512_mul_pd(_mm512_sub_pd(u, vlo), vinvh);
		ci = _mm256_max_epi32(_mm256_min_epi32(_mm512_cvttpd_epi32(f), maxcell), zero);
		f = _mm512_sub_pd(f, _mm512_cvtepi32_pd(ci));
		ci64 = _mm512_cvtepi32_epi64(ci);
		inbody = _mm512_cmp_pd_mask(u, vlo, _CMP_GE_OQ) & _mm512_cmp_pd_mask(u, vhi, _CMP_LE_OQ);
		if (t->lognormal)
		{
			/* the tail cell of every lane, as TableSample; kept where u is outside the body */
			__mmask8	low = _mm512_cmp_pd_mask(u, vlo, _CMP_LT_OQ);
			__m512i		bits = _mm512_castpd_si512(_mm512_mask_blend_pd(low, _mm512_sub_pd(one, u), u)),
						oct = _mm512_max_epi64(_mm512_min_epi64(_mm512_sub_epi64(e1016, _mm512_srli_epi64(bits, 52)),
															   lastoct), zero64);
			__m512d		ft = _mm512_castsi512_pd(_mm512_or_si512(_mm512_and_si512(bits, mant), onebits));
			__m256i		it;

			ft = _mm512_mul_pd(_mm512_sub_pd(ft, one), ncells);
			it = _mm256_min_epi32(_mm512_cvttpd_epi32(ft), lastcell);
			ft = _mm512_sub_pd(ft, _mm512_cvtepi32_pd(it));
			oct = _mm512_add_epi64(_mm512_add_epi64(_mm512_mask_blend_epi64(low, upper0, lower0),
													_mm512_slli_epi64(oct, LN_TAIL_CELLS_LOG2)),
								   _mm512_cvtepi32_epi64(it));
			ci64 = _mm512_mask_blend_epi64(inbody, oct, ci64);
			f = _mm512_mask_blend_pd(inbody, ft, f);
			bad = 0;
		}
		else
			bad = (__mmask8) ~inbody;
		_mm512_storeu_si512((void *) idx, ci64);
		/* read the indices back from memory: cheaper than eight extracts */
		__asm__ volatile("" : : "r"(idx) : "memory");
		/*
		 * Cells j and j + 4 side by side (c0 c1 c2 c3 | c0 c1 c2 c3); after
		 * the unpacks and the two-source permutes each of C0 .. C3 holds
		 * one coefficient of cells 0 .. 7 in order.
		 */
		r01 = _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(t->cells[idx[0]])),
								 _mm256_loadu_pd(t->cells[idx[4]]), 1);
		r23 = _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(t->cells[idx[1]])),
								 _mm256_loadu_pd(t->cells[idx[5]]), 1);
		r45 = _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(t->cells[idx[2]])),
								 _mm256_loadu_pd(t->cells[idx[6]]), 1);
		r67 = _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(t->cells[idx[3]])),
								 _mm256_loadu_pd(t->cells[idx[7]]), 1);
		e0 = _mm512_unpacklo_pd(r01, r23);	/* c0(0) c0(1) c2(0) c2(1) | c0(4) c0(5) c2(4) c2(5) */
		o0 = _mm512_unpackhi_pd(r01, r23);	/* the same with c1, c3 */
		e1 = _mm512_unpacklo_pd(r45, r67);	/* cells 2, 3 | 6, 7 */
		o1 = _mm512_unpackhi_pd(r45, r67);
		p = _mm512_mul_pd(f, _mm512_permutex2var_pd(o0, hi_idx, o1));
		NO_CONTRACT(p);
		p = _mm512_add_pd(_mm512_permutex2var_pd(e0, hi_idx, e1), p);
		p = _mm512_mul_pd(f, p);
		NO_CONTRACT(p);
		p = _mm512_add_pd(_mm512_permutex2var_pd(o0, lo_idx, o1), p);
		p = _mm512_mul_pd(f, p);
		NO_CONTRACT(p);
		p = _mm512_add_pd(_mm512_permutex2var_pd(e0, lo_idx, e1), p);
		_mm512_storeu_pd(out + k, p);
		if (unlikely(bad))
		{
			int			j;

			for (j = 0; j < 8; j++)
				if (bad & (1 << j))
					out[k + j] = TableSampleOutOfLine(t, hi[k + j], lo[k + j]);
		}
	}
	for (; k < n; k++)
		out[k] = TableSampleOutOfLine(t, hi[k], lo[k]);
}

static inline void
Magnitudes(const QuantileTable *t, const uint32_t *hi, const uint32_t *lo, int n,
		   double *out, int simd)
{
#ifdef SCSM_HAVE_AVX2_PATH
	if (simd >= RNG_SIMD_AVX512)
	{
		MagnitudesAvx512(t, hi, lo, n, out);
		return;
	}
	if (simd >= RNG_SIMD_AVX2)
	{
		MagnitudesAvx2(t, hi, lo, n, out);
		return;
	}
#endif
	(void) simd;
	MagnitudesScalar(t, hi, lo, n, out);
}

/*
 * The list of extra Philox blocks of a step (blocks 1, 2, ... of the years
 * with two events or more), their words and the magnitudes drawn from
 * them; grown as needed, kept across the steps of one call.
 */
typedef struct BlockList
{
	int			cap;
	uint32_t   *c0,
			   *c1,
			   *o0,
			   *o1,
			   *o2,
			   *o3;
	int		   *own;			/* index of the year (among the step's hits) */
	int		   *ok;				/* -1: words 2, 3 hold an event; 0: unused */
	double	   *xa,				/* magnitude from words 0, 1 */
			   *xb;				/* from words 2, 3 */
} BlockList;

static void
BlockListReserve(BlockList *bl, int need)
{
	if (need <= bl->cap)
		return;
	if (bl->cap > 0)
	{
		pfree(bl->c0);
		pfree(bl->c1);
		pfree(bl->o0);
		pfree(bl->o1);
		pfree(bl->o2);
		pfree(bl->o3);
		pfree(bl->own);
		pfree(bl->ok);
		pfree(bl->xa);
		pfree(bl->xb);
	}
	bl->cap = Max(need, 2 * bl->cap);
	bl->c0 = palloc0(sizeof(uint32_t) * bl->cap);
	bl->c1 = palloc0(sizeof(uint32_t) * bl->cap);
	bl->o0 = palloc(sizeof(uint32_t) * bl->cap);
	bl->o1 = palloc(sizeof(uint32_t) * bl->cap);
	bl->o2 = palloc(sizeof(uint32_t) * bl->cap);
	bl->o3 = palloc(sizeof(uint32_t) * bl->cap);
	bl->own = palloc0(sizeof(int) * bl->cap);
	bl->ok = palloc0(sizeof(int) * bl->cap);
	bl->xa = palloc(sizeof(double) * bl->cap);
	bl->xb = palloc(sizeof(double) * bl->cap);
}

/*
 * The common case, a fixed Poisson rate below 12, FIXED_CHUNK years per
 * step, in stages that each run over a flat array without per-event
 * branches:
 *   1. block 0 of every year (u0 gives the count, u1 the first magnitude);
 *   2. counts by the guide table; the years with events ("hits") listed;
 *   3. the first magnitude of every hit;
 *   4. the list of the further blocks the hits need (event e >= 1 takes
 *      uniform e + 1: block (e + 1) / 2, half (e + 1) % 2, so a year with
 *      n events needs blocks 1 .. n / 2), computed in one batch;
 *   5. magnitudes of both halves of every listed block;
 *   6. per listed block, its magnitudes added to its year's sum (the
 *      second half masked to 0 where a year with an even count does not
 *      use it).
 * The additions are those of SimulateYear in the same order (adding the
 * zero changes nothing), so the years are exactly SimulateYear's, SIMD or
 * not.
 */
static void
SimulateFixedRate(const ScenarioModel *m, uint64_t seed, int64 first, int32 n,
				  double *out, bool add, int simd)
{
	uint32_t	key[2] = {(uint32_t) seed, (uint32_t) (seed >> 32)};
	uint32_t	c0[FIXED_CHUNK],
				c1[FIXED_CHUNK],
				a0[FIXED_CHUNK],
				a1[FIXED_CHUNK],
				a2[FIXED_CHUNK],
				a3[FIXED_CHUNK];
	int			hy[FIXED_CHUNK],
				hn[FIXED_CHUNK],
				sum_n[FIXED_CHUNK];
	double		m0[FIXED_CHUNK],
				sum[FIXED_CHUNK];
	bool		constant = (m->mag.kind == LOSSDIST_CONST);
	/* P(N > 0) above one half: no list of the years with events */
	bool		dense = m->ncdf > 0 && m->cdf[0] < 0.5;
	BlockList	bl;
	int			fill = 1;
	int32		i;

	/*
	 * Blocks written per year without a data-dependent loop: enough for
	 * all but about 0.5 % of the years; those take a loop of their own.
	 */
	while (fill < 100 && 2 * fill + 1 < m->ncdf && m->cdf[2 * fill + 1] < 0.995)
		fill++;
	memset(&bl, 0, sizeof(bl));
	memset(c0, 0, sizeof(c0));
	for (i = 0; i < n; i += FIXED_CHUNK)
	{
		int			cnt = Min(FIXED_CHUNK, n - i),
					npad = Min(FIXED_CHUNK, (cnt + 31) & ~31),
					nh = 0,
					nblk = 0,
					p,
					j,
					k,
					y;

		CHECK_FOR_INTERRUPTS();
		/* the sums of the next step: in cache by the time they are added to */
		for (y = FIXED_CHUNK; y < Min(2 * FIXED_CHUNK, n - i); y += 8)
			__builtin_prefetch(out + i + y, 1);
		for (y = 0; y < npad; y++)
			c1[y] = (uint32_t) (first + i) + (uint32_t) y;
		RngBlockList(key, c0, c1, m->scenario, npad, simd, a0, a1, a2, a3);
		if (!add)
			memset(out + i, 0, sizeof(double) * cnt);
		if (constant)
		{
			for (y = 0; y < cnt; y++)
				out[i + y] += (double) FixedRateCount(m, RngWordsToUnit(a0[y], a1[y])) * m->mag.a;
			continue;
		}
		if (dense)
		{
			/* most years have events: every year is a "hit", no gathering */
			Counts(m, a0, a1, cnt, hn, simd);
			for (y = 0; y < cnt; y++)
			{
				hy[y] = y;
				nblk += hn[y] >> 1;
			}
			nh = cnt;
			Magnitudes(m->mag_tab, a2, a3, nh, m0, simd);
			for (k = 0; k < nh; k++)
				sum[k] = ZeroUnless(m0[k], hn[k] > 0);
		}
		else
		{
			Counts(m, a0, a1, cnt, sum_n, simd);
			for (y = 0; y < cnt; y++)
			{
				int			e = sum_n[y];

				hy[nh] = y;
				hn[nh] = e;
				nblk += e >> 1;
				nh += (e > 0);
			}
			for (k = 0; k < nh; k++)
			{
				a0[k] = a2[hy[k]];
				a1[k] = a3[hy[k]];
			}
			Magnitudes(m->mag_tab, a0, a1, nh, m0, simd);
			memcpy(sum, m0, sizeof(double) * nh);
		}
		if (nblk > 0)
		{
			/* room for the blocks, the overrun of fixed writes and padding */
			BlockListReserve(&bl, nblk + Max(fill, 4) + 32);
			p = 0;
			for (k = 0; k < nh; k++)
			{
				int			nb = hn[k] >> 1,
							b;
				uint32_t	it = (uint32_t) (first + i + hy[k]);

				/*
				 * Block b (from 1) of a year with n events holds events 2b - 1
				 * and 2b; the second is there when 2b < n (ok = -1, else 0).
				 */
				if (likely(nb <= 4 && fill <= 4))
				{
					/* a fixed width: no branch on nb */
#ifdef __SSE2__
					_mm_storeu_si128((__m128i *) (bl.c0 + p), _mm_setr_epi32(1, 2, 3, 4));
					_mm_storeu_si128((__m128i *) (bl.c1 + p), _mm_set1_epi32((int) it));
					_mm_storeu_si128((__m128i *) (bl.own + p), _mm_set1_epi32(k));
					_mm_storeu_si128((__m128i *) (bl.ok + p),
									 _mm_cmplt_epi32(_mm_setr_epi32(2, 4, 6, 8), _mm_set1_epi32(hn[k])));
#else
					for (b = 0; b < 4; b++)
					{
						bl.c0[p + b] = (uint32_t) (b + 1);
						bl.c1[p + b] = it;
						bl.own[p + b] = k;
						bl.ok[p + b] = -(2 * (b + 1) < hn[k]);
					}
#endif
				}
				else
				{
					for (b = 0; b < Max(nb, fill); b++)
					{
						bl.c0[p + b] = (uint32_t) (b + 1);
						bl.c1[p + b] = it;
						bl.own[p + b] = k;
						bl.ok[p + b] = -(2 * (b + 1) < hn[k]);
					}
				}
				p += nb;
			}
			for (j = p; j < ((p + 31) & ~31); j++)
				bl.c0[j] = bl.c1[j] = 0;
			RngBlockList(key, bl.c0, bl.c1, m->scenario, p, simd, bl.o0, bl.o1, bl.o2, bl.o3);
			Magnitudes(m->mag_tab, bl.o0, bl.o1, p, bl.xa, simd);
			Magnitudes(m->mag_tab, bl.o2, bl.o3, p, bl.xb, simd);
			/*
			 * A year's blocks are consecutive: its additions stay in order;
			 * adding the zero of an unused half changes nothing.
			 */
			for (j = 0; j < p; j++)
			{
				int			o = bl.own[j];

				sum[o] = (sum[o] + bl.xa[j]) + ZeroUnless(bl.xb[j], bl.ok[j]);
			}
		}
		if (dense)
			for (k = 0; k < cnt; k++)
				out[i + k] += sum[k];
		else
			for (k = 0; k < nh; k++)
				out[i + hy[k]] += sum[k];
	}
	if (bl.cap > 0)
	{
		pfree(bl.c0);
		pfree(bl.c1);
		pfree(bl.o0);
		pfree(bl.o1);
		pfree(bl.o2);
		pfree(bl.o3);
		pfree(bl.own);
		pfree(bl.ok);
		pfree(bl.xa);
		pfree(bl.xb);
	}
}

/*
 * Add (or store) iterations [first, first + n) of a scenario into out[].
 * Fixed rates below 12 go through SimulateFixedRate; other years (PERT
 * rates, PTRS counts) one at a time, the first Philox block of sixteen
 * iterations computed in one batch (rng.h).  Either way the numbers are
 * those of one iteration at a time, whatever the vector instructions used.
 */
static void
SimulateInto(const ScenarioModel *m, uint64_t seed, int64 first, int32 n,
			 double *out, bool add)
{
	uint32_t	key[2] = {(uint32_t) seed, (uint32_t) (seed >> 32)};
	uint32_t	blocks[16][4];
	int32		i;
	bool		avx2 = scsm_mc_simd != SCSM_MC_SIMD_OFF && RngHaveAvx2();

	if (m->freq.kind == LOSSDIST_CONST && m->freq.a < 12.0)
	{
		SimulateFixedRate(m, seed, first, n, out, add,
						  !avx2 ? RNG_SIMD_NONE :
						  scsm_mc_simd == SCSM_MC_SIMD_AUTO && RngHaveAvx512() ?
						  RNG_SIMD_AVX512 : RNG_SIMD_AVX2);
		return;
	}
	for (i = 0; i < n; i += 16)
	{
		int32		j,
					cnt = Min(16, n - i);

		RngBlocks16(key, 0, (uint32_t) (first + i), m->scenario, avx2, blocks);
		if (add)
			for (j = 0; j < cnt; j++)
				out[i + j] += SimulateYear(m, seed, (uint32_t) (first + i + j), blocks[j]);
		else
			for (j = 0; j < cnt; j++)
				out[i + j] = SimulateYear(m, seed, (uint32_t) (first + i + j), blocks[j]);
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

static void
CheckIterations(int64 first, int64 n)
{
	if (n < 1 || n > SCSM_MAX_ITERATIONS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("iterations must be between 1 and %d", SCSM_MAX_ITERATIONS),
				 errdetail("The value given was " INT64_FORMAT ".", n)));
	if (first < 0 || first + n > SCSM_ITERATION_LIMIT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("iteration numbers must lie in [0, 2^32)"),
				 errdetail("The run asked for iterations " INT64_FORMAT " to " INT64_FORMAT ".",
						   first, first + n - 1)));
}

/* ---------- summary ---------- */

/* Type-7 (linear interpolation) quantile of x[0..n-1], as numpy's default
 * and PostgreSQL's percentile_cont, once the ranks it reads (QuantileRanks)
 * hold their sorted values. */
static double
SortedQuantile(const double *x, int64 n, double p)
{
	double		h = (double) (n - 1) * p;
	int64		lo = (int64) floor(h);

	if (lo >= n - 1)
		return x[n - 1];
	return x[lo] + (h - (double) lo) * (x[lo + 1] - x[lo]);
}

/* The ranks SortedQuantile(x, n, p) reads: floor((n - 1) p) and the next. */
static int
QuantileRanks(int64 n, double p, int64 *out)
{
	int64		lo = (int64) floor((double) (n - 1) * p);

	if (lo >= n - 1)
	{
		out[0] = n - 1;
		return 1;
	}
	out[0] = lo;
	out[1] = lo + 1;
	return 2;
}

static int
CompareDouble(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

static int
CompareInt64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/*
 * Put into x[k], for each rank k of ranks[0..nranks-1] (ascending, within
 * [lo, hi]), the value a full ascending sort would put there: a quickselect
 * that partitions three ways around a median of three (annual losses are
 * mostly zeros) and goes on only into the parts that hold a wanted rank.  A
 * summary reads about twenty ranks, so this costs a few passes over the
 * vector, not a sort, and it checks for interrupts at each partition (a
 * qsort of 5e7 iterations took seconds, deaf to cancel).  The larger part
 * is looped on, the smaller recursed into: the depth stays logarithmic.
 * Input made to defeat the median of three (loss_summary takes any vector)
 * would make it quadratic: after budget partitions of a part, the part is
 * sorted instead (qsort, n log n), as introselect does.
 */
static void
SelectRanks(double *x, int64 lo, int64 hi, const int64 *ranks, int nranks, int budget)
{
	while (nranks > 0 && hi > lo)
	{
		int64		lt,
					gt,
					i,
					mid;
		double		a,
					b,
					c,
					pv;
		int			nl,
					ne;

		if (hi - lo < 16)
		{
			for (i = lo + 1; i <= hi; i++)
			{
				double		v = x[i];
				int64		j = i - 1;

				while (j >= lo && x[j] > v)
				{
					x[j + 1] = x[j];
					j--;
				}
				x[j + 1] = v;
			}
			return;
		}
		CHECK_FOR_INTERRUPTS();
		if (budget-- <= 0)
		{
			qsort(x + lo, hi - lo + 1, sizeof(double), CompareDouble);
			return;
		}
		mid = lo + (hi - lo) / 2;
		a = x[lo];
		b = x[mid];
		c = x[hi];
		pv = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		/* x[lo..lt-1] < pv, x[lt..gt] = pv, x[gt+1..hi] > pv */
		lt = lo;
		gt = hi;
		i = lo;
		while (i <= gt)
		{
			double		v = x[i];

			if (v < pv)
			{
				x[i++] = x[lt];
				x[lt++] = v;
			}
			else if (v > pv)
			{
				x[i] = x[gt];
				x[gt--] = v;
			}
			else
				i++;
		}
		/* ranks below lt, in [lt, gt] (placed), above gt */
		for (nl = 0; nl < nranks && ranks[nl] < lt; nl++)
			;
		for (ne = nl; ne < nranks && ranks[ne] <= gt; ne++)
			;
		if (lt - lo < hi - gt)
		{
			SelectRanks(x, lo, lt - 1, ranks, nl, budget);
			lo = gt + 1;
			ranks += ne;
			nranks -= ne;
		}
		else
		{
			SelectRanks(x, gt + 1, hi, ranks + ne, nranks - ne, budget);
			hi = lt - 1;
			nranks = nl;
		}
	}
}

static void
AppendNumber(StringInfo buf, const char *key, double v)
{
	char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("simulated loss is not finite"),
				 errhint("Express losses in a larger unit.")));
	double_to_shortest_decimal_buf(v, num);
	if (key)
		appendStringInfo(buf, "\"%s\": %s", key, num);
	else
		appendStringInfoString(buf, num);
}

/* The percentiles a summary reports (and SelectRanks places). */
static const struct
{
	const char *key;
	double		p;
}			summary_quantiles[] = {
	{"p50", 0.50}, {"p90", 0.90}, {"p95", 0.95}, {"p99", 0.99}
};

/*
 * Summary of per-iteration losses as jsonb: moments with the Monte Carlo
 * standard error, P(S > 0), type-7 percentiles and loss-exceedance points
 * (the loss exceeded with probability p).  losses[] is reordered in
 * place: the ranks read are selected (SelectRanks), the rest is not sorted.
 */
static Datum
SummaryJsonb(double *losses, int64 n, bool has_seed, int64 seed, int64 nscenarios)
{
	static const double lec[] = {0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001};
	StringInfoData buf;
	double		sum = 0.0,
				ss = 0.0,
				mean,
				sd;
	int64		i,
				nonzero = 0;
	int			j;

	for (i = 0; i < n; i++)
	{
		sum += losses[i];
		if (losses[i] > 0.0)
			nonzero++;
	}
	mean = sum / (double) n;
	for (i = 0; i < n; i++)
		ss += (losses[i] - mean) * (losses[i] - mean);
	sd = n > 1 ? sqrt(ss / (double) (n - 1)) : 0.0;
	{
		/* min, max and both ranks of each quantile read below */
		int64		ranks[2 + 2 * (lengthof(summary_quantiles) + lengthof(lec))];
		int			nr = 0,
					nu = 0;

		ranks[nr++] = 0;
		ranks[nr++] = n - 1;
		for (j = 0; j < (int) lengthof(summary_quantiles); j++)
			nr += QuantileRanks(n, summary_quantiles[j].p, ranks + nr);
		for (j = 0; j < (int) lengthof(lec); j++)
			nr += QuantileRanks(n, 1.0 - lec[j], ranks + nr);
		qsort(ranks, nr, sizeof(int64), CompareInt64);
		for (j = 0; j < nr; j++)
			if (nu == 0 || ranks[j] != ranks[nu - 1])
				ranks[nu++] = ranks[j];
		/* about twice the partitions halving would take */
		SelectRanks(losses, 0, n - 1, ranks, nu, 2 * (int) ceil(log2((double) n + 1)) + 16);
	}

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"iterations\": " INT64_FORMAT ", ", n);
	if (has_seed)
		appendStringInfo(&buf, "\"seed\": " INT64_FORMAT ", ", seed);
	if (nscenarios > 0)
		appendStringInfo(&buf, "\"scenarios\": " INT64_FORMAT ", ", nscenarios);
	AppendNumber(&buf, "mean", mean);
	appendStringInfoString(&buf, ", ");
	AppendNumber(&buf, "stddev", sd);
	appendStringInfoString(&buf, ", ");
	AppendNumber(&buf, "std_error", sd / sqrt((double) n));
	appendStringInfoString(&buf, ", ");
	AppendNumber(&buf, "p_nonzero", (double) nonzero / (double) n);
	appendStringInfoString(&buf, ", ");
	AppendNumber(&buf, "min", losses[0]);
	appendStringInfoString(&buf, ", ");
	for (j = 0; j < (int) lengthof(summary_quantiles); j++)
	{
		AppendNumber(&buf, summary_quantiles[j].key, SortedQuantile(losses, n, summary_quantiles[j].p));
		appendStringInfoString(&buf, ", ");
	}
	AppendNumber(&buf, "max", losses[n - 1]);
	appendStringInfoString(&buf, ", \"lec\": [");
	for (j = 0; j < (int) lengthof(lec); j++)
	{
		appendStringInfo(&buf, "%s{", j ? ", " : "");
		AppendNumber(&buf, "exceedance", lec[j]);
		appendStringInfoString(&buf, ", ");
		AppendNumber(&buf, "loss", SortedQuantile(losses, n, 1.0 - lec[j]));
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoString(&buf, "]}");
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
}

/* 54000 unless n sums fit one returned array */
static void
CheckArrayIterations(int64 n)
{
	if (n > SCSM_MAX_ARRAY_ITERATIONS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("at most %d per-iteration losses are returned at once", SCSM_MAX_ARRAY_ITERATIONS),
				 errdetail("The run has " INT64_FORMAT " iterations.", n),
				 errhint("Ask for the iterations in parts (the first iteration is an argument of "
						 "simulate_annual_losses), or for their summary (simulate_loss, portfolio_loss).")));
}

/* An empty float8[] of n elements (CheckArrayIterations first), to be filled in place. */
static ArrayType *
NewDoubleArray(int64 n)
{
	ArrayType  *arr;
	int			dims[1];
	int			lbs[1] = {1};

	dims[0] = (int) n;
	arr = (ArrayType *) palloc(ARR_OVERHEAD_NONULLS(1) + n * sizeof(double));
	SET_VARSIZE(arr, ARR_OVERHEAD_NONULLS(1) + n * sizeof(double));
	arr->ndim = 1;
	arr->dataoffset = 0;
	arr->elemtype = FLOAT8OID;
	memcpy(ARR_DIMS(arr), dims, sizeof(dims));
	memcpy(ARR_LBOUND(arr), lbs, sizeof(lbs));
	return arr;
}

/* ---------- SQL-callable ---------- */

/*
 * The raw Philox4x32-10 block, for known-answer tests and for anyone who
 * wants to reproduce our streams outside the database.
 */
Datum
scsm_philox4x32(PG_FUNCTION_ARGS)
{
	ArrayType  *ca = PG_GETARG_ARRAYTYPE_P(0),
			   *ka = PG_GETARG_ARRAYTYPE_P(1);
	Datum	   *ce,
			   *ke,
				out[4];
	bool	   *cn,
			   *kn;
	int			nc,
				nk,
				i;
	uint32_t	ctr[4],
				key[2],
				res[4];

	deconstruct_array(ca, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &ce, &cn, &nc);
	deconstruct_array(ka, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &ke, &kn, &nk);
	if (nc != 4 || nk != 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("philox4x32 takes a counter of 4 words and a key of 2 words")));
	for (i = 0; i < 6; i++)
	{
		bool		isnull = i < 4 ? cn[i] : kn[i - 4];
		int64		v = DatumGetInt64(i < 4 ? ce[i] : ke[i - 4]);

		if (isnull || v < 0 || v > (int64) 0xFFFFFFFF)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("philox4x32 words must be integers in [0, 4294967295]")));
		if (i < 4)
			ctr[i] = (uint32_t) v;
		else
			key[i - 4] = (uint32_t) v;
	}
	Philox4x32(ctr, key, res);
	for (i = 0; i < 4; i++)
		out[i] = Int64GetDatum((int64) res[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, 4, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * simulate_annual_losses(seed, scenario, first_iteration, iterations,
 *						  freq_dist, freq_params, mag_dist, mag_params)
 * The annual loss of each iteration in [first, first + iterations).
 */
Datum
scsm_simulate_annual_losses(PG_FUNCTION_ARGS)
{
	int64		seed = PG_GETARG_INT64(0);
	int64		first = PG_GETARG_INT64(2);
	int32		n = PG_GETARG_INT32(3);
	ScenarioModel m;
	ArrayType  *arr;

	CheckIterations(first, n);
	CheckArrayIterations(n);
	ModelInit(&m, PG_GETARG_INT64(1), PG_GETARG_TEXT_PP(4), PG_GETARG_ARRAYTYPE_P(5),
			  PG_GETARG_TEXT_PP(6), PG_GETARG_ARRAYTYPE_P(7));
	/* the sums go straight into the array returned: one copy of them */
	arr = NewDoubleArray(n);
	SimulateInto(&m, (uint64_t) seed, first, n, (double *) ARR_DATA_PTR(arr), false);
	PG_RETURN_ARRAYTYPE_P(arr);
}

/* simulate_loss(seed, scenario, iterations, ...): the summary of one scenario. */
Datum
scsm_simulate_loss(PG_FUNCTION_ARGS)
{
	int64		seed = PG_GETARG_INT64(0);
	int32		n = PG_GETARG_INT32(2);
	ScenarioModel m;
	double	   *v;

	CheckIterations(0, n);
	ModelInit(&m, PG_GETARG_INT64(1), PG_GETARG_TEXT_PP(3), PG_GETARG_ARRAYTYPE_P(4),
			  PG_GETARG_TEXT_PP(5), PG_GETARG_ARRAYTYPE_P(6));
	v = palloc(sizeof(double) * n);
	SimulateInto(&m, (uint64_t) seed, 0, n, v, false);
	PG_RETURN_DATUM(SummaryJsonb(v, n, true, seed, 1));
}

/* loss_summary(float8[]): the same summary over any vector of annual losses. */
Datum
scsm_loss_summary(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	int			n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	double	   *v;
	int			i;

	if (ARR_HASNULL(a) && array_contains_nulls(a))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("losses must not contain nulls")));
	if (n == 0)
		PG_RETURN_NULL();
	v = palloc(sizeof(double) * n);
	memcpy(v, ARR_DATA_PTR(a), sizeof(double) * n);
	for (i = 0; i < n; i++)
		if (isnan(v[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("losses must not contain NaN")));
	PG_RETURN_DATUM(SummaryJsonb(v, n, false, 0, 0));
}

/* ---------- portfolio aggregate ---------- */

typedef struct PortfolioState
{
	int64		seed;
	int32		iterations;
	int64		nscenarios;
	double	   *sums;			/* per-iteration sum over the scenarios */
} PortfolioState;

static PortfolioState *
PortfolioNew(MemoryContext cxt, int64 seed, int32 iterations)
{
	PortfolioState *st = MemoryContextAlloc(cxt, sizeof(PortfolioState));

	st->seed = seed;
	st->iterations = iterations;
	st->nscenarios = 0;
	st->sums = MemoryContextAllocZero(cxt, sizeof(double) * iterations);
	return st;
}

static void
PortfolioCheckSame(PortfolioState *st, int64 seed, int32 iterations)
{
	if (st->seed != seed || st->iterations != iterations)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all scenarios of one portfolio must use the same seed and iterations"),
				 errdetail("The portfolio started with seed " INT64_FORMAT " and %d iterations; "
						   "a row has seed " INT64_FORMAT " and %d.",
						   st->seed, st->iterations, seed, iterations)));
}

/*
 * Transition: simulate the row's scenario for every iteration and add it
 * into the per-iteration sums.
 */
Datum
scsm_portfolio_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	PortfolioState *st = PG_ARGISNULL(0) ? NULL : (PortfolioState *) PG_GETARG_POINTER(0);
	ScenarioModel m;
	int64		seed;
	int32		n;
	int			i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "portfolio transition called in non-aggregate context");
	for (i = 1; i <= 7; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("portfolio arguments must not be null"),
					 errdetail("Argument %d is null.", i)));
	seed = PG_GETARG_INT64(1);
	n = PG_GETARG_INT32(2);
	CheckIterations(0, n);
	if (st == NULL)
		st = PortfolioNew(aggcxt, seed, n);
	else
		PortfolioCheckSame(st, seed, n);
	ModelInit(&m, PG_GETARG_INT64(3), PG_GETARG_TEXT_PP(4), PG_GETARG_ARRAYTYPE_P(5),
			  PG_GETARG_TEXT_PP(6), PG_GETARG_ARRAYTYPE_P(7));
	SimulateInto(&m, (uint64_t) seed, 0, n, st->sums, true);
	st->nscenarios++;
	PG_RETURN_POINTER(st);
}

/* Combine two partial portfolios: per-iteration sums add up. */
Datum
scsm_portfolio_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	PortfolioState *a = PG_ARGISNULL(0) ? NULL : (PortfolioState *) PG_GETARG_POINTER(0);
	PortfolioState *b = PG_ARGISNULL(1) ? NULL : (PortfolioState *) PG_GETARG_POINTER(1);
	int32		i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "portfolio combine called in non-aggregate context");
	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
	{
		a = PortfolioNew(aggcxt, b->seed, b->iterations);
		memcpy(a->sums, b->sums, sizeof(double) * b->iterations);
		a->nscenarios = b->nscenarios;
		PG_RETURN_POINTER(a);
	}
	PortfolioCheckSame(a, b->seed, b->iterations);
	for (i = 0; i < a->iterations; i++)
		a->sums[i] += b->sums[i];
	a->nscenarios += b->nscenarios;
	PG_RETURN_POINTER(a);
}

Datum
scsm_portfolio_serialize(PG_FUNCTION_ARGS)
{
	PortfolioState *st = (PortfolioState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int32		i;

	pq_begintypsend(&buf);
	pq_sendint64(&buf, st->seed);
	pq_sendint32(&buf, st->iterations);
	pq_sendint64(&buf, st->nscenarios);
	for (i = 0; i < st->iterations; i++)
		pq_sendfloat8(&buf, st->sums[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
scsm_portfolio_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	PortfolioState *st;
	int64		seed;
	int32		n,
				i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "portfolio deserialize called in non-aggregate context");
	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	seed = pq_getmsgint64(&buf);
	n = pq_getmsgint(&buf, 4);
	st = PortfolioNew(aggcxt, seed, n);
	st->nscenarios = pq_getmsgint64(&buf);
	for (i = 0; i < n; i++)
		st->sums[i] = pq_getmsgfloat8(&buf);
	pq_getmsgend(&buf);
	pfree(buf.data);
	PG_RETURN_POINTER(st);
}

/* Final: the summary of the per-iteration sums. */
Datum
scsm_portfolio_final_summary(PG_FUNCTION_ARGS)
{
	PortfolioState *st = PG_ARGISNULL(0) ? NULL : (PortfolioState *) PG_GETARG_POINTER(0);
	double	   *v;

	if (st == NULL)
		PG_RETURN_NULL();
	/* sort a copy: a final function must not change the state */
	v = palloc(sizeof(double) * st->iterations);
	memcpy(v, st->sums, sizeof(double) * st->iterations);
	PG_RETURN_DATUM(SummaryJsonb(v, st->iterations, true, st->seed, st->nscenarios));
}

/* Final: the per-iteration sums themselves, in iteration order. */
Datum
scsm_portfolio_final_losses(PG_FUNCTION_ARGS)
{
	PortfolioState *st = PG_ARGISNULL(0) ? NULL : (PortfolioState *) PG_GETARG_POINTER(0);
	ArrayType  *arr;

	if (st == NULL)
		PG_RETURN_NULL();
	CheckArrayIterations(st->iterations);
	arr = NewDoubleArray(st->iterations);
	memcpy(ARR_DATA_PTR(arr), st->sums, sizeof(double) * st->iterations);
	PG_RETURN_ARRAYTYPE_P(arr);
}
