/*-------------------------------------------------------------------------
 *
 * clause.c
 *	  The scsm.clause reference type: parsing, printing, binary I/O,
 *	  natural ordering, hashing, containment and tree navigation.
 *
 * A clause reference names a clause of the standard ("4.3.1") and may
 * narrow it to an item of one of its enumerated lists ("4.3.1.a",
 * "4.3.1#2.c") and to a numeric sub-item of that item ("4.5.3.b.2").
 * The grammar is documented in docs/clause-type.md.  Values are stored
 * in a fixed 16-byte struct so that comparison never needs parsing.
 *
 * src/clause.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/hash.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "parser/scansup.h"
#include "utils/builtins.h"
#include "utils/sortsupport.h"

#include "clause.h"

PG_FUNCTION_INFO_V1(scsm_clause_in);
PG_FUNCTION_INFO_V1(scsm_clause_out);
PG_FUNCTION_INFO_V1(scsm_clause_recv);
PG_FUNCTION_INFO_V1(scsm_clause_send);
PG_FUNCTION_INFO_V1(scsm_clause_cmp);
PG_FUNCTION_INFO_V1(scsm_clause_sortsupport);
PG_FUNCTION_INFO_V1(scsm_clause_lt);
PG_FUNCTION_INFO_V1(scsm_clause_le);
PG_FUNCTION_INFO_V1(scsm_clause_eq);
PG_FUNCTION_INFO_V1(scsm_clause_ne);
PG_FUNCTION_INFO_V1(scsm_clause_ge);
PG_FUNCTION_INFO_V1(scsm_clause_gt);
PG_FUNCTION_INFO_V1(scsm_clause_larger);
PG_FUNCTION_INFO_V1(scsm_clause_smaller);
PG_FUNCTION_INFO_V1(scsm_clause_hash);
PG_FUNCTION_INFO_V1(scsm_clause_hash_extended);
PG_FUNCTION_INFO_V1(scsm_clause_contains);
PG_FUNCTION_INFO_V1(scsm_clause_contained);
PG_FUNCTION_INFO_V1(scsm_clause_parent);
PG_FUNCTION_INFO_V1(scsm_clause_depth);
PG_FUNCTION_INFO_V1(scsm_clause_is_item);
PG_FUNCTION_INFO_V1(scsm_clause_heading);

/*
 * Report a text input error.  Kept in one place so every rejection carries
 * the same SQLSTATE and message and only the detail varies.
 */
#define CLAUSE_SYNTAX_ERROR(input, ...) \
	ereport(ERROR, \
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION), \
			 errmsg("invalid input syntax for type %s: \"%s\"", "clause", (input)), \
			 errdetail(__VA_ARGS__)))

/*
 * Parse an unsigned decimal of at most three digits without a leading
 * zero, from s[0..len).  "what" names the component in error details.
 */
static int
ClauseParseNumber(const char *input, const char *s, int len, int position,
				  int maxval, const char *what)
{
	int			value = 0;
	int			i;

	for (i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
		{
			if (s[i] >= 'A' && s[i] <= 'Z')
				CLAUSE_SYNTAX_ERROR(input, "Upper-case letters are not allowed; items are written a to z.");
			CLAUSE_SYNTAX_ERROR(input, "Component %d mixes digits with other characters.", position);
		}
	}
	if (len > 1 && s[0] == '0')
		CLAUSE_SYNTAX_ERROR(input, "Component %d has a leading zero.", position);
	if (len > 3)
		CLAUSE_SYNTAX_ERROR(input, "Component %d: %s is larger than %d.", position, what, maxval);
	for (i = 0; i < len; i++)
		value = value * 10 + (s[i] - '0');
	if (value > maxval)
		CLAUSE_SYNTAX_ERROR(input, "Component %d: %s is larger than %d.", position, what, maxval);
	return value;
}

/*
 * Parse the text form into *result, or raise 22P02 with a detail saying
 * what is wrong.  Leading and trailing white space is ignored; anything
 * else outside the grammar is rejected.
 */
static void
ClauseParse(const char *input, Clause *result)
{
	const char *start = input;
	const char *end;
	const char *p;
	int			position = 0;
	enum
	{
		EXPECT_NUMBER,			/* in the numeric part */
		EXPECT_ITEM,			/* a list selector was given: item required */
		EXPECT_SUBITEM,			/* an item was given: only a sub-item may follow */
		EXPECT_END				/* a sub-item was given: nothing may follow */
	}			state = EXPECT_NUMBER;

	memset(result, 0, sizeof(Clause));

	if (strlen(input) > CLAUSE_MAX_INPUT)
		CLAUSE_SYNTAX_ERROR(input, "The input is longer than %d characters.", CLAUSE_MAX_INPUT);

	while (*start && scanner_isspace(*start))
		start++;
	end = start + strlen(start);
	while (end > start && scanner_isspace(end[-1]))
		end--;
	if (start == end)
		CLAUSE_SYNTAX_ERROR(input, "The input is empty.");

	for (p = start; p < end; p++)
	{
		char		c = *p;

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			  (c >= 'A' && c <= 'Z') || c == '.' || c == '#'))
			CLAUSE_SYNTAX_ERROR(input, "Unexpected character at position %d.",
								(int) (p - start) + 1);
	}
	if (end[-1] == '.')
		CLAUSE_SYNTAX_ERROR(input, "The input ends with a dot.");
	if (!(start[0] >= '0' && start[0] <= '9') && start[0] != '.')
		CLAUSE_SYNTAX_ERROR(input, "A clause reference must begin with a number.");

	p = start;
	while (p < end)
	{
		const char *comp = p;
		const char *dot = memchr(p, '.', end - p);
		const char *cend = dot ? dot : end;
		int			clen = (int) (cend - comp);

		position++;
		if (clen == 0)
			CLAUSE_SYNTAX_ERROR(input, "Component %d is empty.", position);

		if (comp[0] >= '0' && comp[0] <= '9')
		{
			const char *hash = memchr(comp, '#', clen);
			int			nlen = hash ? (int) (hash - comp) : clen;

			if (state == EXPECT_ITEM)
				CLAUSE_SYNTAX_ERROR(input, "A list selector must be followed by an item letter.");
			if (state == EXPECT_END)
				CLAUSE_SYNTAX_ERROR(input, "Nothing may follow a sub-item.");
			if (state == EXPECT_SUBITEM)
			{
				int			v;

				if (hash)
					CLAUSE_SYNTAX_ERROR(input, "A list selector must directly follow the numeric part.");
				v = ClauseParseNumber(input, comp, nlen, position,
									  CLAUSE_MAX_SUBITEM, "the sub-item");
				if (v == 0)
					CLAUSE_SYNTAX_ERROR(input, "Sub-items are numbered from 1.");
				result->subitem = (uint8) v;
				state = EXPECT_END;
			}
			else
			{
				if (result->nnum >= CLAUSE_MAX_NUMBERS)
					CLAUSE_SYNTAX_ERROR(input, "A clause reference has at most %d numbers.",
										CLAUSE_MAX_NUMBERS);
				result->num[result->nnum++] =
					(uint16) ClauseParseNumber(input, comp, nlen, position,
											   CLAUSE_MAX_NUMBER, "the number");
				if (hash)
				{
					const char *sel = hash + 1;
					int			slen = (int) (cend - sel);

					if (slen != 1 || sel[0] < '1' || sel[0] > '0' + CLAUSE_MAX_LIST)
						CLAUSE_SYNTAX_ERROR(input, "A list selector is # followed by one digit from 1 to %d.",
											CLAUSE_MAX_LIST);
					result->list = (uint8) (sel[0] - '0');
					state = EXPECT_ITEM;
				}
			}
		}
		else if (comp[0] == '#')
			CLAUSE_SYNTAX_ERROR(input, "A list selector must directly follow a number.");
		else
		{
			/* a letter */
			if (state == EXPECT_SUBITEM || state == EXPECT_END)
				CLAUSE_SYNTAX_ERROR(input, "Only a numeric sub-item may follow an item.");
			if (clen != 1)
				CLAUSE_SYNTAX_ERROR(input, "An item is a single letter from a to z.");
			if (comp[0] >= 'A' && comp[0] <= 'Z')
				CLAUSE_SYNTAX_ERROR(input, "Upper-case letters are not allowed; items are written a to z.");
			result->item = (uint8) (comp[0] - 'a' + 1);
			if (result->list == 0)
				result->list = 1;
			state = EXPECT_SUBITEM;
		}
		p = dot ? dot + 1 : end;
	}

	if (state == EXPECT_ITEM)
		CLAUSE_SYNTAX_ERROR(input, "A list selector must be followed by an item letter.");
}

/*
 * Check the invariants of a value that did not come from ClauseParse
 * (binary input), so that a crafted value can never reach comparison or
 * output in a state the text form could not produce.
 */
static void
ClauseValidate(const Clause *c)
{
	const char *problem = NULL;
	int			i;

	if (c->nnum < 1 || c->nnum > CLAUSE_MAX_NUMBERS)
		problem = "The count of numbers is out of range.";
	else
	{
		for (i = 0; i < CLAUSE_MAX_NUMBERS; i++)
		{
			if (i < c->nnum && c->num[i] > CLAUSE_MAX_NUMBER)
				problem = "A number is larger than 999.";
			else if (i >= c->nnum && c->num[i] != 0)
				problem = "An unused number is not zero.";
		}
	}
	if (problem == NULL)
	{
		if (c->item > 26)
			problem = "The item is not a letter from a to z.";
		else if (c->list > CLAUSE_MAX_LIST)
			problem = "The list selector is out of range.";
		else if ((c->item == 0) != (c->list == 0))
			problem = "A list selector is given without an item, or an item without a list.";
		else if (c->subitem > CLAUSE_MAX_SUBITEM)
			problem = "The sub-item is larger than 99.";
		else if (c->subitem != 0 && c->item == 0)
			problem = "A sub-item is given without an item.";
	}
	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type clause"),
				 errdetail_internal("%s", problem)));
}

/* Text input: the only way text becomes a clause. */
Datum
scsm_clause_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	Clause	   *result = palloc0(sizeof(Clause));

	ClauseParse(str, result);
	PG_RETURN_CLAUSE_P(result);
}

/* Text output in canonical form: "#1" is never printed. */
Datum
scsm_clause_out(PG_FUNCTION_ARGS)
{
	Clause	   *c = PG_GETARG_CLAUSE_P(0);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < c->nnum; i++)
		appendStringInfo(&buf, i ? ".%u" : "%u", (unsigned) c->num[i]);
	if (c->item)
	{
		if (c->list > 1)
			appendStringInfo(&buf, "#%u", (unsigned) c->list);
		appendStringInfo(&buf, ".%c", 'a' + c->item - 1);
		if (c->subitem)
			appendStringInfo(&buf, ".%u", (unsigned) c->subitem);
	}
	PG_RETURN_CSTRING(buf.data);
}

/*
 * Binary input: count byte, that many uint16 numbers, then list, item and
 * sub-item bytes.  Validated, since the bytes come from the client.
 */
Datum
scsm_clause_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	Clause	   *result = palloc0(sizeof(Clause));
	int			n;
	int			i;

	if (buf->len - buf->cursor < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type clause"),
				 errdetail("The value is empty.")));
	n = pq_getmsgbyte(buf);
	if (n < 1 || n > CLAUSE_MAX_NUMBERS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type clause"),
				 errdetail("The count of numbers is out of range.")));
	if (buf->len - buf->cursor != n * 2 + 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type clause"),
				 errdetail("The value has the wrong length.")));
	result->nnum = (uint8) n;
	for (i = 0; i < n; i++)
		result->num[i] = (uint16) pq_getmsgint(buf, 2);
	result->list = (uint8) pq_getmsgbyte(buf);
	result->item = (uint8) pq_getmsgbyte(buf);
	result->subitem = (uint8) pq_getmsgbyte(buf);
	ClauseValidate(result);
	PG_RETURN_CLAUSE_P(result);
}

/* Binary output, the inverse of scsm_clause_recv. */
Datum
scsm_clause_send(PG_FUNCTION_ARGS)
{
	Clause	   *c = PG_GETARG_CLAUSE_P(0);
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, c->nnum);
	for (i = 0; i < c->nnum; i++)
		pq_sendint16(&buf, c->num[i]);
	pq_sendbyte(&buf, c->list);
	pq_sendbyte(&buf, c->item);
	pq_sendbyte(&buf, c->subitem);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * Natural order: numbers numerically, a clause before its descendants,
 * then list selector, item and sub-item (a value without an item has all
 * three zero, so it sorts first).
 */
int
clause_cmp_internal(const Clause *a, const Clause *b)
{
	int			n = Min(a->nnum, b->nnum);
	int			i;

	for (i = 0; i < n; i++)
	{
		if (a->num[i] != b->num[i])
			return a->num[i] < b->num[i] ? -1 : 1;
	}
	if (a->nnum != b->nnum)
		return a->nnum < b->nnum ? -1 : 1;
	if (a->list != b->list)
		return a->list < b->list ? -1 : 1;
	if (a->item != b->item)
		return a->item < b->item ? -1 : 1;
	if (a->subitem != b->subitem)
		return a->subitem < b->subitem ? -1 : 1;
	return 0;
}

/* btree support function 1 */
Datum
scsm_clause_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(clause_cmp_internal(PG_GETARG_CLAUSE_P(0),
										PG_GETARG_CLAUSE_P(1)));
}

/* Sort comparator: skips the fmgr call overhead of scsm_clause_cmp. */
static int
ClauseFastCmp(Datum x, Datum y, SortSupport ssup)
{
	(void) ssup;
	return clause_cmp_internal(DatumGetClauseP(x), DatumGetClauseP(y));
}

/* btree support function 2: sort support, for cheaper sorts and indexes */
Datum
scsm_clause_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

	ssup->comparator = ClauseFastCmp;
	PG_RETURN_VOID();
}

#define CLAUSE_CMP_OP(name, test) \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	int			r = clause_cmp_internal(PG_GETARG_CLAUSE_P(0), PG_GETARG_CLAUSE_P(1)); \
	PG_RETURN_BOOL(test); \
}

/* The six comparison operators, all derived from clause_cmp_internal. */
CLAUSE_CMP_OP(scsm_clause_lt, r < 0)
CLAUSE_CMP_OP(scsm_clause_le, r <= 0)
CLAUSE_CMP_OP(scsm_clause_eq, r == 0)
CLAUSE_CMP_OP(scsm_clause_ne, r != 0)
CLAUSE_CMP_OP(scsm_clause_ge, r >= 0)
CLAUSE_CMP_OP(scsm_clause_gt, r > 0)

/* Transition function of max(clause). */
Datum
scsm_clause_larger(PG_FUNCTION_ARGS)
{
	Datum		a = PG_GETARG_DATUM(0);
	Datum		b = PG_GETARG_DATUM(1);

	return clause_cmp_internal(DatumGetClauseP(a), DatumGetClauseP(b)) >= 0 ? a : b;
}

/* Transition function of min(clause). */
Datum
scsm_clause_smaller(PG_FUNCTION_ARGS)
{
	Datum		a = PG_GETARG_DATUM(0);
	Datum		b = PG_GETARG_DATUM(1);

	return clause_cmp_internal(DatumGetClauseP(a), DatumGetClauseP(b)) <= 0 ? a : b;
}

/*
 * Hash over the whole struct.  Consistent with equality because every
 * value is canonical: unused slots are zero and the struct has no padding.
 */
Datum
scsm_clause_hash(PG_FUNCTION_ARGS)
{
	Clause	   *c = PG_GETARG_CLAUSE_P(0);

	return hash_any((const unsigned char *) c, sizeof(Clause));
}

/* Extended (64-bit, seeded) hash, for hash partitioning and hash joins. */
Datum
scsm_clause_hash_extended(PG_FUNCTION_ARGS)
{
	Clause	   *c = PG_GETARG_CLAUSE_P(0);

	return hash_any_extended((const unsigned char *) c, sizeof(Clause),
							 PG_GETARG_INT64(1));
}

/*
 * Does a contain b (a is an ancestor of b, or equal)?  A clause contains
 * its sub-clauses and items; an item contains its sub-items.
 */
static bool
ClauseContains(const Clause *a, const Clause *b)
{
	int			i;

	if (a->nnum > b->nnum)
		return false;
	for (i = 0; i < a->nnum; i++)
	{
		if (a->num[i] != b->num[i])
			return false;
	}
	if (a->item == 0)
		return true;
	if (a->nnum != b->nnum || a->list != b->list || a->item != b->item)
		return false;
	return a->subitem == 0 || a->subitem == b->subitem;
}

/* Operator @> */
Datum
scsm_clause_contains(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(ClauseContains(PG_GETARG_CLAUSE_P(0), PG_GETARG_CLAUSE_P(1)));
}

/* Operator <@, the commutator of @> */
Datum
scsm_clause_contained(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(ClauseContains(PG_GETARG_CLAUSE_P(1), PG_GETARG_CLAUSE_P(0)));
}

/*
 * The enclosing clause or item: drop the sub-item, else the item, else the
 * last number; NULL for a one-number clause, the root of a tree.
 */
Datum
scsm_clause_parent(PG_FUNCTION_ARGS)
{
	Clause	   *c = PG_GETARG_CLAUSE_P(0);
	Clause	   *result;

	if (c->item == 0 && c->nnum <= 1)
		PG_RETURN_NULL();
	result = palloc(sizeof(Clause));
	memcpy(result, c, sizeof(Clause));
	if (result->subitem)
		result->subitem = 0;
	else if (result->item)
	{
		result->item = 0;
		result->list = 0;
	}
	else
		result->num[--result->nnum] = 0;
	PG_RETURN_CLAUSE_P(result);
}

/* Number of components, item and sub-item included. */
Datum
scsm_clause_depth(PG_FUNCTION_ARGS)
{
	Clause	   *c = PG_GETARG_CLAUSE_P(0);

	PG_RETURN_INT32(c->nnum + (c->item ? 1 : 0) + (c->subitem ? 1 : 0));
}

/* True for an enumerated item or sub-item, false for a heading. */
Datum
scsm_clause_is_item(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_CLAUSE_P(0)->item != 0);
}

/* The numeric part alone: the heading an item belongs to. */
Datum
scsm_clause_heading(PG_FUNCTION_ARGS)
{
	Clause	   *c = PG_GETARG_CLAUSE_P(0);
	Clause	   *result = palloc(sizeof(Clause));

	memcpy(result, c, sizeof(Clause));
	result->list = 0;
	result->item = 0;
	result->subitem = 0;
	PG_RETURN_CLAUSE_P(result);
}
