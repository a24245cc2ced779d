/*-------------------------------------------------------------------------
 *
 * ledger_verify.c
 *	  The per-table pass of scsm.verify_ledger: every current row of a
 *	  protected table against the latest ledger entry of its key, in one
 *	  scan of the table and one scan of its entries.
 *
 * The entries of the table are loaded into a hash table keyed by canonical
 * row key (latest version wins, entry_id breaks ties, as the SQL pass did);
 * the table is then scanned once, each row keyed and hashed exactly as the
 * write path does (ledger_hash.c) and looked up.  Rows without an entry are
 * "unaccounted", rows whose hash differs are "modified", entries left
 * unseen are "missing" unless a disposal certificate accounts for them.
 * Keys with more than one entry are returned as kind "dup" so that the SQL
 * side can name the replaced entries (append-only tables).
 *
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
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"

#include "ledger.h"

PG_FUNCTION_INFO_V1(scsm_ledger_verify_rows);
PG_FUNCTION_INFO_V1(scsm_ledger_verify_direct_ok);

/* The latest ledger entry of one key, and what the table scan found. */
typedef struct VerifyKey
{
	int32		table_id;
	const char *key;			/* canonical row key */
} VerifyKey;

typedef struct VerifyEntry
{
	VerifyKey	key;			/* hash key: table and canonical row key */
	uint32		hashval;		/* cached hash of key */
	char		status;			/* simplehash slot status */
	bool		seen;			/* a current row has this key */
	int32		version;
	int32		count;			/* entries of this key */
	int64		entry_id;
	uint8		hash[LEDGER_HASH_LEN];
} VerifyEntry;

#define SH_PREFIX		verify
#define SH_ELEMENT_TYPE VerifyEntry
#define SH_KEY_TYPE		VerifyKey
#define SH_KEY			key
#define SH_HASH_KEY(tb, k) \
	hash_combine(murmurhash32((uint32) (k).table_id), \
				 hash_bytes((const unsigned char *) (k).key, strlen((k).key)))
#define SH_EQUAL(tb, a, b) ((a).table_id == (b).table_id && strcmp((a).key, (b).key) == 0)
#define SH_GET_HASH(tb, a) ((a)->hashval)
#define SH_STORE_HASH
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

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

/* Count an entry of (table, key) and keep it if it is the latest so far. */
static void
AddEntry(verify_hash *ht, VerifyKey k, int32 version, int64 entry_id, bytea *hash)
{
	bool		found;
	VerifyEntry *e = verify_insert(ht, k, &found);

	if (found)
	{
		pfree((char *) k.key);
		e->count++;
		if (version < e->version ||
			(version == e->version && entry_id < e->entry_id))
			return;
	}
	else
	{
		e->count = 1;
		e->seen = false;
	}
	e->version = version;
	e->entry_id = entry_id;
	memset(e->hash, 0, LEDGER_HASH_LEN);
	memcpy(e->hash, VARDATA_ANY(hash),
		   Min(VARSIZE_ANY_EXHDR(hash), LEDGER_HASH_LEN));
}

/*
 * Load the entries of the verified tables from scsm.ledger_row in one heap
 * scan, keeping the latest entry of each (table, key).
 */
static void
LoadEntries(verify_hash *ht, const int32 *sorted, const int *pos_of, int n)
{
	MemoryContext callercxt = CurrentMemoryContext;
	Oid			relid = LedgerRowRelid();
	Relation	rel;
	TupleDesc	desc;
	TableScanDesc scan;
	HeapTuple	tup;
	AttrNumber	a_entry,
				a_table,
				a_key,
				a_version,
				a_hash;

	CheckSelect(relid);
	rel = table_open(relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	a_entry = get_attnum(relid, "entry_id");
	a_table = get_attnum(relid, "table_id");
	a_key = get_attnum(relid, "row_key");
	a_version = get_attnum(relid, "version");
	a_hash = get_attnum(relid, "row_hash");

	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull;
		Datum		d;
		VerifyKey	k;
		char	   *key;
		int32		version;
		int64		entry_id;
		bytea	   *hash;

		CHECK_FOR_INTERRUPTS();
		d = heap_getattr(tup, a_table, desc, &isnull);
		if (isnull || TablePos(sorted, pos_of, n, DatumGetInt32(d)) < 0)
			continue;
		k.table_id = DatumGetInt32(d);
		version = DatumGetInt32(heap_getattr(tup, a_version, desc, &isnull));
		entry_id = DatumGetInt64(heap_getattr(tup, a_entry, desc, &isnull));
		key = TextDatumGetCString(heap_getattr(tup, a_key, desc, &isnull));
		k.key = key;

		hash = (bytea *) PG_DETOAST_DATUM_PACKED(heap_getattr(tup, a_hash, desc, &isnull));
		AddEntry(ht, k, version, entry_id, hash);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);

	/*
	 * Entries not in ledger_row yet: committed batches of the fast path
	 * (scsm.ledger_pending) and this transaction's own buffered entries.
	 * Few unless the sealer is behind; read through SPI.
	 */
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
		VerifyKey	k;
		MemoryContext spicxt;

		if (n1 || n2 || n3 || n4 || n5 ||
			TablePos(sorted, pos_of, n, table_id) < 0)
			continue;
		/* keys and hashes outlive SPI: copy them into the caller's context */
		spicxt = MemoryContextSwitchTo(callercxt);
		k.table_id = table_id;
		k.key = TextDatumGetCString(keyd);
		AddEntry(ht, k, version, entry_id, DatumGetByteaPP(hashd));
		MemoryContextSwitchTo(spicxt);
	}
	SPI_finish();
}

/*
 * Mark the entries of one table that a disposal certificate accounts for:
 * same table, key and row hash.  Run only for tables with unseen entries.
 */
static void
MarkCertified(verify_hash *ht, int32 table_id, const char *nspname,
			  const char *relname)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		args[2];

	args[0] = CStringGetTextDatum(nspname);
	args[1] = CStringGetTextDatum(relname);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT c.row_key, c.row_hash FROM scsm.disposal_certificate c "
							  "WHERE c.table_name = $2 AND c.schema_name = $1",
							  2, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the disposal certificates");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		VerifyKey	k;
		Datum		h = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull);
		VerifyEntry *e;

		k.table_id = table_id;
		k.key = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		if (k.key == NULL || isnull)
			continue;
		e = verify_lookup(ht, k);
		if (e != NULL && !e->seen)
		{
			bytea	   *b = DatumGetByteaPP(h);

			if (VARSIZE_ANY_EXHDR(b) == LEDGER_HASH_LEN &&
				memcmp(VARDATA_ANY(b), e->hash, LEDGER_HASH_LEN) == 0)
				e->seen = true;
		}
	}
	SPI_finish();
}

/*
 * scsm.ledger_verify_rows(tbls regclass[], table_ids integer[])
 *   RETURNS TABLE (table_id integer, row_key text, kind text, detail text)
 * The full per-table pass of verify_ledger (see the file header), for all
 * the given tables at once: one scan of scsm.ledger_row, one of each table.
 * Rows come out by table (argument order), then key.
 */
Datum
scsm_ledger_verify_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ArrayType  *rels_arr = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *ids_arr = PG_GETARG_ARRAYTYPE_P(1);
	Datum	   *rels;
	Datum	   *idsd;
	bool	   *nullsa;
	int			n,
				nids;
	int32	   *ids;
	LedgerRelInfo **infos;
	MemoryContext work,
				old;
	verify_hash *ht;
	Findings	found = {NULL, 0, 0};
	verify_iterator it;
	VerifyEntry *e;
	bool	   *unseen;
	IdPos	   *idpos;
	int32	   *sorted;
	int		   *pos_of;
	uint8		h[LEDGER_HASH_LEN];
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	InitMaterializedSRF(fcinfo, 0);
	work = AllocSetContextCreate(CurrentMemoryContext, "scsm verify",
								 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);

	deconstruct_array(rels_arr, REGCLASSOID, sizeof(Oid), true, TYPALIGN_INT,
					  &rels, &nullsa, &n);
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

	ht = verify_create(work, 1024, NULL);
	LoadEntries(ht, sorted, pos_of, n);

	for (int i = 0; i < n; i++)
	{
		Oid			relid = DatumGetObjectId(rels[i]);
		Relation	rel;
		TableScanDesc scan;
		HeapTuple	tup;
		LedgerRelInfo *info;

		CheckSelect(relid);
		rel = table_open(relid, AccessShareLock);
		if (rel->rd_rel->relam != HEAP_TABLE_AM_OID)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("table \"%s\" is not a heap table", RelationGetRelationName(rel))));
		info = infos[i] = LedgerGetRelInfo(rel);
		scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
		while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
		{
			VerifyKey	k;

			CHECK_FOR_INTERRUPTS();
			k.table_id = ids[i];
			k.key = LedgerRowKey(info, info->desc, tup);
			LedgerHashRow(info->nspname, info->relname, info->desc, tup,
						  NULL, info->order, h);
			e = verify_lookup(ht, k);
			if (e == NULL)
				AddFinding(&found, i, (char *) k.key, "unaccounted",
						   psprintf("row hash %s has no ledger entry",
									LedgerHex(h, LEDGER_HASH_LEN)));
			else
			{
				e->seen = true;
				if (memcmp(e->hash, h, LEDGER_HASH_LEN) != 0)
					AddFinding(&found, i, (char *) k.key, "modified",
							   psprintf("row hash %s, ledger entry " INT64_FORMAT " (version %d) says %s",
										LedgerHex(h, LEDGER_HASH_LEN), e->entry_id,
										e->version, LedgerHex(e->hash, LEDGER_HASH_LEN)));
				else
					pfree((char *) k.key);
			}
		}
		table_endscan(scan);
		table_close(rel, AccessShareLock);
	}

	/* entries no row was found for: certified disposals, or missing rows */
	verify_start_iterate(ht, &it);
	while ((e = verify_iterate(ht, &it)) != NULL)
		if (!e->seen)
			unseen[TablePos(sorted, pos_of, n, e->key.table_id)] = true;
	for (int i = 0; i < n; i++)
		if (unseen[i])
			MarkCertified(ht, ids[i], infos[i]->nspname, infos[i]->relname);

	verify_start_iterate(ht, &it);
	while ((e = verify_iterate(ht, &it)) != NULL)
	{
		int			t = TablePos(sorted, pos_of, n, e->key.table_id);

		if (!e->seen)
			AddFinding(&found, t, pstrdup(e->key.key), "missing",
					   psprintf("entry " INT64_FORMAT " (version %d) has no row and no disposal certificate",
								e->entry_id, e->version));
		if (e->count > 1)
			AddFinding(&found, t, pstrdup(e->key.key), "dup", NULL);
	}

	if (found.n > 1)
		qsort(found.items, found.n, sizeof(Finding), FindingCmp);
	MemoryContextSwitchTo(old);
	for (int i = 0; i < found.n; i++)
	{
		values[0] = Int32GetDatum(ids[found.items[i].table]);
		values[1] = CStringGetTextDatum(found.items[i].key);
		values[2] = CStringGetTextDatum(found.items[i].kind);
		nulls[3] = found.items[i].detail == NULL;
		values[3] = nulls[3] ? (Datum) 0 : CStringGetTextDatum(found.items[i].detail);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(work);
	return (Datum) 0;
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

/*
 * scsm.ledger_block_leaves(from_block bigint)
 *   RETURNS TABLE (block_id bigint, n bigint, lo integer, hi integer,
 *                  nd bigint, root_leaf bytea, in_order boolean)
 * What verify_ledger's block pass checks, per block from from_block on:
 * entry count, lowest and highest leaf number, distinct leaf numbers, the
 * Merkle root of the row hashes in leaf order (ties by entry_id), and
 * whether leaf order is entry order.  One scan of scsm.ledger_row and one
 * sort in memory, instead of two sorts and an array per block in SQL.
 */
PG_FUNCTION_INFO_V1(scsm_ledger_block_leaves);

Datum
scsm_ledger_block_leaves(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		from = PG_GETARG_INT64(0);
	Oid			relid = LedgerRowRelid();
	MemoryContext work,
				old;
	Relation	rel;
	TupleDesc	desc;
	TableScanDesc scan;
	HeapTuple	tup;
	AttrNumber	a_entry,
				a_key_block,
				a_leaf,
				a_hash;
	LeafRec    *recs;
	Size		nrec = 0,
				cap = 1024;

	InitMaterializedSRF(fcinfo, 0);
	CheckSelect(relid);
	work = AllocSetContextCreate(CurrentMemoryContext, "scsm verify blocks",
								 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	recs = palloc(sizeof(LeafRec) * cap);

	rel = table_open(relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	a_entry = get_attnum(relid, "entry_id");
	a_key_block = get_attnum(relid, "block_id");
	a_leaf = get_attnum(relid, "leaf_index");
	a_hash = get_attnum(relid, "row_hash");
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull,
					leafnull;
		Datum		b;
		Datum		l;
		bytea	   *h;
		LeafRec    *r;

		CHECK_FOR_INTERRUPTS();
		b = heap_getattr(tup, a_key_block, desc, &isnull);
		if (isnull || DatumGetInt64(b) < from)
			continue;
		if (nrec == cap)
		{
			cap *= 2;
			recs = repalloc_huge(recs, sizeof(LeafRec) * cap);
		}
		r = &recs[nrec++];
		r->block_id = DatumGetInt64(b);
		r->entry_id = DatumGetInt64(heap_getattr(tup, a_entry, desc, &isnull));
		l = heap_getattr(tup, a_leaf, desc, &leafnull);
		r->leafnull = leafnull;
		r->leaf_index = leafnull ? 0 : DatumGetInt32(l);
		h = (bytea *) PG_DETOAST_DATUM_PACKED(heap_getattr(tup, a_hash, desc, &isnull));
		memset(r->hash, 0, LEDGER_HASH_LEN);
		memcpy(r->hash, VARDATA_ANY(h), Min(VARSIZE_ANY_EXHDR(h), LEDGER_HASH_LEN));
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	if (nrec > 1)
		qsort(recs, nrec, sizeof(LeafRec), LeafRecCmp);

	for (Size i = 0; i < nrec;)
	{
		Size		j = i;
		Size		last = i;	/* last entry with a leaf number */
		int64		nd = recs[i].leafnull ? 0 : 1;
		bool		in_order = true;
		uint8		(*hashes)[LEDGER_HASH_LEN];
		uint8		root[LEDGER_HASH_LEN];
		bytea	   *rootb;
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};

		/* lo, hi and nd count leaf numbers only, as min/max/count do */
		while (j + 1 < nrec && recs[j + 1].block_id == recs[i].block_id)
		{
			if (!recs[j + 1].leafnull)
			{
				if (recs[j + 1].leaf_index != recs[j].leaf_index)
					nd++;
				last = j + 1;
			}
			if (recs[j + 1].entry_id < recs[j].entry_id)
				in_order = false;
			j++;
		}
		hashes = palloc_extended(sizeof(*hashes) * (j - i + 1), MCXT_ALLOC_HUGE);
		for (Size k = i; k <= j; k++)
			memcpy(hashes[k - i], recs[k].hash, LEDGER_HASH_LEN);
		LedgerMerkleRoot((const uint8 (*)[LEDGER_HASH_LEN]) hashes, j - i + 1, root);
		pfree(hashes);

		MemoryContextSwitchTo(old);
		rootb = LedgerHashBytea(root);
		values[0] = Int64GetDatum(recs[i].block_id);
		values[1] = Int64GetDatum((int64) (j - i + 1));
		values[2] = Int32GetDatum(recs[i].leaf_index);
		values[3] = Int32GetDatum(recs[last].leaf_index);
		nulls[2] = nulls[3] = recs[i].leafnull;
		values[4] = Int64GetDatum(nd);
		values[5] = PointerGetDatum(rootb);
		values[6] = BoolGetDatum(in_order);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(work);
		i = j + 1;
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
	return (Datum) 0;
}
