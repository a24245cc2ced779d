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
bool		scsm_mc_simd = true;

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

	DefineCustomBoolVariable("scsm.mc_simd",
							 "Lets the Monte Carlo engine use AVX2 and AVX-512 where the CPU has them.",
							 "Off forces the portable path; both give the same numbers "
							 "(a test compares them).",
							 &scsm_mc_simd,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	RetentionInit();

	MarkGUCPrefixReserved("scsm");

	/* the ledger's background sealing needs the library preloaded */
	if (process_shared_preload_libraries_in_progress)
		LedgerWorkerRegister();
}
