/*-------------------------------------------------------------------------
 *
 * scsm.c
 *	  Module entry point of the scsm extension: module magic and the
 *	  scsm.* configuration parameters.
 *
 * Every run-time setting of the extension lives under the reserved
 * "scsm." prefix, so a typo in postgresql.conf is reported instead of
 * silently creating a placeholder.
 *
 * src/scsm.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "scsm.h"
#include "ledger.h"
#include "retention.h"

PG_MODULE_MAGIC;

/* Longest time, in milliseconds, between a commit and the seal covering it */
int			scsm_seal_interval_ms = 10000;

/* Monte Carlo: use AVX2 / AVX-512 where the CPU has them */
int			scsm_mc_simd = SCSM_MC_SIMD_AUTO;

/* on / true / yes / 1 mean auto, off / false / no / 0 the portable code */
static const struct config_enum_entry mc_simd_options[] = {
	{"auto", SCSM_MC_SIMD_AUTO, false},
	{"avx2", SCSM_MC_SIMD_AVX2, false},
	{"off", SCSM_MC_SIMD_OFF, false},
	{"on", SCSM_MC_SIMD_AUTO, true},
	{"true", SCSM_MC_SIMD_AUTO, true},
	{"yes", SCSM_MC_SIMD_AUTO, true},
	{"1", SCSM_MC_SIMD_AUTO, true},
	{"false", SCSM_MC_SIMD_OFF, true},
	{"no", SCSM_MC_SIMD_OFF, true},
	{"0", SCSM_MC_SIMD_OFF, true},
	{NULL, 0, false}
};

void		_PG_init(void);

/*
 * Define the scsm.* parameters.  Called once per backend when the library
 * is loaded, either through shared_preload_libraries or on first use.
 */
void
_PG_init(void)
{
	DefineCustomIntVariable("scsm.seal_interval",
							"Longest time between a commit and the seal that covers it.",
							"The tamper window: rows committed to protected tables are "
							"sealed into a block at most this long after commit.",
							&scsm_seal_interval_ms,
							10000,
							100,
							3600 * 1000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomEnumVariable("scsm.mc_simd",
							 "Which vector instructions the Monte Carlo engine may use.",
							 "auto: AVX-512 or AVX2 where the CPU has them; avx2: AVX2 at most "
							 "(the path of CPUs without AVX-512); off: the portable code. All give "
							 "the same numbers (a test compares them).",
							 &scsm_mc_simd,
							 SCSM_MC_SIMD_AUTO,
							 mc_simd_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	RetentionInit();

	MarkGUCPrefixReserved("scsm");

	/* the ledger's background sealing needs the library preloaded */
	if (process_shared_preload_libraries_in_progress)
		LedgerWorkerRegister();
}
