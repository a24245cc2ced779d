/*-------------------------------------------------------------------------
 *
 * ledger_verify.c
 *	  The passes of scsm.verify_ledger in C: the Merkle root of every sealed
 *	  block, and every current row of a protected table against the latest
 *	  ledger entry of its key; one scan of the entries and one of each table.
 *
 * One scan of scsm.ledger_row feeds both passes.  The block pass puts the
 * entries of each block, met together as the sealer wrote them, in leaf
 * order and streams them into its Merkle root (blocks met in pieces are read
 * again and sorted).
 * The per-table pass loads the entries of the verified tables into a hash
 * table keyed by (table, canonical row key) (latest version wins, entry_id
 * breaks ties, as the SQL pass did); each table is then scanned once, each
 * row keyed and hashed exactly as the write path does (ledger_hash.c) and
 * looked up.  Rows without an entry are "unaccounted", rows whose hash
 * differs are "modified", entries left unseen are "missing" unless a
 * disposal certificate accounts for them.  Keys with more than one entry
 * are returned as kind "dup" so that the SQL side can name the replaced
 * entries (append-only tables).  Large tables are hashed by parallel
 * workers too (see scsm_verify_worker).

 * The direct scans skip the executor, so this path is used only when the
 * caller could read every row with a plain SELECT: it checks the SELECT
 * privilege itself and is not used when row-level security applies to the
 * caller (scsm.ledger_verify_direct_ok), where the SQL pass remains.
 *
 * src/ledger_verify.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/parallel.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "optimizer/cost.h"
#include "optimizer/paths.h"
#include "storage/bufmgr.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "storage/shm_toc.h"

#include <sys/mman.h>
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"

#include "ledger.h"

PG_FUNCTION_INFO_V1(scsm_ledger_verify_direct_ok);

/*
 * The entries of the verified tables, latest per (table, key), in a store
 * built for this pass: records packed one after the other in large chunks
 * (no allocation per entry, nothing zeroed), and an open-addressing index
 * of 8-byte slots (a tag of the key's 64-bit hash and a record reference),
 * sized up front from the ledger's row count.  A lookup touches one slot
 * and, when the tag matches, one record; the key bytes sit in the record.
 */
typedef struct VRec
{
	uint64		fp;				/* 64-bit hash of (table_id, key) */
	int64		entry_id;
	int32		version;
	int32		table_id;
	int32		count;			/* entries of this key */
	uint32		keylen;
	bool		seen;			/* a current row (or certificate) has this key */
	bool		dead;			/* merged into the first record of its key */
	uint8		hash[LEDGER_HASH_LEN];
	char		key[FLEXIBLE_ARRAY_MEMBER]; /* canonical row key, NUL-ended */
} VRec;

typedef struct VSlot
{
	uint32		tag;			/* high half of fp */
	uint32		ref;			/* record reference + 1; 0: empty */
} VSlot;

#define VCHUNK_SHIFT	24		/* 16 MB chunks */
#define VCHUNK_SIZE		((Size) 1 << VCHUNK_SHIFT)
#define VREF_OFFBITS	(VCHUNK_SHIFT - 3)	/* offsets in 8-byte units */
#define VMAX_CHUNKS		((uint32) 1 << (32 - VREF_OFFBITS))

typedef struct VStore
{
	MemoryContext cxt;			/* where it all lives (callers may be in SPI) */
	char	  **chunks;
	Size	   *chunkused;		/* bytes used in each chunk */
	int			nchunks;
	int			maxchunks;
	Size		used;			/* bytes used in the last chunk */
	Size		lastsize;		/* size of the last chunk */
	VSlot	   *slots;
	void	   *slotsbase;		/* allocation holding slots */
	uint64		mask;			/* slots - 1 */
	uint64		nrecs;
} VStore;

#if defined(__GNUC__) || defined(__clang__)
#define VPrefetch(p) __builtin_prefetch(p)
#else
#define VPrefetch(p) ((void) 0)
#endif

/*
 * A large zeroed array, 2 MB aligned and offered to the kernel for huge
 * pages where it takes the hint: the index is read at random, and with 4 kB
 * pages nearly every probe also misses the TLB.  *base is what to pfree.
 */
static void *
AllocIndex(MemoryContext cxt, Size size, void **base)
{
	Size		align = (Size) 2 * 1024 * 1024;
	char	   *p = MemoryContextAllocExtended(cxt, size + align, MCXT_ALLOC_HUGE);
	char	   *a = (char *) TYPEALIGN(align, p);

#ifdef MADV_HUGEPAGE
	if (size >= align)
		(void) madvise(a, size - size % align, MADV_HUGEPAGE);
#endif
	memset(a, 0, size);
	*base = p;
	return a;
}

static inline uint64
KeyFp(int32 table_id, const char *key, Size len)
{
	return hash_bytes_extended((const unsigned char *) key, (int) len,
							   (uint64) (uint32) table_id);
}

static inline VRec *
VRecOf(VStore *st, uint32 ref)
{
	ref--;
	return (VRec *) (st->chunks[ref >> VREF_OFFBITS] +
					 ((Size) (ref & ((1U << VREF_OFFBITS) - 1)) << 3));
}

static void
VStoreInit(VStore *st, double expected)
{
	uint64		nslots = 1024;

	st->cxt = CurrentMemoryContext;
	while (nslots < expected * 2 && nslots < ((uint64) 1 << 31))
		nslots <<= 1;
	st->maxchunks = 16;
	st->chunks = palloc(sizeof(char *) * st->maxchunks);
	st->chunkused = palloc(sizeof(Size) * st->maxchunks);
	st->nchunks = 0;
	st->used = st->lastsize = 0;
	st->slots = AllocIndex(st->cxt, sizeof(VSlot) * nslots, &st->slotsbase);
	st->mask = nslots - 1;
	st->nrecs = 0;
}

/* Double the index when it is half full (the estimate was low). */
static void
VStoreGrow(VStore *st)
{
	uint64		nslots = (st->mask + 1) * 2;
	VSlot	   *old = st->slots;
	void	   *oldbase = st->slotsbase;
	uint64		oldn = st->mask + 1;

	if (nslots > ((uint64) 1 << 32))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many ledger entries to verify in one pass")));
	st->slots = AllocIndex(st->cxt, sizeof(VSlot) * nslots, &st->slotsbase);
	st->mask = nslots - 1;
	for (uint64 i = 0; i < oldn; i++)
	{
		uint64		j;

		if (old[i].ref == 0)
			continue;
		j = VRecOf(st, old[i].ref)->fp & st->mask;
		while (st->slots[j].ref != 0)
			j = (j + 1) & st->mask;
		st->slots[j] = old[i];
	}
	pfree(oldbase);
}

/* Reference + 1 of the record at (chunk, off). */
static inline uint32
VRefAt(int chunk, Size off)
{
	return (uint32) ((((Size) chunk) << VREF_OFFBITS) | (off >> 3)) + 1;
}

/* Space for a record of keylen key bytes; returns its reference + 1. */
static uint32
VStoreAlloc(VStore *st, Size keylen, VRec **rec)
{
	Size		sz = MAXALIGN(offsetof(VRec, key) + keylen + 1);

	if (st->nchunks == 0 || st->used + sz > st->lastsize)
	{
		if (st->nchunks >= (int) VMAX_CHUNKS - 1)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many ledger entries to verify in one pass")));
		if (st->nchunks == st->maxchunks)
		{
			st->maxchunks *= 2;
			st->chunks = repalloc(st->chunks, sizeof(char *) * st->maxchunks);
			st->chunkused = repalloc(st->chunkused, sizeof(Size) * st->maxchunks);
		}
		/* a key longer than a chunk gets a chunk of its own */
		st->lastsize = Max(VCHUNK_SIZE, sz);
		st->chunks[st->nchunks++] = MemoryContextAllocExtended(st->cxt, st->lastsize, MCXT_ALLOC_HUGE);
		st->used = 0;
	}
	*rec = (VRec *) (st->chunks[st->nchunks - 1] + st->used);
	st->used += sz;
	st->chunkused[st->nchunks - 1] = st->used;
	return VRefAt(st->nchunks - 1, st->used - sz);
}

/* The record of (table, key), or NULL; *slot: where it is or would go. */
static inline VRec *
VStoreFind(VStore *st, uint64 fp, int32 table_id, const char *key,
		   Size keylen, uint64 *slot)
{
	uint64		j = fp & st->mask;
	uint32		tag = (uint32) (fp >> 32);

	for (;;)
	{
		VSlot		s = st->slots[j];

		if (s.ref == 0)
			break;
		if (s.tag == tag)
		{
			VRec	   *r = VRecOf(st, s.ref);

			if (r->fp == fp && r->table_id == table_id && r->keylen == keylen &&
				memcmp(r->key, key, keylen) == 0)
			{
				*slot = j;
				return r;
			}
		}
		j = (j + 1) & st->mask;
	}
	*slot = j;
	return NULL;
}

/* Every record, in load order: call with *chunk = *off = 0 to start. */
static VRec *
VStoreNext(VStore *st, int *chunk, Size *off)
{
	VRec	   *r;

	while (*chunk < st->nchunks && *off >= st->chunkused[*chunk])
	{
		(*chunk)++;
		*off = 0;
	}
	if (*chunk >= st->nchunks)
		return NULL;
	r = (VRec *) (st->chunks[*chunk] + *off);
	*off += MAXALIGN(offsetof(VRec, key) + r->keylen + 1);
	return r;
}

/*
 * A record for an entry, not yet in the index (VStoreIndex puts it there).
 * Loading appends first and indexes after, so that the index probes can be
 * prefetched ahead: they are the cost of the load.
 */
static VRec *
VStoreAppend(VStore *st, int32 table_id, const char *key, Size keylen,
			 int32 version, int64 entry_id, const char *hash, Size hashlen)
{
	VRec	   *r;

	(void) VStoreAlloc(st, keylen, &r);
	r->fp = KeyFp(table_id, key, keylen);
	r->table_id = table_id;
	r->keylen = (uint32) keylen;
	memcpy(r->key, key, keylen);
	r->key[keylen] = '\0';
	r->count = 1;
	r->seen = false;
	r->dead = false;
	r->version = version;
	r->entry_id = entry_id;
	memset(r->hash, 0, LEDGER_HASH_LEN);
	memcpy(r->hash, hash, Min(hashlen, LEDGER_HASH_LEN));
	return r;
}

/*
 * Index one appended record: the first record of a key goes into the index;
 * a later one is counted there, replaces it if it is the latest (highest
 * version, then highest entry_id, as the SQL pass did) and is marked dead.
 */
static void
VStoreIndexRec(VStore *st, VRec *r, uint32 ref)
{
	uint64		slot;
	VRec	   *first = VStoreFind(st, r->fp, r->table_id, r->key, r->keylen, &slot);

	if (first == NULL)
	{
		if ((st->nrecs + 1) * 2 > st->mask + 1)
		{
			VStoreGrow(st);
			(void) VStoreFind(st, r->fp, r->table_id, r->key, r->keylen, &slot);
		}
		st->slots[slot].tag = (uint32) (r->fp >> 32);
		st->slots[slot].ref = ref;
		st->nrecs++;
		return;
	}
	first->count++;
	r->dead = true;
	if (r->version > first->version ||
		(r->version == first->version && r->entry_id > first->entry_id))
	{
		first->version = r->version;
		first->entry_id = r->entry_id;
		memcpy(first->hash, r->hash, LEDGER_HASH_LEN);
	}
}

/*
 * Index every record appended so far, in load order, prefetching the index
 * slot of the record VPREFETCH_AHEAD places further on.
 */
#define VPREFETCH_AHEAD 16

static void
VStoreIndexAll(VStore *st)
{
	int			c = 0,
				pc = 0;
	Size		off = 0,
				poff = 0;
	VRec	   *r,
			   *p;

	for (int i = 0; i < VPREFETCH_AHEAD; i++)
		if ((p = VStoreNext(st, &pc, &poff)) != NULL)
			VPrefetch(&st->slots[p->fp & st->mask]);
	for (;;)
	{
		int			rc;
		Size		roff;

		/* where r is, before VStoreNext moves past it */
		while (c < st->nchunks && off >= st->chunkused[c])
		{
			c++;
			off = 0;
		}
		rc = c;
		roff = off;
		if ((r = VStoreNext(st, &c, &off)) == NULL)
			break;
		if ((p = VStoreNext(st, &pc, &poff)) != NULL)
			VPrefetch(&st->slots[p->fp & st->mask]);
		VStoreIndexRec(st, r, VRefAt(rc, roff));
	}
}

/* One discrepancy found, kept until the pass is over and sorted by key. */
typedef struct Finding
{
	int			table;			/* position in the argument arrays */
	char	   *key;
	const char *kind;
	char	   *detail;
} Finding;

typedef struct Findings
{
	Finding    *items;
	int			n;
	int			cap;
} Findings;

static void
AddFinding(Findings *f, int table, char *key, const char *kind, char *detail)
{
	if (f->n == f->cap)
	{
		f->cap = f->cap ? f->cap * 2 : 64;
		f->items = f->items ? repalloc(f->items, sizeof(Finding) * f->cap)
			: palloc(sizeof(Finding) * f->cap);
	}
	f->items[f->n].table = table;
	f->items[f->n].key = key;
	f->items[f->n].kind = kind;
	f->items[f->n].detail = detail;
	f->n++;
}

static int
FindingCmp(const void *a, const void *b)
{
	const Finding *x = a;
	const Finding *y = b;
	int			c;

	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return strcmp(x->kind, y->kind);
}

/* Raise the error a SELECT on the relation would raise for this user. */
static void
CheckSelect(Oid relid)
{
	AclResult	acl = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);

	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, OBJECT_TABLE, get_rel_name(relid));
}

/*
 * Can the direct pass read this table as a SELECT would?  Heap table, and
 * no row-level security for the current user (with RLS the SQL pass runs,
 * so that the caller sees exactly the rows its policies show).
 */
Datum
scsm_ledger_verify_direct_ok(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel = try_relation_open(relid, AccessShareLock);
	bool		ok;

	if (rel == NULL)
		PG_RETURN_BOOL(false);
	ok = rel->rd_rel->relkind == RELKIND_RELATION &&
		rel->rd_rel->relam == HEAP_TABLE_AM_OID &&
		check_enable_rls(relid, InvalidOid, true) == RLS_NONE;
	relation_close(rel, AccessShareLock);
	PG_RETURN_BOOL(ok);
}

/* Position of a table_id in the sorted list of verified tables, or -1. */
static int
TablePos(const int32 *sorted_ids, const int *pos_of, int n, int32 id)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (sorted_ids[mid] == id)
			return pos_of[mid];
		if (sorted_ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

typedef struct IdPos
{
	int32		id;
	int			pos;
} IdPos;

static int
IdPosCmp(const void *a, const void *b)
{
	const IdPos *x = a;
	const IdPos *y = b;

	return x->id < y->id ? -1 : x->id > y->id ? 1 : 0;
}

/* A sealed entry as the block pass needs it. */
typedef struct LeafRec
{
	int64		block_id;
	int64		entry_id;
	int32		leaf_index;
	bool		leafnull;		/* sorts last, as NULL does in SQL */
	uint8		hash[LEDGER_HASH_LEN];
} LeafRec;

static int
LeafRecCmp(const void *a, const void *b)
{
	const LeafRec *x = a;
	const LeafRec *y = b;

	if (x->block_id != y->block_id)
		return x->block_id < y->block_id ? -1 : 1;
	if (x->leafnull != y->leafnull)
		return x->leafnull ? 1 : -1;
	if (x->leaf_index != y->leaf_index)
		return x->leaf_index < y->leaf_index ? -1 : 1;
	if (x->entry_id != y->entry_id)
		return x->entry_id < y->entry_id ? -1 : 1;
	return 0;
}

/* What the block pass returns for one block. */
typedef struct BlockOut
{
	int64		block_id;
	int64		n;
	int64		nd;				/* distinct leaf numbers */
	int32		lo;
	int32		hi;				/* last leaf number seen */
	bool		lonull;			/* no entry has a leaf number */
	bool		in_order;		/* leaf order is entry order */
	uint8		root[LEDGER_HASH_LEN];
} BlockOut;

/* One block being read, its entries fed in leaf order. */
typedef struct BlockAcc
{
	bool		open;
	LeafRec		prev;			/* last entry fed */
	BlockOut	out;
	LedgerMerkleStream ms;
} BlockAcc;

typedef struct BlockOuts
{
	BlockOut   *items;
	Size		n;
	Size		cap;
} BlockOuts;

static void
BlockOutAdd(BlockOuts *o, const BlockOut *b)
{
	if (o->n == o->cap)
	{
		o->cap = o->cap ? o->cap * 2 : 64;
		o->items = o->items ? repalloc_huge(o->items, sizeof(BlockOut) * o->cap)
			: palloc_extended(sizeof(BlockOut) * o->cap, MCXT_ALLOC_HUGE);
	}
	o->items[o->n++] = *b;
}

static void
BlockAccClose(BlockAcc *acc, BlockOuts *outs)
{
	if (!acc->open)
		return;
	LedgerMerkleStreamFinish(&acc->ms, acc->out.root);
	BlockOutAdd(outs, &acc->out);
	acc->open = false;
}

/*
 * Feed one entry, in (block, leaf number with NULL last, entry_id) order;
 * a new block closes the one before.  lo, hi and nd count leaf numbers
 * only, as min/max/count(DISTINCT) do; the root covers every entry.
 */
static void
BlockAccFeed(BlockAcc *acc, const LeafRec *r, BlockOuts *outs)
{
	if (acc->open && acc->out.block_id != r->block_id)
		BlockAccClose(acc, outs);
	if (!acc->open)
	{
		acc->open = true;
		acc->out.block_id = r->block_id;
		acc->out.n = 0;
		acc->out.nd = r->leafnull ? 0 : 1;
		acc->out.lo = acc->out.hi = r->leafnull ? 0 : r->leaf_index;
		acc->out.lonull = r->leafnull;
		acc->out.in_order = true;
		LedgerMerkleStreamInit(&acc->ms);
	}
	else
	{
		if (!r->leafnull)
		{
			if (r->leaf_index != acc->prev.leaf_index)
				acc->out.nd++;
			acc->out.hi = r->leaf_index;
		}
		if (r->entry_id < acc->prev.entry_id)
			acc->out.in_order = false;
	}
	acc->out.n++;
	LedgerMerkleStreamPush(&acc->ms, r->hash);
	acc->prev = *r;
}

static int
Int64Cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

static int
BlockOutCmp(const void *a, const void *b)
{
	return Int64Cmp(&((const BlockOut *) a)->block_id,
					&((const BlockOut *) b)->block_id);
}

static bool
InSorted(const int64 *v, Size n, int64 x)
{
	return n > 0 && bsearch(&x, v, n, sizeof(int64), Int64Cmp) != NULL;
}

/* Column numbers of scsm.ledger_row the block pass reads. */
typedef struct LeafCols
{
	AttrNumber	entry,
				block,
				leaf,
				hash;
} LeafCols;

/* The entry of a deformed ledger_row tuple, if sealed in a block >= from. */
static bool
ReadLeaf(const Datum *values, const bool *isnull, const LeafCols *c, int64 from,
		 LeafRec *r)
{
	struct varlena *h;

	if (isnull[c->block - 1] || DatumGetInt64(values[c->block - 1]) < from)
		return false;
	r->block_id = DatumGetInt64(values[c->block - 1]);
	r->entry_id = isnull[c->entry - 1] ? 0 : DatumGetInt64(values[c->entry - 1]);
	r->leafnull = isnull[c->leaf - 1];
	r->leaf_index = r->leafnull ? 0 : DatumGetInt32(values[c->leaf - 1]);
	memset(r->hash, 0, LEDGER_HASH_LEN);
	if (!isnull[c->hash - 1])
	{
		h = PG_DETOAST_DATUM_PACKED(values[c->hash - 1]);
		memcpy(r->hash, VARDATA_ANY(h), Min(VARSIZE_ANY_EXHDR(h), LEDGER_HASH_LEN));
		if ((Pointer) h != DatumGetPointer(values[c->hash - 1]))
			pfree(h);
	}
	return true;
}

/*
 * The block pass (see scsm_ledger_verify_scan), fed the tuples of the scan
 * of scsm.ledger_row that also loads the entries.  The sealer writes the
 * entries of a block together (in key order), so the scan meets each block
 * as one run: the run is put in leaf order (each entry straight to its
 * place when the leaf numbers are 0..n-1, sorted otherwise) and streamed
 * into the block's Merkle root.  An entry of a block whose run has ended (an
 * entry sealed by UPDATE that moved, or a tampered one) marks the block; the
 * marked blocks alone are read again at the end, sorted in memory and
 * computed from scratch, replacing what the runs gave for them.
 */
typedef struct BlockPass
{
	int64		from;
	LeafCols	cols;
	BlockAcc	acc;
	BlockOuts	outs;
	int64	   *dirty;			/* blocks met again after their run */
	Size		ndirty,
				dirtycap;
	bool		any_done;
	int64		max_done;		/* highest block whose run has ended */
	LeafRec    *run;			/* entries of the current run (one block) */
	Size		nrun,
				runcap;
	LeafRec    *tmp;			/* the run placed in leaf order */
	uint8	   *placed;
	Size		tmpcap;
} BlockPass;

static void
BlockPassInit(BlockPass *bp, Relation rel, int64 from)
{
	Oid			relid = RelationGetRelid(rel);

	memset(bp, 0, sizeof(BlockPass));
	bp->from = from;
	bp->cols.entry = get_attnum(relid, "entry_id");
	bp->cols.block = get_attnum(relid, "block_id");
	bp->cols.leaf = get_attnum(relid, "leaf_index");
	bp->cols.hash = get_attnum(relid, "row_hash");
	if (bp->cols.entry <= 0 || bp->cols.block <= 0 || bp->cols.leaf <= 0 ||
		bp->cols.hash <= 0)
		elog(ERROR, "scsm.ledger_row lacks a column verify_ledger reads");
	bp->acc.open = false;
}

static void
BlockPassDirty(BlockPass *bp, int64 block_id)
{
	if (bp->ndirty > 0 && bp->dirty[bp->ndirty - 1] == block_id)
		return;
	if (bp->ndirty == bp->dirtycap)
	{
		bp->dirtycap = bp->dirtycap ? bp->dirtycap * 2 : 16;
		bp->dirty = bp->dirty ? repalloc_huge(bp->dirty, sizeof(int64) * bp->dirtycap)
			: palloc(sizeof(int64) * bp->dirtycap);
	}
	bp->dirty[bp->ndirty++] = block_id;
}

/*
 * Put the entries of one block in (leaf number, entry_id) order and feed
 * them to the accumulator.  Leaf numbers are normally 0..n-1, each once:
 * then each entry goes straight to its place; anything else (a NULL, a
 * number out of range or twice) is sorted.
 */
static void
BlockRunFeed(BlockPass *bp, LeafRec *run, Size n, BlockOuts *outs)
{
	bool		sorted = true;
	bool		dense = true;
	LeafRec    *seq = run;

	for (Size i = 1; i < n && sorted; i++)
		if (LeafRecCmp(&run[i - 1], &run[i]) > 0)
			sorted = false;
	if (!sorted)
	{
		if (bp->tmpcap < n)
		{
			if (bp->tmp)
			{
				pfree(bp->tmp);
				pfree(bp->placed);
			}
			bp->tmpcap = Max(n, 1024);
			bp->tmp = palloc_extended(sizeof(LeafRec) * bp->tmpcap, MCXT_ALLOC_HUGE);
			bp->placed = palloc_extended(bp->tmpcap, MCXT_ALLOC_HUGE);
		}
		memset(bp->placed, 0, n);
		for (Size i = 0; i < n && dense; i++)
		{
			LeafRec    *r = &run[i];

			if (r->leafnull || r->leaf_index < 0 || (Size) r->leaf_index >= n ||
				bp->placed[r->leaf_index])
				dense = false;
			else
			{
				bp->placed[r->leaf_index] = 1;
				bp->tmp[r->leaf_index] = *r;
			}
		}
		if (dense)
			seq = bp->tmp;
		else
			qsort(run, n, sizeof(LeafRec), LeafRecCmp);
	}
	bp->acc.open = false;
	for (Size i = 0; i < n; i++)
		BlockAccFeed(&bp->acc, &seq[i], outs);
	BlockAccClose(&bp->acc, outs);
}

/* The current run is over: its block is done. */
static void
BlockPassEndRun(BlockPass *bp)
{
	if (bp->nrun == 0)
		return;
	BlockRunFeed(bp, bp->run, bp->nrun, &bp->outs);
	if (!bp->any_done || bp->run[0].block_id > bp->max_done)
		bp->max_done = bp->run[0].block_id;
	bp->any_done = true;
	bp->nrun = 0;
}

/*
 * One entry of the scan.  The sealer writes each block's entries together
 * (in key order, not leaf order), so the scan meets a block as one run:
 * the run is collected, put in leaf order and fed when the next block
 * starts.  An entry of a block at or below the highest block already done
 * marks it dirty: it is read again at the end.
 */
static void
BlockPassTuple(BlockPass *bp, const Datum *values, const bool *isnull)
{
	LeafRec		r;

	if (!ReadLeaf(values, isnull, &bp->cols, bp->from, &r))
		return;
	if (bp->nrun > 0 && bp->run[0].block_id != r.block_id)
		BlockPassEndRun(bp);
	if (bp->any_done && r.block_id <= bp->max_done)
	{
		BlockPassDirty(bp, r.block_id);
		return;
	}
	if (bp->nrun == bp->runcap)
	{
		bp->runcap = bp->runcap ? bp->runcap * 2 : 1024;
		bp->run = bp->run ? repalloc_huge(bp->run, sizeof(LeafRec) * bp->runcap)
			: palloc_extended(sizeof(LeafRec) * bp->runcap, MCXT_ALLOC_HUGE);
	}
	bp->run[bp->nrun++] = r;
}

/* After the scan: the marked blocks again, then all blocks by block_id. */
static void
BlockPassFinish(BlockPass *bp, Relation rel)
{
	BlockOuts	redone = {NULL, 0, 0};
	Size		k;

	BlockPassEndRun(bp);
	if (bp->ndirty > 0)
	{
		TupleDesc	desc = RelationGetDescr(rel);
		Datum	   *values = palloc(sizeof(Datum) * desc->natts);
		bool	   *isnull = palloc(sizeof(bool) * desc->natts);
		TableScanDesc scan;
		HeapTuple	tup;
		LeafRec    *recs;
		Size		nrec = 0,
					cap = 1024;
		Size		nd = 0;

		qsort(bp->dirty, bp->ndirty, sizeof(int64), Int64Cmp);
		for (k = 0; k < bp->ndirty; k++)
			if (nd == 0 || bp->dirty[nd - 1] != bp->dirty[k])
				bp->dirty[nd++] = bp->dirty[k];
		bp->ndirty = nd;
		recs = palloc_extended(sizeof(LeafRec) * cap, MCXT_ALLOC_HUGE);
		scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
		while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
		{
			LeafRec		r;

			CHECK_FOR_INTERRUPTS();
			heap_deform_tuple(tup, desc, values, isnull);
			if (!ReadLeaf(values, isnull, &bp->cols, bp->from, &r) ||
				!InSorted(bp->dirty, bp->ndirty, r.block_id))
				continue;
			if (nrec == cap)
			{
				cap *= 2;
				recs = repalloc_huge(recs, sizeof(LeafRec) * cap);
			}
			recs[nrec++] = r;
		}
		table_endscan(scan);
		if (nrec > 1)
			qsort(recs, nrec, sizeof(LeafRec), LeafRecCmp);
		bp->acc.open = false;
		for (k = 0; k < nrec; k++)
			BlockAccFeed(&bp->acc, &recs[k], &redone);
		BlockAccClose(&bp->acc, &redone);
		pfree(recs);
		pfree(values);
		pfree(isnull);
	}

	/* the streamed blocks that were not redone, and the redone ones */
	{
		Size		m = 0;

		for (k = 0; k < bp->outs.n; k++)
			if (!InSorted(bp->dirty, bp->ndirty, bp->outs.items[k].block_id))
				bp->outs.items[m++] = bp->outs.items[k];
		bp->outs.n = m;
		for (k = 0; k < redone.n; k++)
			BlockOutAdd(&bp->outs, &redone.items[k]);
		if (bp->outs.n > 1)
			qsort(bp->outs.items, bp->outs.n, sizeof(BlockOut), BlockOutCmp);
	}
}

/*
 * An estimate of the rows of a relation, to size a store up front:
 * reltuples, or the page count times a guess when never analysed.
 */
static double
RelRowEstimate(Relation rel)
{
	double		n = rel->rd_rel->reltuples;

	if (n < 0)
		n = (double) RelationGetNumberOfBlocks(rel) * 64;
	return n;
}

/*
 * Append the entries of the verified tables found in scsm.ledger_row (one
 * heap scan of rel, already open) to the store, and feed every tuple to the
 * block pass.  Each tuple is deformed once; keys and hashes are read in
 * place and copied into the store only.
 */
static void
LoadLedgerRows(VStore *st, Relation rel, const int32 *sorted, const int *pos_of,
			   int n, BlockPass *bp)
{
	Oid			relid = RelationGetRelid(rel);
	TupleDesc	desc = RelationGetDescr(rel);
	TableScanDesc scan;
	HeapTuple	tup;
	AttrNumber	a_entry,
				a_table,
				a_key,
				a_version,
				a_hash;
	Datum	   *values;
	bool	   *isnull;
	MemoryContext tmp,
				old;

	a_entry = get_attnum(relid, "entry_id");
	a_table = get_attnum(relid, "table_id");
	a_key = get_attnum(relid, "row_key");
	a_version = get_attnum(relid, "version");
	a_hash = get_attnum(relid, "row_hash");
	if (a_entry <= 0 || a_table <= 0 || a_key <= 0 || a_version <= 0 || a_hash <= 0)
		elog(ERROR, "scsm.ledger_row lacks a column verify_ledger reads");
	values = palloc(sizeof(Datum) * desc->natts);
	isnull = palloc(sizeof(bool) * desc->natts);
	/* for the rare key or hash stored compressed or out of line */
	tmp = AllocSetContextCreate(CurrentMemoryContext, "scsm verify detoast",
								ALLOCSET_DEFAULT_SIZES);

	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		int32		table_id;
		struct varlena *key,
				   *hash;

		CHECK_FOR_INTERRUPTS();
		heap_deform_tuple(tup, desc, values, isnull);
		if (bp != NULL)
			BlockPassTuple(bp, values, isnull);
		if (n == 0)
			continue;
		if (isnull[a_table - 1] || isnull[a_key - 1] || isnull[a_hash - 1] ||
			isnull[a_version - 1] || isnull[a_entry - 1])
			continue;
		table_id = DatumGetInt32(values[a_table - 1]);
		if (TablePos(sorted, pos_of, n, table_id) < 0)
			continue;
		old = MemoryContextSwitchTo(tmp);
		key = PG_DETOAST_DATUM_PACKED(values[a_key - 1]);
		hash = PG_DETOAST_DATUM_PACKED(values[a_hash - 1]);
		MemoryContextSwitchTo(old);
		(void) VStoreAppend(st, table_id, VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key),
							DatumGetInt32(values[a_version - 1]),
							DatumGetInt64(values[a_entry - 1]),
							VARDATA_ANY(hash), VARSIZE_ANY_EXHDR(hash));
		if ((Pointer) key != DatumGetPointer(values[a_key - 1]) ||
			(Pointer) hash != DatumGetPointer(values[a_hash - 1]))
			MemoryContextReset(tmp);
	}
	table_endscan(scan);
	MemoryContextDelete(tmp);
	pfree(values);
	pfree(isnull);
}

/*
 * Append the entries not in ledger_row yet: committed batches of the fast
 * path (scsm.ledger_pending) and this transaction's own buffered entries.
 * Few unless the sealer is behind; read through SPI (before any parallel
 * work starts).
 */
static void
LoadPending(VStore *st, const int32 *sorted, const int *pos_of, int n)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT u.entry_id, u.table_id, u.row_key::text, 1, u.row_hash"
					"  FROM scsm.ledger_pending p"
					" CROSS JOIN LATERAL unnest(p.entry_ids, p.table_ids, p.row_keys, p.row_hashes)"
					"                      AS u (entry_id, table_id, row_key, row_hash)"
					" UNION ALL "
					"SELECT o.entry_id, o.table_id, o.row_key::text, o.version, o.row_hash"
					"  FROM scsm.ledger_own_entries() o",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the unsealed ledger entries");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		n1,
					n2,
					n3,
					n4,
					n5;
		int64		entry_id = DatumGetInt64(SPI_getbinval(t, td, 1, &n1));
		int32		table_id = DatumGetInt32(SPI_getbinval(t, td, 2, &n2));
		Datum		keyd = SPI_getbinval(t, td, 3, &n3);
		int32		version = DatumGetInt32(SPI_getbinval(t, td, 4, &n4));
		Datum		hashd = SPI_getbinval(t, td, 5, &n5);
		text	   *key;
		bytea	   *hash;

		if (n1 || n2 || n3 || n4 || n5 ||
			TablePos(sorted, pos_of, n, table_id) < 0)
			continue;
		/* the store copies what it keeps: SPI memory may go */
		key = DatumGetTextPP(keyd);
		hash = DatumGetByteaPP(hashd);
		(void) VStoreAppend(st, table_id, VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key),
							version, entry_id, VARDATA_ANY(hash), VARSIZE_ANY_EXHDR(hash));
	}
	SPI_finish();
}

/*
 * Mark the entries of one table that a disposal certificate accounts for:
 * same table, key and row hash.  Run only for tables with unseen entries.
 */
static void
MarkCertified(VStore *st, int32 table_id, const char *nspname,
			  const char *relname)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		args[2];

	args[0] = CStringGetTextDatum(nspname);
	args[1] = CStringGetTextDatum(relname);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/*
	 * The batches' two arrays needed here, not the per-line view
	 * scsm.disposal_certificate, which unnests all nine
	 */
	if (SPI_execute_with_args("SELECT u.k, u.h FROM scsm.disposal_batch b, "
							  "LATERAL ROWS FROM (pg_catalog.unnest(b.row_keys), "
							  "pg_catalog.unnest(b.row_hashes)) AS u (k, h) "
							  "WHERE b.table_name = $2 AND b.schema_name = $1",
							  2, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the disposal certificates");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		knull,
					hnull;
		Datum		k = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &knull);
		Datum		h = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &hnull);
		text	   *kt;
		uint64		slot;
		VRec	   *r;

		if (knull || hnull)
			continue;
		kt = DatumGetTextPP(k);
		r = VStoreFind(st, KeyFp(table_id, VARDATA_ANY(kt), VARSIZE_ANY_EXHDR(kt)),
					   table_id, VARDATA_ANY(kt), VARSIZE_ANY_EXHDR(kt), &slot);
		if (r != NULL && !r->seen)
		{
			bytea	   *b = DatumGetByteaPP(h);

			if (VARSIZE_ANY_EXHDR(b) == LEDGER_HASH_LEN &&
				memcmp(VARDATA_ANY(b), r->hash, LEDGER_HASH_LEN) == 0)
				r->seen = true;
		}
	}
	SPI_finish();
}

/*
 * The table pass in parallel.  Hashing the rows is most of the work of a
 * full verification and needs nothing but the rows, so parallel workers
 * (PostgreSQL's ParallelContext: same transaction, snapshot and user, errors
 * re-raised in the caller, cancelled with it) share the scan of each table
 * with the caller through a parallel heap scan, key and hash the rows they
 * get and send (table, key, hash) to the caller through a message queue;
 * the caller loads the entries meanwhile, then scans and hashes too and
 * looks up every row, its own and theirs, so that all findings are made in
 * one place.  Workers are used as for a parallel sequential scan of the
 * same size: none when max_parallel_workers_per_gather is 0 or the tables
 * are smaller than min_parallel_table_scan_size.
 */
#define VERIFY_KEY_SHARED	UINT64CONST(0x5C53000000000001)
#define VERIFY_KEY_MQ(w)	(UINT64CONST(0x5C53000000010000) + (uint64) (w))
#define VERIFY_KEY_SCAN(i)	(UINT64CONST(0x5C53000100000000) + (uint64) (i))
#define VERIFY_MQ_SIZE		((Size) 1024 * 1024)
#define VERIFY_MSG_SIZE		((Size) 32 * 1024)

typedef struct VerifyTable
{
	Oid			relid;
	int32		table_id;
} VerifyTable;

typedef struct VerifyShared
{
	int			n;				/* tables */
	VerifyTable tables[FLEXIBLE_ARRAY_MEMBER];
} VerifyShared;

/* A row of the table pass between hashing and lookup. */
typedef struct VBatchRow
{
	char	   *key;
	Size		keylen;
	uint64		fp;
	uint8		hash[LEDGER_HASH_LEN];
} VBatchRow;

#define VBATCH 32

/* Key and hash of the next rows of a scan, at most VBATCH; 0 at its end. */
static int
HashBatch(TableScanDesc scan, LedgerRelInfo *info,
		  int32 table_id, VBatchRow *batch, VStore *prefetch)
{
	HeapTuple	tup;
	int			nb = 0;

	while (nb < VBATCH && (tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		VBatchRow  *b = &batch[nb++];

		b->key = LedgerRowKey(info, info->desc, tup);
		b->keylen = strlen(b->key);
		b->fp = KeyFp(table_id, b->key, b->keylen);
		if (prefetch)
			VPrefetch(&prefetch->slots[b->fp & prefetch->mask]);
		/* the write path's encoding and hash */
		LedgerHashRow(info->nspname, info->relname, info->desc, tup,
					  NULL, info->order, b->hash);
	}
	return nb;
}

/* Look a hashed row up: unaccounted, modified, or its entry is seen. */
static void
CheckRow(VStore *st, Findings *found, int pos, int32 table_id, const char *key,
		 Size keylen, uint64 fp, const uint8 *hash)
{
	uint64		slot;
	VRec	   *r = VStoreFind(st, fp, table_id, key, keylen, &slot);

	if (r == NULL)
		AddFinding(found, pos, pnstrdup(key, keylen), "unaccounted",
				   psprintf("row hash %s has no ledger entry",
							LedgerHex(hash, LEDGER_HASH_LEN)));
	else
	{
		r->seen = true;
		if (memcmp(r->hash, hash, LEDGER_HASH_LEN) != 0)
			AddFinding(found, pos, pnstrdup(key, keylen), "modified",
					   psprintf("row hash %s, ledger entry " INT64_FORMAT " (version %d) says %s",
								LedgerHex(hash, LEDGER_HASH_LEN), r->entry_id,
								r->version, LedgerHex(r->hash, LEDGER_HASH_LEN)));
	}
}

/* Rows in a message: int32 table position, uint32 key length, uint64 key
 * hash, the row hash, the key bytes; packed, read with memcpy. */
#define VMSG_ROW_HDR (4 + 4 + 8 + LEDGER_HASH_LEN)

static void
CheckMessage(VStore *st, Findings *found, const int32 *ids, int n,
			 const char *data, Size len)
{
	Size		o = 0;

	/*
	 * Prefetch the index slots of every row of the message, then the records
	 * the slots point to, then check: a message holds a few hundred rows.
	 */
	for (int pass = 0; pass < 2; pass++)
	{
		o = 0;
		while (o + VMSG_ROW_HDR <= len)
		{
			uint32		keylen;
			uint64		fp;

			memcpy(&keylen, data + o + 4, 4);
			memcpy(&fp, data + o + 8, 8);
			if (pass == 0)
				VPrefetch(&st->slots[fp & st->mask]);
			else
			{
				VSlot		sl = st->slots[fp & st->mask];

				if (sl.ref != 0 && sl.tag == (uint32) (fp >> 32))
					VPrefetch(VRecOf(st, sl.ref));
			}
			o += VMSG_ROW_HDR + keylen;
		}
	}
	o = 0;
	while (o + VMSG_ROW_HDR <= len)
	{
		int32		pos;
		uint32		keylen;
		uint64		fp;
		uint8		hash[LEDGER_HASH_LEN];

		memcpy(&pos, data + o, 4);
		memcpy(&keylen, data + o + 4, 4);
		memcpy(&fp, data + o + 8, 8);
		memcpy(hash, data + o + 16, LEDGER_HASH_LEN);
		o += VMSG_ROW_HDR;
		if (pos < 0 || pos >= n || o + keylen > len)
			elog(ERROR, "malformed message from a verify_ledger worker");
		CheckRow(st, found, pos, ids[pos], data + o, keylen, fp, hash);
		o += keylen;
	}
}

/* Messages a worker could not send yet (its queue was full), oldest first. */
typedef struct VOutQueue
{
	shm_mq_handle *mqh;
	StringInfoData cur;			/* being filled */
	char	  **msgs;
	Size	   *lens;
	int			head,
				tail,
				cap;
} VOutQueue;

/* Send what can go without waiting; all of it, waiting, if wait. */
static void
VOutFlush(VOutQueue *q, bool wait)
{
	while (q->head < q->tail)
	{
		shm_mq_result res = shm_mq_send(q->mqh, q->lens[q->head],
										q->msgs[q->head], !wait, true);

		if (res == SHM_MQ_WOULD_BLOCK)
			return;
		if (res == SHM_MQ_DETACHED)
			ereport(ERROR,
					(errcode(ERRCODE_ADMIN_SHUTDOWN),
					 errmsg("verify_ledger stopped while a worker was hashing rows")));
		pfree(q->msgs[q->head]);
		q->head++;
	}
	q->head = q->tail = 0;
}

/* Queue the message being filled, and send what can go. */
static void
VOutPush(VOutQueue *q)
{
	if (q->cur.len == 0)
		return;
	if (q->tail == q->cap)
	{
		if (q->head > 0)
		{
			memmove(q->msgs, q->msgs + q->head, sizeof(char *) * (q->tail - q->head));
			memmove(q->lens, q->lens + q->head, sizeof(Size) * (q->tail - q->head));
			q->tail -= q->head;
			q->head = 0;
		}
		if (q->tail == q->cap)
		{
			q->cap *= 2;
			q->msgs = repalloc(q->msgs, sizeof(char *) * q->cap);
			q->lens = repalloc(q->lens, sizeof(Size) * q->cap);
		}
	}
	q->msgs[q->tail] = q->cur.data;
	q->lens[q->tail] = q->cur.len;
	q->tail++;
	initStringInfo(&q->cur);
	enlargeStringInfo(&q->cur, VERIFY_MSG_SIZE);
	VOutFlush(q, false);
}

/*
 * Entry point of a parallel worker of the table pass (see above): scan the
 * worker's share of each table, key and hash every row, send them on.
 */
PGDLLEXPORT void scsm_verify_worker(dsm_segment *seg, shm_toc *toc);

void
scsm_verify_worker(dsm_segment *seg, shm_toc *toc)
{
	VerifyShared *sh = shm_toc_lookup(toc, VERIFY_KEY_SHARED, false);
	shm_mq	   *mq = shm_toc_lookup(toc, VERIFY_KEY_MQ(ParallelWorkerNumber), false);
	VOutQueue	q;
	MemoryContext rowcxt,
				old;
	VBatchRow  *batch = palloc(sizeof(VBatchRow) * VBATCH);

	shm_mq_set_sender(mq, MyProc);
	q.mqh = shm_mq_attach(mq, seg, NULL);
	q.cap = 64;
	q.head = q.tail = 0;
	q.msgs = palloc(sizeof(char *) * q.cap);
	q.lens = palloc(sizeof(Size) * q.cap);
	initStringInfo(&q.cur);
	enlargeStringInfo(&q.cur, VERIFY_MSG_SIZE);
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "scsm verify worker rows",
								   ALLOCSET_START_SMALL_SIZES);

	for (int i = 0; i < sh->n; i++)
	{
		ParallelTableScanDesc pscan = shm_toc_lookup(toc, VERIFY_KEY_SCAN(i), false);
		Relation	rel = table_open(sh->tables[i].relid, AccessShareLock);
		LedgerRelInfo *info = LedgerGetRelInfo(rel);
		TableScanDesc scan = table_beginscan_parallel(rel, pscan);
		int			nb;

		do
		{
			CHECK_FOR_INTERRUPTS();
			MemoryContextReset(rowcxt);
			old = MemoryContextSwitchTo(rowcxt);
			nb = HashBatch(scan, info, sh->tables[i].table_id, batch, NULL);
			MemoryContextSwitchTo(old);
			for (int j = 0; j < nb; j++)
			{
				int32		pos = i;
				uint32		keylen = (uint32) batch[j].keylen;

				if (q.cur.len + VMSG_ROW_HDR + keylen > VERIFY_MSG_SIZE && q.cur.len > 0)
					VOutPush(&q);
				appendBinaryStringInfo(&q.cur, (char *) &pos, 4);
				appendBinaryStringInfo(&q.cur, (char *) &keylen, 4);
				appendBinaryStringInfo(&q.cur, (char *) &batch[j].fp, 8);
				appendBinaryStringInfo(&q.cur, (char *) batch[j].hash, LEDGER_HASH_LEN);
				appendBinaryStringInfo(&q.cur, batch[j].key, keylen);
			}
			if (q.head < q.tail)
				VOutFlush(&q, false);
		} while (nb == VBATCH);
		table_endscan(scan);
		table_close(rel, AccessShareLock);
	}
	VOutPush(&q);
	VOutFlush(&q, true);
	shm_mq_detach(q.mqh);
}

/* Workers for the table pass: as a parallel seq scan of these pages. */
static int
VerifyWorkers(Relation *rels, int n)
{
	double		pages = 0;
	double		threshold = Max(min_parallel_table_scan_size, 1);
	int			w = 0;

	if (IsInParallelMode() || max_parallel_workers_per_gather <= 0)
		return 0;
	for (int i = 0; i < n; i++)
		pages += RelationGetNumberOfBlocks(rels[i]);
	if (pages < threshold)
		return 0;
	w = 1;
	while (pages >= threshold * 3 && w < max_parallel_workers_per_gather)
	{
		w++;
		threshold *= 3;
	}
	return Min(w, max_parallel_workers_per_gather);
}

/*
 * Take in what the workers have sent; with wait, until all are done.
 * detached[w]: worker w has finished (or never started).
 */
static void
DrainWorkers(shm_mq_handle **mqh, bool *detached, int nw, VStore *st,
			 Findings *found, const int32 *ids, int n, bool wait)
{
	for (int w = 0; w < nw; w++)
	{
		while (!detached[w])
		{
			Size		nbytes;
			void	   *data;
			shm_mq_result res = shm_mq_receive(mqh[w], &nbytes, &data, !wait);

			if (res == SHM_MQ_WOULD_BLOCK)
				break;
			if (res == SHM_MQ_DETACHED)
			{
				detached[w] = true;
				break;
			}
			CheckMessage(st, found, ids, n, data, nbytes);
		}
	}
}

/*
 * scsm.ledger_verify_scan(from_block bigint, tbls regclass[], table_ids integer[])
 *   RETURNS TABLE (block_id bigint, n bigint, lo integer, hi integer,
 *                  nd bigint, root_leaf bytea, in_order boolean,
 *                  table_id integer, row_key text, kind text, detail text)
 * Both passes of verify_ledger in C, over one scan of scsm.ledger_row:
 *
 * - the block pass, per sealed block from from_block on (block_id not
 *   null): entry count, lowest and highest leaf number, distinct leaf
 *   numbers, the Merkle root of the row hashes in leaf order (ties by
 *   entry_id), and whether leaf order is entry order; by block;
 * - the per-table pass (see the file header) over the given tables, all at
 *   once, one scan of each (shared with parallel workers when the tables are
 *   large): modified, unaccounted and missing rows, and keys with more than
 *   one entry (kind dup); by table (argument order), then key.
 *
 * With no tables it is the block pass alone (incremental verification).
 */
PG_FUNCTION_INFO_V1(scsm_ledger_verify_scan);

Datum
scsm_ledger_verify_scan(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		from = PG_GETARG_INT64(0);
	ArrayType  *rels_arr = PG_GETARG_ARRAYTYPE_P(1);
	ArrayType  *ids_arr = PG_GETARG_ARRAYTYPE_P(2);
	BlockPass	bp;
	Datum	   *relsd;
	Datum	   *idsd;
	bool	   *nullsa;
	int			n,
				nids;
	int32	   *ids;
	Relation   *rels;
	Relation	lrel;
	LedgerRelInfo **infos;
	MemoryContext work,
				rowcxt,
				old;
	VStore		st;
	Findings	found = {NULL, 0, 0};
	VRec	   *r;
	int			chunk;
	Size		off;
	bool	   *unseen;
	IdPos	   *idpos;
	int32	   *sorted;
	int		   *pos_of;
	VBatchRow  *batch;
	int			nworkers;
	ParallelContext *pcxt = NULL;
	ParallelTableScanDesc *pscans = NULL;
	shm_mq_handle **mqh = NULL;
	bool	   *detached = NULL;
	int			nw = 0;
	Datum		values[11];
	bool		nulls[11];

	InitMaterializedSRF(fcinfo, 0);
	work = AllocSetContextCreate(CurrentMemoryContext, "scsm verify",
								 ALLOCSET_DEFAULT_SIZES);
	/* what a batch of rows allocates for keys and hashes, reset per batch */
	rowcxt = AllocSetContextCreate(work, "scsm verify rows",
								   ALLOCSET_START_SMALL_SIZES);
	old = MemoryContextSwitchTo(work);

	deconstruct_array(rels_arr, REGCLASSOID, sizeof(Oid), true, TYPALIGN_INT,
					  &relsd, &nullsa, &n);
	for (int i = 0; i < n; i++)
		if (nullsa[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("table list must not contain nulls")));
	deconstruct_array(ids_arr, INT4OID, sizeof(int32), true, TYPALIGN_INT,
					  &idsd, &nullsa, &nids);
	if (nids != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("table list and table_id list differ in length"),
				 errdetail("%d tables, %d table ids.", n, nids)));
	ids = palloc(sizeof(int32) * Max(n, 1));
	rels = palloc(sizeof(Relation) * Max(n, 1));
	infos = palloc(sizeof(LedgerRelInfo *) * Max(n, 1));
	unseen = palloc0(sizeof(bool) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		if (nullsa[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("table_id list must not contain nulls")));
		ids[i] = DatumGetInt32(idsd[i]);
	}

	/* table_id -> argument position, by binary search */
	idpos = palloc(sizeof(IdPos) * Max(n, 1));
	sorted = palloc(sizeof(int32) * Max(n, 1));
	pos_of = palloc(sizeof(int) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		idpos[i].id = ids[i];
		idpos[i].pos = i;
	}
	qsort(idpos, n, sizeof(IdPos), IdPosCmp);
	for (int i = 0; i < n; i++)
	{
		sorted[i] = idpos[i].id;
		pos_of[i] = idpos[i].pos;
	}

	/* the tables, as a SELECT would open them */
	for (int i = 0; i < n; i++)
	{
		Oid			relid = DatumGetObjectId(relsd[i]);

		CheckSelect(relid);
		rels[i] = table_open(relid, AccessShareLock);
		if (rels[i]->rd_rel->relam != HEAP_TABLE_AM_OID)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("table \"%s\" is not a heap table",
							RelationGetRelationName(rels[i]))));
		infos[i] = LedgerGetRelInfo(rels[i]);
	}
	CheckSelect(LedgerRowRelid());
	lrel = table_open(LedgerRowRelid(), AccessShareLock);
	VStoreInit(&st, n > 0 ? RelRowEstimate(lrel) : 0);
	if (n > 0)
		LoadPending(&st, sorted, pos_of, n);

	/* workers start hashing while the entries load */
	nworkers = VerifyWorkers(rels, n);
	if (nworkers > 0)
	{
		Snapshot	snap = GetActiveSnapshot();

		EnterParallelMode();
		pcxt = CreateParallelContext("scsm", "scsm_verify_worker", nworkers);
		shm_toc_estimate_chunk(&pcxt->estimator,
							   add_size(offsetof(VerifyShared, tables),
										mul_size(sizeof(VerifyTable), n)));
		for (int i = 0; i < n; i++)
			shm_toc_estimate_chunk(&pcxt->estimator,
								   table_parallelscan_estimate(rels[i], snap));
		shm_toc_estimate_chunk(&pcxt->estimator, mul_size(VERIFY_MQ_SIZE, nworkers));
		shm_toc_estimate_keys(&pcxt->estimator, 1 + n + nworkers);
		InitializeParallelDSM(pcxt);
		if (pcxt->seg == NULL)
		{
			/* no dynamic shared memory to be had: do it all here */
			DestroyParallelContext(pcxt);
			ExitParallelMode();
			pcxt = NULL;
		}
	}
	if (pcxt != NULL)
	{
		Snapshot	snap = GetActiveSnapshot();
		VerifyShared *sh = shm_toc_allocate(pcxt->toc,
											add_size(offsetof(VerifyShared, tables),
													 mul_size(sizeof(VerifyTable), n)));
		char	   *mqspace;

		sh->n = n;
		for (int i = 0; i < n; i++)
		{
			sh->tables[i].relid = RelationGetRelid(rels[i]);
			sh->tables[i].table_id = ids[i];
		}
		shm_toc_insert(pcxt->toc, VERIFY_KEY_SHARED, sh);
		pscans = palloc(sizeof(ParallelTableScanDesc) * n);
		for (int i = 0; i < n; i++)
		{
			pscans[i] = shm_toc_allocate(pcxt->toc,
										 table_parallelscan_estimate(rels[i], snap));
			table_parallelscan_initialize(rels[i], pscans[i], snap);
			shm_toc_insert(pcxt->toc, VERIFY_KEY_SCAN(i), pscans[i]);
		}
		mqspace = shm_toc_allocate(pcxt->toc, mul_size(VERIFY_MQ_SIZE, nworkers));
		mqh = palloc(sizeof(shm_mq_handle *) * nworkers);
		detached = palloc(sizeof(bool) * nworkers);
		for (int w = 0; w < nworkers; w++)
		{
			shm_mq	   *mq = shm_mq_create(mqspace + (Size) w * VERIFY_MQ_SIZE,
										   VERIFY_MQ_SIZE);

			shm_toc_insert(pcxt->toc, VERIFY_KEY_MQ(w), mq);
			shm_mq_set_receiver(mq, MyProc);
			mqh[w] = shm_mq_attach(mq, pcxt->seg, NULL);
		}
		LaunchParallelWorkers(pcxt);
		nw = pcxt->nworkers_launched;
		for (int w = 0; w < nworkers; w++)
		{
			detached[w] = w >= nw;
			if (w < nw)
				shm_mq_set_handle(mqh[w], pcxt->worker[w].bgwhandle);
		}
		elog(DEBUG1, "verify_ledger: table pass with %d parallel worker(s) of %d planned",
			 nw, nworkers);
	}

	BlockPassInit(&bp, lrel, from);
	LoadLedgerRows(&st, lrel, sorted, pos_of, n, &bp);
	/* the block pass's second look at blocks met out of order, if any */
	BlockPassFinish(&bp, lrel);
	table_close(lrel, AccessShareLock);
	VStoreIndexAll(&st);
	batch = palloc(sizeof(VBatchRow) * VBATCH);

	for (int i = 0; i < n; i++)
	{
		TableScanDesc scan;
		int			nb;

		scan = pcxt ? table_beginscan_parallel(rels[i], pscans[i])
			: table_beginscan(rels[i], GetActiveSnapshot(), 0, NULL);
		do
		{
			/*
			 * Key and hash a batch of rows, prefetching the index slot of
			 * each, then look them up: the lookups are the memory misses of
			 * this pass, the hashing is what hides them.
			 */
			CHECK_FOR_INTERRUPTS();
			MemoryContextReset(rowcxt);
			MemoryContextSwitchTo(rowcxt);
			nb = HashBatch(scan, infos[i], ids[i], batch, &st);
			MemoryContextSwitchTo(work);
			for (int j = 0; j < nb; j++)
			{
				VSlot		sl = st.slots[batch[j].fp & st.mask];

				if (sl.ref != 0 && sl.tag == (uint32) (batch[j].fp >> 32))
					VPrefetch(VRecOf(&st, sl.ref));
			}
			for (int j = 0; j < nb; j++)
				CheckRow(&st, &found, i, ids[i], batch[j].key, batch[j].keylen,
						 batch[j].fp, batch[j].hash);
			if (nw > 0)
				DrainWorkers(mqh, detached, nw, &st, &found, ids, n, false);
		} while (nb == VBATCH);
		table_endscan(scan);
	}
	MemoryContextReset(rowcxt);
	if (pcxt != NULL)
	{
		DrainWorkers(mqh, detached, nw, &st, &found, ids, n, true);
		WaitForParallelWorkersToFinish(pcxt);
		DestroyParallelContext(pcxt);
		ExitParallelMode();
	}
	for (int i = 0; i < n; i++)
		table_close(rels[i], AccessShareLock);

	/* entries no row was found for: certified disposals, or missing rows */
	chunk = 0;
	off = 0;
	while ((r = VStoreNext(&st, &chunk, &off)) != NULL)
		if (!r->seen && !r->dead)
			unseen[TablePos(sorted, pos_of, n, r->table_id)] = true;
	for (int i = 0; i < n; i++)
		if (unseen[i])
			MarkCertified(&st, ids[i], infos[i]->nspname, infos[i]->relname);

	chunk = 0;
	off = 0;
	while ((r = VStoreNext(&st, &chunk, &off)) != NULL)
	{
		int			t;

		if (r->dead || (r->seen && r->count == 1))
			continue;
		t = TablePos(sorted, pos_of, n, r->table_id);
		if (!r->seen)
			AddFinding(&found, t, pstrdup(r->key), "missing",
					   psprintf("entry " INT64_FORMAT " (version %d) has no row and no disposal certificate",
								r->entry_id, r->version));
		if (r->count > 1)
			AddFinding(&found, t, pstrdup(r->key), "dup", NULL);
	}

	if (found.n > 1)
		qsort(found.items, found.n, sizeof(Finding), FindingCmp);
	MemoryContextSwitchTo(old);
	for (Size k = 0; k < bp.outs.n; k++)
	{
		BlockOut   *b = &bp.outs.items[k];

		memset(nulls, true, sizeof(nulls));
		nulls[0] = nulls[1] = nulls[4] = nulls[5] = nulls[6] = false;
		values[0] = Int64GetDatum(b->block_id);
		values[1] = Int64GetDatum(b->n);
		nulls[2] = nulls[3] = b->lonull;
		values[2] = Int32GetDatum(b->lo);
		values[3] = Int32GetDatum(b->hi);
		values[4] = Int64GetDatum(b->nd);
		values[5] = PointerGetDatum(LedgerHashBytea(b->root));
		values[6] = BoolGetDatum(b->in_order);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	for (int i = 0; i < found.n; i++)
	{
		memset(nulls, true, sizeof(nulls));
		nulls[7] = nulls[8] = nulls[9] = false;
		values[7] = Int32GetDatum(ids[found.items[i].table]);
		values[8] = CStringGetTextDatum(found.items[i].key);
		values[9] = CStringGetTextDatum(found.items[i].kind);
		nulls[10] = found.items[i].detail == NULL;
		values[10] = nulls[10] ? (Datum) 0 : CStringGetTextDatum(found.items[i].detail);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(work);
	return (Datum) 0;
}

