/*-------------------------------------------------------------------------
 *
 * ledger_merkle.c
 *	  RFC 9162 Merkle tree hashes, inclusion paths and the block hash of
 *	  the scsm ledger.
 *
 * Leaves are the 32-byte row hashes of a block in leaf order; a leaf hash
 * is SHA-256(0x00 || row_hash), an interior node SHA-256(0x01 || l || r),
 * and a tree of n leaves splits at the largest power of two below n
 * (RFC 9162, 2.1.1).  The block hash chains blocks (docs/ledger.md).
 *
 * src/ledger_merkle.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "ledger.h"

PG_FUNCTION_INFO_V1(scsm_merkle_root);
PG_FUNCTION_INFO_V1(scsm_merkle_path);
PG_FUNCTION_INFO_V1(scsm_block_hash);

static void
HashNode(const uint8 *l, const uint8 *r, uint8 *out)
{
	uint8		buf[1 + 2 * LEDGER_HASH_LEN];

	buf[0] = 0x01;
	memcpy(buf + 1, l, LEDGER_HASH_LEN);
	memcpy(buf + 1 + LEDGER_HASH_LEN, r, LEDGER_HASH_LEN);
	LedgerSha256(buf, sizeof(buf), out);
}

/* Largest power of two strictly smaller than n (n >= 2). */
static int64
SplitPoint(int64 n)
{
	int64		k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

/* MTH(D[lo:hi]) over precomputed leaf hashes. */
static void
TreeHash(uint8 (*leaves)[LEDGER_HASH_LEN], int64 lo, int64 hi, uint8 *out)
{
	uint8		l[LEDGER_HASH_LEN],
				r[LEDGER_HASH_LEN];
	int64		k;

	check_stack_depth();
	if (hi - lo == 1)
	{
		memcpy(out, leaves[lo], LEDGER_HASH_LEN);
		return;
	}
	k = SplitPoint(hi - lo);
	TreeHash(leaves, lo, lo + k, l);
	TreeHash(leaves, lo + k, hi, r);
	HashNode(l, r, out);
}

/* PATH(m, D[lo:hi]) appended to path (RFC 9162, 2.1.3.1). */
static void
TreePath(uint8 (*leaves)[LEDGER_HASH_LEN], int64 m, int64 lo, int64 hi,
		 uint8 (*path)[LEDGER_HASH_LEN], int *npath)
{
	int64		n = hi - lo;
	int64		k;

	if (n <= 1)
		return;
	k = SplitPoint(n);
	if (m < k)
	{
		TreePath(leaves, m, lo, lo + k, path, npath);
		TreeHash(leaves, lo + k, hi, path[(*npath)++]);
	}
	else
	{
		TreePath(leaves, m - k, lo + k, hi, path, npath);
		TreeHash(leaves, lo, lo + k, path[(*npath)++]);
	}
}

/* Leaf hashes of a bytea[] of 32-byte row hashes; errors on bad input. */
static uint8 (*LeafHashes(ArrayType *arr, int *n))[LEDGER_HASH_LEN]
{
	Datum	   *elems;
	bool	   *nulls;
	uint8		(*leaves)[LEDGER_HASH_LEN];
	uint8		buf[1 + LEDGER_HASH_LEN];

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leaf hashes must be a one-dimensional array")));
	deconstruct_array(arr, BYTEAOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, n);
	if (*n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a Merkle tree needs at least one leaf")));
	leaves = palloc(sizeof(*leaves) * (*n));
	buf[0] = 0x00;
	for (int i = 0; i < *n; i++)
	{
		bytea	   *b;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("leaf %d is null", i)));
		b = DatumGetByteaPP(elems[i]);
		if (VARSIZE_ANY_EXHDR(b) != LEDGER_HASH_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("leaf %d is not a 32-byte hash", i)));
		memcpy(buf + 1, VARDATA_ANY(b), LEDGER_HASH_LEN);
		LedgerSha256(buf, sizeof(buf), leaves[i]);
	}
	return leaves;
}

/* A 32-byte hash as a bytea. */
bytea *
LedgerHashBytea(const uint8 *h)
{
	bytea	   *b = palloc(VARHDRSZ + LEDGER_HASH_LEN);

	SET_VARSIZE(b, VARHDRSZ + LEDGER_HASH_LEN);
	memcpy(VARDATA(b), h, LEDGER_HASH_LEN);
	return b;
}

/* scsm.merkle_root(bytea[]): the RFC 9162 tree head over the row hashes. */
Datum
scsm_merkle_root(PG_FUNCTION_ARGS)
{
	int			n;
	uint8		(*leaves)[LEDGER_HASH_LEN] = LeafHashes(PG_GETARG_ARRAYTYPE_P(0), &n);
	uint8		root[LEDGER_HASH_LEN];

	TreeHash(leaves, 0, n, root);
	PG_RETURN_BYTEA_P(LedgerHashBytea(root));
}

/* scsm.merkle_path(bytea[], int): the audit path of leaf m (0-based). */
Datum
scsm_merkle_path(PG_FUNCTION_ARGS)
{
	int			n;
	uint8		(*leaves)[LEDGER_HASH_LEN] = LeafHashes(PG_GETARG_ARRAYTYPE_P(0), &n);
	int32		m = PG_GETARG_INT32(1);
	uint8		(*path)[LEDGER_HASH_LEN];
	int			npath = 0;
	Datum	   *elems;

	if (m < 0 || m >= n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leaf index %d is out of range", m),
				 errdetail("The tree has %d leaves.", n)));
	path = palloc(sizeof(*path) * 64);
	TreePath(leaves, m, 0, n, path, &npath);
	elems = palloc(sizeof(Datum) * Max(npath, 1));
	for (int i = 0; i < npath; i++)
		elems[i] = PointerGetDatum(LedgerHashBytea(path[i]));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, npath, BYTEAOID, -1, false,
										  TYPALIGN_INT));
}

/*
 * scsm.block_hash(block, prev, root, leaves, sealed_at):
 * SHA-256("SCSMBLK1" || be64 block || prev || root || be64 leaves ||
 * be64 sealed_at as microseconds since the Unix epoch).
 */
Datum
scsm_block_hash(PG_FUNCTION_ARGS)
{
	int64		block = PG_GETARG_INT64(0);
	bytea	   *prev = PG_GETARG_BYTEA_PP(1);
	bytea	   *root = PG_GETARG_BYTEA_PP(2);
	int64		leaves = PG_GETARG_INT64(3);
	TimestampTz at = PG_GETARG_TIMESTAMPTZ(4);
	uint8		buf[8 + 8 + 2 * LEDGER_HASH_LEN + 8 + 8];
	uint8		out[LEDGER_HASH_LEN];
	uint64		v;

	if (VARSIZE_ANY_EXHDR(prev) != LEDGER_HASH_LEN ||
		VARSIZE_ANY_EXHDR(root) != LEDGER_HASH_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("previous hash and root must be 32-byte hashes")));
	memcpy(buf, LEDGER_BLOCK_MAGIC, 8);
	v = pg_hton64((uint64) block);
	memcpy(buf + 8, &v, 8);
	memcpy(buf + 16, VARDATA_ANY(prev), LEDGER_HASH_LEN);
	memcpy(buf + 48, VARDATA_ANY(root), LEDGER_HASH_LEN);
	v = pg_hton64((uint64) leaves);
	memcpy(buf + 80, &v, 8);
	v = pg_hton64((uint64) (at + LEDGER_UNIX_EPOCH_USECS));
	memcpy(buf + 88, &v, 8);
	LedgerSha256(buf, sizeof(buf), out);
	PG_RETURN_BYTEA_P(LedgerHashBytea(out));
}

/*
 * The same tree head computed leaf by leaf, in O(log n) memory, for a pass
 * that reads the row hashes of a block in leaf order (verify_ledger's block
 * pass streams scsm.ledger_row instead of holding every hash).  The stack
 * holds the perfect subtrees of the leaves so far, largest first: merging
 * equal neighbours on push and folding right to left at the end gives the
 * RFC 9162 split (largest power of two below n on the left).
 */
void
LedgerMerkleStreamInit(LedgerMerkleStream *s)
{
	s->depth = 0;
	s->n = 0;
}

void
LedgerMerkleStreamPush(LedgerMerkleStream *s, const uint8 *rowhash)
{
	uint8		buf[1 + LEDGER_HASH_LEN];
	int			d = s->depth;

	buf[0] = 0x00;
	memcpy(buf + 1, rowhash, LEDGER_HASH_LEN);
	LedgerSha256(buf, sizeof(buf), s->node[d]);
	s->size[d] = 1;
	d++;
	while (d >= 2 && s->size[d - 1] == s->size[d - 2])
	{
		HashNode(s->node[d - 2], s->node[d - 1], s->node[d - 2]);
		s->size[d - 2] *= 2;
		d--;
	}
	s->depth = d;
	s->n++;
}

/* The root of the leaves pushed so far (at least one). */
void
LedgerMerkleStreamFinish(const LedgerMerkleStream *s, uint8 *out)
{
	uint8		r[LEDGER_HASH_LEN];

	Assert(s->depth > 0);
	memcpy(r, s->node[s->depth - 1], LEDGER_HASH_LEN);
	for (int i = s->depth - 2; i >= 0; i--)
		HashNode(s->node[i], r, r);
	memcpy(out, r, LEDGER_HASH_LEN);
}
