/*-------------------------------------------------------------------------
 *
 * retention.h
 *	  Declarations of the retention part of scsm (ISO 28000 4.5.4): the
 *	  retain_until stamp computed in the ledger's write path, the test
 *	  clock, and the flags that let disposal and approved exceptions
 *	  through the guards.
 *
 * The SQL side (classes, assignments, holds, reviews, exceptions,
 * dispose_expired) lives in sql/install/72_retention.sql; docs/retention.md
 * is the user documentation.
 *
 * src/retention.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCSM_RETENTION_H
#define SCSM_RETENTION_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "datatype/timestamp.h"
#include "utils/relcache.h"

/* What the write path stores with a ledger entry (scsm.ledger_row columns). */
typedef struct RetentionStamp
{
	bool		has_class;		/* retention_class */
	int32		class_id;
	bool		has_basis;		/* retention_basis */
	TimestampTz basis;
	bool		has_until;		/* retain_until */
	TimestampTz retain_until;
} RetentionStamp;

/* scsm.restore_mode (superuser): pg_restore is loading rows and their entries */
extern bool scsm_restore_mode;

/* Define the scsm.retention_* parameters; called from _PG_init. */
extern void RetentionInit(void);

/*
 * The retention stamp of a row version being written to a protected table
 * (called by the ledger row trigger).  prev: for a new version of a
 * versioned row, the stamp of its latest ledger entry (the trigger reads it
 * with the version number), which must not be shortened; NULL for an insert.
 */
extern void RetentionStampRow(Relation rel, HeapTuple tuple,
							  const RetentionStamp *prev,
							  RetentionStamp *stamp);

/* The attribute number of a column by name (not dropped), 0 when none. */
extern AttrNumber RetentionColumn(TupleDesc desc, const char *name);

/* "Now" for retention: scsm.retention_clock when a superuser set it. */
extern TimestampTz RetentionNow(void);

/*
 * Legal holds tested on rows in C (retention_hold.c), for disposal's queue
 * path: the same test as scsm.retention_candidates makes in SQL.
 */
typedef struct RetHolds RetHolds;

extern RetHolds *RetHoldsLoad(Oid relid, const char *nspname, const char *relname,
							  TupleDesc desc, bool *whole);
extern int	RetHoldsPin(void);
extern void RetHoldsUnpin(int nest);
extern bool RetHoldsMatch(RetHolds *h, TupleDesc desc, HeapTuple tuple);
extern uint64 RetHoldsCacheRun(uint64 run);

#endif							/* SCSM_RETENTION_H */
