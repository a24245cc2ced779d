/*-------------------------------------------------------------------------
 *
 * scsm.h
 *	  Declarations shared by the C files of the scsm extension.
 *
 * src/scsm.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCSM_H
#define SCSM_H

#include "postgres.h"

/* GUC variables, defined in scsm.c */
extern int	scsm_seal_interval_ms;
extern int	scsm_mc_simd;

/* scsm.mc_simd: which vector instructions the Monte Carlo engine may use */
typedef enum ScsmMcSimd
{
	SCSM_MC_SIMD_OFF,			/* the portable code */
	SCSM_MC_SIMD_AVX2,			/* AVX2 at most (as on a CPU without AVX-512) */
	SCSM_MC_SIMD_AUTO			/* the widest the CPU has */
} ScsmMcSimd;

#endif							/* SCSM_H */
