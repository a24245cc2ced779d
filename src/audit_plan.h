/*-------------------------------------------------------------------------
 *
 * audit_plan.h
 *	  The audit-programme planner: SQL-callable entry points.
 *
 * src/audit_plan.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCSM_AUDIT_PLAN_H
#define SCSM_AUDIT_PLAN_H

#include "postgres.h"
#include "fmgr.h"

extern Datum scsm_plan_audit_programme(PG_FUNCTION_ARGS);
extern Datum scsm_audit_programme_diagnostics(PG_FUNCTION_ARGS);

#endif							/* SCSM_AUDIT_PLAN_H */
