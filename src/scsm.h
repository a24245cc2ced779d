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
extern bool scsm_mc_simd;

#endif							/* SCSM_H */
