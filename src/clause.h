/*-------------------------------------------------------------------------
 *
 * clause.h
 *	  The scsm.clause reference type: a clause of a management-system
 *	  standard ("4.3.1"), optionally narrowed to an enumerated item
 *	  ("4.3.1.a", "4.3.1#2.c") and a numeric sub-item ("4.5.3.b.2").
 *
 * src/clause.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCSM_CLAUSE_H
#define SCSM_CLAUSE_H

#include "postgres.h"

#define CLAUSE_MAX_NUMBERS	6	/* levels of the numeric part */
#define CLAUSE_MAX_NUMBER	999 /* largest number in the numeric part */
#define CLAUSE_MAX_LIST		9	/* largest list selector (#1 .. #9) */
#define CLAUSE_MAX_SUBITEM	99	/* largest sub-item number */
#define CLAUSE_MAX_INPUT	64	/* longest accepted text form */

/*
 * Fixed-length, 16 bytes, no padding, unused slots always zero: equality
 * is memcmp and hashing is hash_any over the whole struct.
 */
typedef struct Clause
{
	uint16		num[CLAUSE_MAX_NUMBERS];	/* numeric part, 0 .. 999 */
	uint8		nnum;			/* numbers used, 1 .. 6 */
	uint8		list;			/* list selector 1 .. 9, 0 = no item */
	uint8		item;			/* item letter 1 (a) .. 26 (z), 0 = none */
	uint8		subitem;		/* sub-item 1 .. 99, 0 = none */
} Clause;

StaticAssertDecl(sizeof(Clause) == 16, "Clause must be 16 bytes without padding");

#define DatumGetClauseP(X)	((Clause *) DatumGetPointer(X))
#define ClausePGetDatum(X)	PointerGetDatum(X)
#define PG_GETARG_CLAUSE_P(n) DatumGetClauseP(PG_GETARG_DATUM(n))
#define PG_RETURN_CLAUSE_P(x) return ClausePGetDatum(x)

extern int	clause_cmp_internal(const Clause *a, const Clause *b);

#endif							/* SCSM_CLAUSE_H */
