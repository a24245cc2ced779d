/*-------------------------------------------------------------------------
 *
 * ledger_store.c
 *	  Direct writes of ledger entries and the per-relation cache of the
 *	  ledger's write path.
 *
 * The row trigger runs once per inserted row, so it must be cheap: ledger
 * entries are formed as heap tuples and inserted with their index entries
 * directly (the way catalog rows are written), without SPI, planner or
 * executor start-up per row, and without permission checks -- the ledger
 * tables belong to the extension and no ordinary role may write them.  The
 * ledger tables have no partial or expression indexes, no constraints
 * beyond NOT NULL (guaranteed here) and no insert triggers, which is what
 * makes this path equivalent to an INSERT.  The same holds for the due
 * queue of retention (scsm.retention_due): an entry with a retain_until
 * gets its queue row in the same way, in the same transaction.
 *
 * The fast path (append-only rows without a retention stamp) writes no
 * ledger_row tuple at all: the entry (id, table, key, hash) is buffered in
 * backend memory and, at pre-commit, written with the others of the
 * transaction as one compact batch tuple of scsm.ledger_pending (arrays, no
 * index).  The sealer expands committed batches into scsm.ledger_row rows
 * that carry their block from the start.  Buffered entries of a
 * subtransaction that rolls back are dropped with it; scsm.ledger_entry
 * (a view) shows ledger_row, the pending batches and this backend's own
 * buffer together, for everything that must see unsealed entries.
 *
 * OIDs of the ledger tables and sequences, and what the trigger needs to
 * know about each protected table, are cached per backend and dropped on
 * relcache invalidation (DDL on the table, DROP/CREATE EXTENSION).
 *
 * src/ledger_store.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/genam.h"
#include "access/stratnum.h"
#include "access/heapam.h"
#include "access/xlog.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_sequence.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/fmgroids.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "ledger.h"
#include "retention.h"

typedef struct LedgerOids
{
	bool		valid;
	Oid			row_rel;
	Oid			row_seq;
	Oid			txn_rel;
	Oid			txn_seq;
	Oid			pending_rel;
	Oid			key_idx;		/* scsm.ledger_row (table_id, row_key) */
	AttrNumber	att_version;
	AttrNumber	att_entry;
	Oid			due_rel;		/* scsm.retention_due, InvalidOid before it exists */
	Oid			owner;			/* owner of the ledger tables */
	/* retention hook (issue 4): columns of the stamp, 0 when absent */
	AttrNumber	att_class;
	AttrNumber	att_basis;
	AttrNumber	att_until;
} LedgerOids;

static LedgerOids oids = {false};

typedef struct RelInfoEntry
{
	Oid			relid;			/* hash key */
	LedgerRelInfo *info;
} RelInfoEntry;

static HTAB *relinfo_cache = NULL;
static MemoryContext relinfo_cxt = NULL;

/* the last entry found: a bulk load asks for the same table every row */
static Oid	relinfo_last_relid = InvalidOid;
static LedgerRelInfo *relinfo_last = NULL;

/*
 * scsm.ledger_row with its indexes, opened once per transaction under the
 * top transaction's resource owner and closed at pre-commit, so a bulk
 * INSERT does not reopen relation and indexes for every row; likewise the
 * due queue (opened with the first stamped entry).
 */
static LocalTransactionId open_lxid = InvalidLocalTransactionId;
static Relation open_rel = NULL;
static CatalogIndexState open_idx = NULL;
static Relation open_due = NULL;
static CatalogIndexState open_due_idx = NULL;
static LocalTransactionId open_due_lxid = InvalidLocalTransactionId;

/*
 * The ledger transaction id of this backend's current transaction (taken
 * from the sequence at the first entry), and whether its scsm.ledger_txn
 * row is written (txn_lxid; the fast path leaves that to the sealer).
 */
static LocalTransactionId tid_lxid = InvalidLocalTransactionId;
static int64 txn_id = 0;
static LocalTransactionId txn_lxid = InvalidLocalTransactionId;
static SubTransactionId txn_subid = InvalidSubTransactionId;

/*
 * Entries of the fast path buffered for the current transaction.  subid is
 * the subtransaction that wrote the entry: subtransaction ids grow within a
 * transaction, so when subtransaction S rolls back, the entries written
 * while S was open are exactly the tail with subid >= S.  matsub is set
 * when the entry was written into ledger_row already (LedgerDrainPending)
 * in that subtransaction; its row goes if a subtransaction <= matsub rolls
 * back, and the entry is then buffered again.
 */
typedef struct BufEntry
{
	int64		entry_id;
	int32		table_id;
	SubTransactionId subid;
	SubTransactionId matsub;
	uint32		key_off;
	uint32		key_len;
	uint8		hash[LEDGER_HASH_LEN];
} BufEntry;

/* Entries per batch tuple, and buffered at most at top level */
#define LEDGER_BATCH_MAX 65536

static LocalTransactionId buf_lxid = InvalidLocalTransactionId;
static MemoryContext buf_cxt = NULL;
static BufEntry *buf_ent = NULL;
static int	buf_n = 0;
static int	buf_max = 0;
static int	buf_nmat = 0;
static int	buf_nids = 0;		/* entries [0, buf_nids) have their id */
static StringInfoData buf_keys;
static char *flush_mem = NULL;	/* FlushBuffer's arrays, reused (buf_cxt) */
static Size flush_size = 0;
static char *flush_tup = NULL;	/* and its batch tuple */
static Size flush_tup_size = 0;
static char *buf_session_role = NULL;
static char *buf_role_name = NULL;

static void FlushBuffer(void);

static void
LedgerRelcacheCallback(Datum arg, Oid relid)
{
	(void) arg;
	relinfo_last_relid = InvalidOid;
	relinfo_last = NULL;
	if (!OidIsValid(relid) || relid == oids.row_rel || relid == oids.txn_rel ||
		relid == oids.row_seq || relid == oids.txn_seq || relid == oids.pending_rel ||
		relid == oids.due_rel)
		oids.valid = false;
	if (relinfo_cache != NULL)
	{
		if (OidIsValid(relid))
			(void) hash_search(relinfo_cache, &relid, HASH_REMOVE, NULL);
		else
		{
			hash_destroy(relinfo_cache);
			relinfo_cache = NULL;
			MemoryContextReset(relinfo_cxt);
		}
	}
}

/*
 * Forget the transaction entry when the subtransaction that wrote it rolls
 * back; hand it to the parent when that subtransaction commits.
 */
static void
LedgerSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	(void) arg;
	if (event == SUBXACT_EVENT_ABORT_SUB && buf_lxid == MyProc->lxid && buf_n > 0)
	{
		int			keep = buf_n;

		while (keep > 0 && buf_ent[keep - 1].subid >= mySubid)
			keep--;
		if (keep < buf_n)
		{
			for (int i = keep; i < buf_n; i++)
				if (buf_ent[i].matsub != InvalidSubTransactionId)
					buf_nmat--;
			buf_keys.len = buf_ent[keep].key_off;
			buf_keys.data[buf_keys.len] = '\0';
			buf_n = keep;
			buf_nids = Min(buf_nids, keep);
		}
		for (int i = 0; buf_nmat > 0 && i < buf_n; i++)
			if (buf_ent[i].matsub >= mySubid)
			{
				buf_ent[i].matsub = InvalidSubTransactionId;
				buf_nmat--;
			}
	}
	if (txn_lxid != MyProc->lxid || mySubid != txn_subid)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
		txn_lxid = InvalidLocalTransactionId;
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
		txn_subid = parentSubid;
}

/* Close what InsertEntryTuple kept open, before commit; forget it on abort. */
static void
LedgerXactCallback(XactEvent event, void *arg)
{
	(void) arg;
	if ((event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PRE_PREPARE) &&
		buf_lxid == MyProc->lxid && buf_n > buf_nmat)
		FlushBuffer();
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_COMMIT ||
		event == XACT_EVENT_PREPARE)
	{
		/* the buffer's memory went with the transaction */
		buf_lxid = InvalidLocalTransactionId;
		buf_ent = NULL;
		buf_n = buf_max = buf_nmat = buf_nids = 0;
		buf_cxt = NULL;
		flush_mem = flush_tup = NULL;
		flush_size = flush_tup_size = 0;
	}
	if (open_rel == NULL && open_due == NULL)
		return;
	if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PARALLEL_PRE_COMMIT ||
		event == XACT_EVENT_PRE_PREPARE)
	{
		ResourceOwner save = CurrentResourceOwner;

		/* each closed on its own: the queue may be opened first, or alone */
		CurrentResourceOwner = TopTransactionResourceOwner;
		if (open_rel != NULL && open_lxid == MyProc->lxid)
		{
			CatalogCloseIndexes(open_idx);
			table_close(open_rel, NoLock);
		}
		if (open_due != NULL && open_due_lxid == MyProc->lxid)
		{
			CatalogCloseIndexes(open_due_idx);
			table_close(open_due, NoLock);
		}
		CurrentResourceOwner = save;
	}
	else if (!(event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
			   event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT ||
			   event == XACT_EVENT_PREPARE))
		return;
	/* closed above, or the resource owner released the references */
	open_rel = NULL;
	open_idx = NULL;
	open_due = NULL;
	open_due_idx = NULL;
	open_due_lxid = InvalidLocalTransactionId;
	open_lxid = InvalidLocalTransactionId;
}

static void
EnsureCallbacks(void)
{
	static bool done = false;

	if (done)
		return;
	CacheRegisterRelcacheCallback(LedgerRelcacheCallback, (Datum) 0);
	RegisterSubXactCallback(LedgerSubXactCallback, NULL);
	RegisterXactCallback(LedgerXactCallback, NULL);
	relinfo_cxt = AllocSetContextCreate(CacheMemoryContext, "scsm ledger relinfo",
										ALLOCSET_SMALL_SIZES);
	done = true;
}

static Oid
ScsmRelid(Oid nsp, const char *name)
{
	Oid			relid = get_relname_relid(name, nsp);

	if (!OidIsValid(relid))
		elog(ERROR, "scsm.%s does not exist", name);
	return relid;
}

static void
LoadOids(void)
{
	Oid			nsp;

	EnsureCallbacks();
	if (oids.valid)
		return;
	nsp = get_namespace_oid("scsm", false);
	oids.row_rel = ScsmRelid(nsp, "ledger_row");
	oids.row_seq = ScsmRelid(nsp, "ledger_row_entry_id_seq");
	oids.txn_rel = ScsmRelid(nsp, "ledger_txn");
	oids.txn_seq = ScsmRelid(nsp, "ledger_txn_txn_id_seq");
	oids.pending_rel = ScsmRelid(nsp, "ledger_pending");
	oids.key_idx = ScsmRelid(nsp, "ledger_row_key_idx");
	oids.att_version = get_attnum(oids.row_rel, "version");
	oids.att_entry = get_attnum(oids.row_rel, "entry_id");
	/* created by the retention part of the install script, after the ledger */
	oids.due_rel = get_relname_relid("retention_due", nsp);
	oids.att_class = get_attnum(oids.row_rel, "retention_class");
	oids.att_basis = get_attnum(oids.row_rel, "retention_basis");
	oids.att_until = get_attnum(oids.row_rel, "retain_until");
	{
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(oids.row_rel));

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for relation %u", oids.row_rel);
		oids.owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
		ReleaseSysCache(tup);
	}
	oids.valid = true;
}

/* scsm.ledger_row, from the cache (reset by any DDL on the ledger tables). */
Oid
LedgerRowRelid(void)
{
	LoadOids();
	return oids.row_rel;
}

/*
 * Visit every entry of a key in scsm.ledger_row: an index scan by
 * (table_id, row_key), no SPI and no SQL, for the write path of versioned
 * tables, which reads a key's entries for every row written.  With a fresh
 * snapshot, as a READ COMMITTED query would read, whatever the isolation
 * level: the write may have waited for, or come after, a transaction that
 * wrote or restamped entries of the key and committed after this
 * transaction's snapshot.  Versioned entries never wait in
 * scsm.ledger_pending.
 */
static void
KeyEntries(int32 table_id, const char *row_key,
		   void (*visit) (TupleTableSlot *slot, void *arg), void *arg)
{
	Relation	rel;
	Relation	idx;
	IndexScanDesc scan;
	ScanKeyData keys[2];
	TupleTableSlot *slot;
	Snapshot	snap;

	LoadOids();
	rel = table_open(oids.row_rel, AccessShareLock);
	idx = index_open(oids.key_idx, AccessShareLock);
	ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(table_id));
	ScanKeyEntryInitialize(&keys[1], 0, 2, BTEqualStrategyNumber, InvalidOid, C_COLLATION_OID,
						   F_TEXTEQ, CStringGetTextDatum(row_key));
	slot = table_slot_create(rel, NULL);
	snap = RegisterSnapshot(GetLatestSnapshot());
	scan = index_beginscan(rel, idx, snap, 2, 0);
	index_rescan(scan, keys, 2, NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
		visit(slot, arg);
	index_endscan(scan);
	UnregisterSnapshot(snap);
	ExecDropSingleTupleTableSlot(slot);
	index_close(idx, AccessShareLock);
	table_close(rel, AccessShareLock);
}

/* What LedgerKeyLatest gathers from a key's entries */
typedef struct KeyLatest
{
	int32		version;
	int64		entry;
	RetentionStamp st;
} KeyLatest;

static void
VisitLatest(TupleTableSlot *slot, void *arg)
{
	KeyLatest  *k = (KeyLatest *) arg;
	bool		isnull;
	int32		v = DatumGetInt32(slot_getattr(slot, oids.att_version, &isnull));
	int64		e = DatumGetInt64(slot_getattr(slot, oids.att_entry, &isnull));
	Datum		d;

	if (oids.att_until != 0)
	{
		d = slot_getattr(slot, oids.att_until, &isnull);
		if (!isnull && (!k->st.has_until || DatumGetTimestampTz(d) > k->st.retain_until))
		{
			k->st.has_until = true;
			k->st.retain_until = DatumGetTimestampTz(d);
		}
	}
	/* the latest: highest version, then highest entry id */
	if (v < k->version || (v == k->version && e < k->entry))
		return;
	k->version = v;
	k->entry = e;
	if (oids.att_class != 0)
	{
		d = slot_getattr(slot, oids.att_class, &isnull);
		k->st.has_class = !isnull;
		k->st.class_id = isnull ? 0 : DatumGetInt32(d);
	}
	if (oids.att_basis != 0)
	{
		d = slot_getattr(slot, oids.att_basis, &isnull);
		k->st.has_basis = !isnull;
		k->st.basis = isnull ? 0 : DatumGetTimestampTz(d);
	}
}

/*
 * The highest version the ledger holds for a key (0 when none), that
 * entry's id and retention class and basis, and the latest retain_until of
 * any version of the key (retention hook, issue 4: an earlier stamp is a
 * floor for a new version), read by KeyEntries.  prev and prev_entry may
 * be NULL.
 */
int32
LedgerKeyLatest(int32 table_id, const char *row_key, RetentionStamp *prev, int64 *prev_entry)
{
	KeyLatest	k;

	memset(&k, 0, sizeof(k));
	KeyEntries(table_id, row_key, VisitLatest, &k);
	if (prev)
		*prev = k.st;
	if (prev_entry)
		*prev_entry = k.entry;
	return k.version;
}

/* What LedgerEntryUntil looks for */
typedef struct EntryUntil
{
	int64		entry;
	bool		found;
	TimestampTz until;
} EntryUntil;

static void
VisitUntil(TupleTableSlot *slot, void *arg)
{
	EntryUntil *u = (EntryUntil *) arg;
	bool		isnull;
	Datum		d;

	if (oids.att_until == 0 ||
		DatumGetInt64(slot_getattr(slot, oids.att_entry, &isnull)) != u->entry)
		return;
	d = slot_getattr(slot, oids.att_until, &isnull);
	u->found = !isnull;
	u->until = isnull ? 0 : DatumGetTimestampTz(d);
}

/*
 * The retain_until entry entry_id of a key has now, read by KeyEntries;
 * false when it has none.
 */
bool
LedgerEntryUntil(int32 table_id, const char *row_key, int64 entry_id, TimestampTz *until)
{
	EntryUntil	u;

	u.entry = entry_id;
	u.found = false;
	u.until = 0;
	KeyEntries(table_id, row_key, VisitUntil, &u);
	if (u.found)
		*until = u.until;
	return u.found;
}

/*
 * The role that owns the ledger tables (the extension owner), from the same
 * cache: ALTER ... OWNER of scsm.ledger_row invalidates it.
 */
Oid
LedgerOwnerId(void)
{
	LoadOids();
	return oids.owner;
}

/*
 * Queries run as the ledger's owner see pg_catalog first (and pg_temp, for
 * relations only, last): under the caller's search_path, an operator or
 * function of the caller's placed before pg_catalog would run with the
 * owner's rights.  Call after switching to the owner; returns the GUC nest
 * level for LedgerUnpinSearchPath, to call before switching back (an error
 * in between ends the nest level with its (sub)transaction).
 */
int
LedgerPinSearchPath(void)
{
	int			nest = NewGUCNestLevel();

	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return nest;
}

void
LedgerUnpinSearchPath(int nest)
{
	AtEOXact_GUC(true, nest);
}

/*
 * Run one read-only query as the ledger's owner, search_path pinned, inside
 * the caller's SPI connection; returns SPI's code (the rows in SPI_tuptable).
 */
int
LedgerReadAsOwner(const char *sql, int nargs, Oid *types, Datum *args, const char *nulls, long count)
{
	Oid			save_userid;
	int			save_sec;
	int			sp;
	int			rc;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(LedgerOwnerId(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	sp = LedgerPinSearchPath();
	rc = SPI_execute_with_args(sql, nargs, types, args, nulls, true, count);
	LedgerUnpinSearchPath(sp);
	SetUserIdAndSecContext(save_userid, save_sec);
	return rc;
}

/* Cached LedgerRelInfo of a protected table, rebuilt after any DDL on it. */
LedgerRelInfo *
LedgerCachedRelInfo(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	RelInfoEntry *e;
	bool		found;

	if (relid == relinfo_last_relid && relinfo_last != NULL)
		return relinfo_last;
	EnsureCallbacks();
	if (relinfo_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(RelInfoEntry);
		ctl.hcxt = relinfo_cxt;
		relinfo_cache = hash_create("scsm ledger relinfo", 32, &ctl,
									HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	e = hash_search(relinfo_cache, &relid, HASH_FIND, &found);
	if (!found)
	{
		MemoryContext old = MemoryContextSwitchTo(relinfo_cxt);
		LedgerRelInfo *info = LedgerGetRelInfo(rel);

		MemoryContextSwitchTo(old);
		e = hash_search(relinfo_cache, &relid, HASH_ENTER, &found);
		e->info = info;
	}
	relinfo_last_relid = relid;
	relinfo_last = e->info;
	return e->info;
}

/* Form a tuple and insert it with its index entries, as catalog rows are. */
static void
InsertTuple(Oid relid, Datum *values, bool *nulls)
{
	Relation	rel = table_open(relid, RowExclusiveLock);
	HeapTuple	tup = heap_form_tuple(RelationGetDescr(rel), values, nulls);
	CatalogIndexState indstate = CatalogOpenIndexes(rel);

	CatalogTupleInsertWithInfo(rel, tup, indstate);
	CatalogCloseIndexes(indstate);
	heap_freetuple(tup);
	table_close(rel, NoLock);
}

/*
 * The ledger_txn id of the current transaction, writing the entry on the
 * first call in the transaction: at most one small insert per transaction.
 * invoker is the role on whose behalf rows are written.
 */
static int64
TxnId(void)
{
	if (tid_lxid != MyProc->lxid)
	{
		txn_id = nextval_internal(oids.txn_seq, false);
		tid_lxid = MyProc->lxid;
	}
	return txn_id;
}

int64
LedgerCurrentTxn(void)
{
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	LoadOids();
	if (txn_lxid == MyProc->lxid && tid_lxid == MyProc->lxid)
		return txn_id;
	values[0] = Int64GetDatum(TxnId());
	values[1] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	values[2] = CStringGetTextDatum(GetUserNameFromId(GetSessionUserId(), false));
	values[3] = CStringGetTextDatum(GetUserNameFromId(GetUserId(), false));
	InsertTuple(oids.txn_rel, values, nulls);
	txn_lxid = MyProc->lxid;
	txn_subid = GetCurrentSubTransactionId();
	return txn_id;
}

/*
 * Append one ledger entry (table, key, version, row hash); returns its
 * entry id.  Direct insert: no SPI, no permission check.
 */
int64
LedgerAppendEntry(int32 table_id, const char *row_key, int32 version,
				  const uint8 *hash)
{
	return LedgerAppendEntryStamped(table_id, row_key, version, hash, NULL, NULL);
}

/*
 * scsm.retention_due and its index, opened once per transaction (as the
 * ledger's own relations) by the first entry that writes or forgets a queue
 * row.  False when the queue does not exist (before the retention part of
 * the install script).
 */
static bool
OpenDue(void)
{
	EnsureCallbacks();
	LoadOids();
	if (!OidIsValid(oids.due_rel))
		return false;
	if (open_due == NULL || open_due_lxid != MyProc->lxid)
	{
		ResourceOwner save = CurrentResourceOwner;
		MemoryContext oldcxt = MemoryContextSwitchTo(TopTransactionContext);

		CurrentResourceOwner = TopTransactionResourceOwner;
		open_due = table_open(oids.due_rel, RowExclusiveLock);
		open_due_lxid = MyProc->lxid;
		if (RelationGetDescr(open_due)->natts != 8)
			elog(ERROR, "scsm.retention_due has an unexpected shape");
		open_due_idx = CatalogOpenIndexes(open_due);
		if (open_due_idx->ri_NumIndices != 1 ||
			open_due_idx->ri_IndexRelationInfo[0]->ii_NumIndexKeyAttrs != 3)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("scsm.retention_due has an unexpected index"),
					 errhint("It has one index, on (table_id, retain_until, entry_id), as in this version's install script.")));
		CurrentResourceOwner = save;
		MemoryContextSwitchTo(oldcxt);
	}
	return true;
}

/*
 * The entry's row in the due queue of retention (scsm.retention_due), for an
 * entry with a retain_until: same transaction, same direct insert as the
 * entry itself.  Disposal lists due entries from the queue alone.
 */
static void
InsertDueRow(int64 entry, int32 table_id, Datum key, int32 version, bytea *h,
			 const RetentionStamp *stamp, ItemPointer row_tid)
{
	Datum		values[8];
	bool		nulls[8] = {false, false, false, false, false, false, false, false};
	HeapTuple	tup;

	if (!OpenDue())
		elog(ERROR, "scsm.retention_due does not exist");
	values[0] = Int32GetDatum(table_id);
	values[1] = TimestampTzGetDatum(stamp->retain_until);
	values[2] = Int64GetDatum(entry);
	values[3] = key;
	values[4] = Int32GetDatum(version);
	values[5] = PointerGetDatum(h);
	values[6] = Int32GetDatum(stamp->class_id);
	/* where the row is: disposal reads it there (and checks its hash) */
	values[7] = PointerGetDatum(row_tid);
	nulls[7] = (row_tid == NULL || !ItemPointerIsValid(row_tid));
	tup = heap_form_tuple(RelationGetDescr(open_due), values, nulls);
	CatalogTupleInsertWithInfo(open_due, tup, open_due_idx);
	heap_freetuple(tup);
}

/* scsm.retention_due, from the cache; InvalidOid when it does not exist. */
Oid
LedgerDueRelid(void)
{
	LoadOids();
	return oids.due_rel;
}

/*
 * A new version of a versioned row takes over from the one before: the
 * earlier entry (found by its table, retain_until and entry id, the
 * queue's index) leaves the due queue, so that only the latest version
 * of a key waits there.  Nothing to do when it has no queue row.
 */
void
LedgerDueForget(int32 table_id, TimestampTz retain_until, int64 entry_id)
{
	ScanKeyData key[3];
	SysScanDesc scan;
	HeapTuple	tup;

	if (!OpenDue())
		return;
	ScanKeyInit(&key[0], 1, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(table_id));
	ScanKeyInit(&key[1], 2, BTEqualStrategyNumber, F_TIMESTAMPTZ_EQ,
				TimestampTzGetDatum(retain_until));
	ScanKeyInit(&key[2], 3, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(entry_id));
	/* what this transaction wrote (the earlier version may be its own) and what is committed */
	scan = systable_beginscan(open_due, RelationGetRelid(open_due_idx->ri_IndexRelationDescs[0]),
							  true, SnapshotSelf, 3, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
		simple_heap_delete(open_due, &tup->t_self);
	systable_endscan(scan);
}

/*
 * Write one ledger_row tuple (unsealed) with its index entries, into the
 * relation kept open for the transaction.
 */
static void
InsertEntryRow(int64 entry, int64 txn, int32 table_id, const char *row_key,
			   int key_len, int32 version, const uint8 *hash,
			   const RetentionStamp *stamp, ItemPointer row_tid)
{
	Datum	   *values;
	bool	   *nulls;
	int			natts;
	bytea	   *h = LedgerHashBytea(hash);

	if (open_rel == NULL || open_lxid != MyProc->lxid)
	{
		ResourceOwner save = CurrentResourceOwner;
		MemoryContext oldcxt = MemoryContextSwitchTo(TopTransactionContext);

		CurrentResourceOwner = TopTransactionResourceOwner;
		open_rel = table_open(oids.row_rel, RowExclusiveLock);
		open_idx = CatalogOpenIndexes(open_rel);
		open_lxid = MyProc->lxid;
		CurrentResourceOwner = save;
		MemoryContextSwitchTo(oldcxt);
	}
	natts = RelationGetDescr(open_rel)->natts;
	values = palloc0(sizeof(Datum) * natts);
	nulls = palloc(sizeof(bool) * natts);
	for (int i = 0; i < natts; i++)
		nulls[i] = true;

	values[0] = Int64GetDatum(entry);
	values[1] = Int64GetDatum(txn);
	values[2] = Int32GetDatum(table_id);
	values[3] = PointerGetDatum(cstring_to_text_with_len(row_key, key_len));
	values[4] = Int32GetDatum(version);
	values[5] = PointerGetDatum(h);
	for (int i = 0; i < 6; i++)
		nulls[i] = false;
	/* 6, 7: block_id, leaf_index, set by the sealer */
	if (stamp != NULL && stamp->has_class && oids.att_class > 0)
	{
		values[oids.att_class - 1] = Int32GetDatum(stamp->class_id);
		nulls[oids.att_class - 1] = false;
	}
	if (stamp != NULL && stamp->has_basis && oids.att_basis > 0)
	{
		values[oids.att_basis - 1] = TimestampTzGetDatum(stamp->basis);
		nulls[oids.att_basis - 1] = false;
	}
	if (stamp != NULL && stamp->has_until && oids.att_until > 0)
	{
		values[oids.att_until - 1] = TimestampTzGetDatum(stamp->retain_until);
		nulls[oids.att_until - 1] = false;
	}
	{
		HeapTuple	tup = heap_form_tuple(RelationGetDescr(open_rel), values, nulls);

		CatalogTupleInsertWithInfo(open_rel, tup, open_idx);
		heap_freetuple(tup);
	}
	if (stamp != NULL && stamp->has_until && stamp->has_class)
		InsertDueRow(entry, table_id, values[3], version, h, stamp, row_tid);
	pfree(DatumGetPointer(values[3]));
	pfree(h);
	pfree(values);
	pfree(nulls);
}

/*
 * Retention hook (issue 4): the same, with the row's retention stamp
 * (retention_class, retention_basis, retain_until; NULL when stamp is NULL
 * or says so) in the same entry, so retention adds no write of its own.
 */
int64
LedgerAppendEntryStamped(int32 table_id, const char *row_key, int32 version,
						 const uint8 *hash, const RetentionStamp *stamp,
						 ItemPointer row_tid)
{
	int64		txn = LedgerCurrentTxn();
	int64		entry = nextval_internal(oids.row_seq, false);

	InsertEntryRow(entry, txn, table_id, row_key, strlen(row_key), version,
				   hash, stamp, row_tid);
	return entry;
}

/* nextval_internal's WAL look-ahead and the sequence page's magic number */
#define LEDGER_SEQ_LOG_VALS 32
#define LEDGER_SEQ_MAGIC	0x1717

/*
 * Take n consecutive values of scsm.ledger_row_entry_id_seq at once and
 * return the first, or -1 when the sequence does not count in steps of 1
 * (then the caller takes them one by one).  This is nextval_internal's
 * update of the sequence page for n values in one go: same buffer lock,
 * same WAL record (XLOG_SEQ_LOG, logged LEDGER_SEQ_LOG_VALS values ahead),
 * so a concurrent nextval() and crash recovery see an ordinary sequence.
 */
static int64
ReserveEntryIds(int64 n)
{
	HeapTuple	pgstup;
	int64		incby,
				maxv;
	Relation	seqrel;
	Buffer		buf;
	Page		page;
	ItemId		lp;
	HeapTupleData tup;
	Form_pg_sequence_data seq;
	int64		first,
				last,
				logged,
				log;
	bool		logit = false;

	if (n < 2)
		return -1;
	pgstup = SearchSysCache1(SEQRELID, ObjectIdGetDatum(oids.row_seq));
	if (!HeapTupleIsValid(pgstup))
		elog(ERROR, "cache lookup failed for sequence %u", oids.row_seq);
	incby = ((Form_pg_sequence) GETSTRUCT(pgstup))->seqincrement;
	maxv = ((Form_pg_sequence) GETSTRUCT(pgstup))->seqmax;
	ReleaseSysCache(pgstup);
	if (incby != 1)
		return -1;

	seqrel = relation_open(oids.row_seq, RowExclusiveLock);
	buf = ReadBuffer(seqrel, 0);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	if (*((uint32 *) PageGetSpecialPointer(page)) != LEDGER_SEQ_MAGIC)
		elog(ERROR, "bad magic number in sequence \"%s\"", RelationGetRelationName(seqrel));
	lp = PageGetItemId(page, FirstOffsetNumber);
	tup.t_data = (HeapTupleHeader) PageGetItem(page, lp);
	tup.t_len = ItemIdGetLength(lp);
	/* as read_seq_tuple: a sequence tuple never carries a valid xmax */
	if (HeapTupleHeaderGetRawXmax(tup.t_data) != InvalidTransactionId)
	{
		HeapTupleHeaderSetXmax(tup.t_data, InvalidTransactionId);
		tup.t_data->t_infomask &= ~HEAP_XMAX_COMMITTED;
		tup.t_data->t_infomask |= HEAP_XMAX_INVALID;
		MarkBufferDirtyHint(buf, true);
	}
	seq = (Form_pg_sequence_data) GETSTRUCT(&tup);
	first = seq->is_called ? seq->last_value + 1 : seq->last_value;
	if (first > maxv || maxv - first < n - 1)
	{
		UnlockReleaseBuffer(buf);
		relation_close(seqrel, NoLock);
		ereport(ERROR,
				(errcode(ERRCODE_SEQUENCE_GENERATOR_LIMIT_EXCEEDED),
				 errmsg("scsm.ledger_row_entry_id_seq reached its maximum value")));
	}
	last = first + n - 1;
	log = seq->log_cnt;
	if (!seq->is_called || log < n)
		logit = true;
	else if (PageGetLSN(page) <= GetRedoRecPtr())
		logit = true;		/* first change since the last checkpoint */
	logged = last;
	if (logit)
	{
		logged = (maxv - last < LEDGER_SEQ_LOG_VALS) ? maxv : last + LEDGER_SEQ_LOG_VALS;
		log = logged - last;
	}
	else
		log -= n;
	if (logit && RelationNeedsWAL(seqrel))
		GetTopTransactionId();

	START_CRIT_SECTION();
	MarkBufferDirty(buf);
	if (logit && RelationNeedsWAL(seqrel))
	{
		xl_seq_rec	xlrec;
		XLogRecPtr	recptr;

		XLogBeginInsert();
		XLogRegisterBuffer(0, buf, REGBUF_WILL_INIT);
		/* the state after the logged look-ahead, as nextval_internal logs it */
		seq->last_value = logged;
		seq->is_called = true;
		seq->log_cnt = 0;
		xlrec.node = seqrel->rd_node;
		XLogRegisterData((char *) &xlrec, sizeof(xl_seq_rec));
		XLogRegisterData((char *) tup.t_data, tup.t_len);
		recptr = XLogInsert(RM_SEQ_ID, XLOG_SEQ_LOG);
		PageSetLSN(page, recptr);
	}
	seq->last_value = last;
	seq->is_called = true;
	seq->log_cnt = log;
	END_CRIT_SECTION();

	UnlockReleaseBuffer(buf);
	relation_close(seqrel, NoLock);
	return first;
}

/*
 * Give the buffered entries that have none their entry ids, in buffer
 * order: needed before they are written or shown.
 */
static void
AssignIds(void)
{
	int			n = buf_n - buf_nids;
	int64		first;

	if (n <= 0)
		return;
	first = ReserveEntryIds(n);
	for (int i = 0; i < n; i++)
		buf_ent[buf_nids + i].entry_id =
			first > 0 ? first + i : nextval_internal(oids.row_seq, false);
	buf_nids = buf_n;
}

/*
 * The fast path: buffer an append-only entry (version 1, no retention
 * stamp) in backend memory; it reaches scsm.ledger_pending at pre-commit.
 * Its entry id is taken later, with those of the other buffered entries
 * (AssignIds): one sequence access for all instead of one per row.
 */
void
LedgerBufferEntry(int32 table_id, const char *row_key, const uint8 *hash)
{
	BufEntry   *e;
	int			len = strlen(row_key);

	LoadOids();
	if (buf_lxid != MyProc->lxid)
	{
		MemoryContext old;

		buf_cxt = AllocSetContextCreate(TopTransactionContext, "scsm ledger buffer",
										ALLOCSET_DEFAULT_SIZES);
		old = MemoryContextSwitchTo(buf_cxt);
		buf_max = 64;
		buf_ent = palloc(sizeof(BufEntry) * buf_max);
		buf_n = buf_nmat = buf_nids = 0;
		initStringInfo(&buf_keys);
		/* who writes: as LedgerCurrentTxn records it, at the first entry */
		buf_session_role = GetUserNameFromId(GetSessionUserId(), false);
		buf_role_name = GetUserNameFromId(GetUserId(), false);
		MemoryContextSwitchTo(old);
		buf_lxid = MyProc->lxid;
	}
	if (buf_n == buf_max)
	{
		buf_max *= 2;
		buf_ent = repalloc_huge(buf_ent, sizeof(BufEntry) * buf_max);
	}
	e = &buf_ent[buf_n];
	e->entry_id = 0;			/* AssignIds */
	e->table_id = table_id;
	e->subid = GetCurrentSubTransactionId();
	e->matsub = InvalidSubTransactionId;
	e->key_off = buf_keys.len;
	e->key_len = len;
	memcpy(e->hash, hash, LEDGER_HASH_LEN);
	appendBinaryStringInfo(&buf_keys, row_key, len);
	buf_n++;
	(void) TxnId();

	/*
	 * At top level every buffered entry belongs to the transaction itself,
	 * so a full buffer can go to the pending table now (a rollback takes
	 * the batch tuple with it); inside a subtransaction it waits.
	 */
	if (buf_n >= LEDGER_BATCH_MAX && GetCurrentTransactionNestLevel() == 1)
		FlushBuffer();
}

/*
 * A one-dimensional array of n elements without NULLs at mem, whose data
 * (datalen bytes, laid out as construct_array would) the caller fills in:
 * the batch arrays are built in place, without a Datum and a palloc per
 * element.  Returns the first byte after the array.
 */
static char *
NewArrayAt(char *mem, Oid elemtype, int n, Size datalen, ArrayType **arr)
{
	Size		nbytes = ARR_OVERHEAD_NONULLS(1) + datalen;
	ArrayType  *a = (ArrayType *) mem;

	if (!AllocSizeIsValid(nbytes))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("ledger batch too large")));
	memset(a, 0, ARR_OVERHEAD_NONULLS(1));
	SET_VARSIZE(a, nbytes);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = elemtype;
	ARR_DIMS(a)[0] = n;
	ARR_LBOUND(a)[0] = 1;
	*arr = a;
	return mem + MAXALIGN(nbytes);
}

/*
 * heap_form_tuple for a tuple without NULLs, in memory kept for the
 * transaction (*mem, *size) instead of fresh memory: a batch tuple holds
 * megabytes before the toaster moves its arrays out of line, and fresh
 * memory for every batch of a bulk load costs page faults.
 */
static HeapTuple
FormBatchTuple(TupleDesc desc, Datum *values, bool *nulls, char **mem, Size *size)
{
	Size		hoff = MAXALIGN(SizeofHeapTupleHeader);
	Size		data_len = heap_compute_data_size(desc, values, nulls);
	Size		len = hoff + data_len;
	HeapTuple	tuple;
	HeapTupleHeader td;

	for (int i = 0; i < desc->natts; i++)
		if (nulls[i])
			elog(ERROR, "unexpected NULL in a ledger batch");
	if (HEAPTUPLESIZE + len > *size)
	{
		if (*mem != NULL)
			pfree(*mem);
		*mem = MemoryContextAllocHuge(buf_cxt, HEAPTUPLESIZE + len);
		*size = HEAPTUPLESIZE + len;
	}
	memset(*mem, 0, HEAPTUPLESIZE + len);
	tuple = (HeapTuple) *mem;
	td = (HeapTupleHeader) (*mem + HEAPTUPLESIZE);
	tuple->t_data = td;
	tuple->t_len = len;
	ItemPointerSetInvalid(&(tuple->t_self));
	tuple->t_tableOid = InvalidOid;
	HeapTupleHeaderSetDatumLength(td, len);
	HeapTupleHeaderSetTypeId(td, desc->tdtypeid);
	HeapTupleHeaderSetTypMod(td, desc->tdtypmod);
	HeapTupleHeaderSetNatts(td, desc->natts);
	td->t_hoff = hoff;
	heap_fill_tuple(desc, values, nulls, (char *) td + hoff, data_len,
					&td->t_infomask, NULL);
	return tuple;
}

/*
 * Write the buffered entries not yet in ledger_row as batch tuples of
 * scsm.ledger_pending (LEDGER_BATCH_MAX entries at most each) and empty
 * the buffer.  Called at pre-commit and when the buffer is full.  The
 * arrays are built in memory kept for the transaction (a bulk load flushes
 * many batches; fresh memory for each costs page faults).
 */
static void
FlushBuffer(void)
{
	ResourceOwner save = CurrentResourceOwner;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "scsm ledger flush",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Relation	rel;
	int			i = 0;
	bool		written = (txn_lxid == MyProc->lxid);

	CurrentResourceOwner = TopTransactionResourceOwner;
	AssignIds();
	rel = table_open(oids.pending_rel, RowExclusiveLock);
	if (RelationGetDescr(rel)->natts != 10)
		elog(ERROR, "scsm.ledger_pending has an unexpected shape");
	while (i < buf_n)
	{
		int			n = 0;
		int			j;
		Size		keybytes = 0;
		Size		need;
		ArrayType  *ids,
				   *tids,
				   *keys,
				   *hashes;
		char	   *mem,
				   *pi,
				   *pt,
				   *pk,
				   *ph;
		Datum		values[10];
		bool		nulls[10] = {false};
		HeapTuple	tup;

		/* the next batch: up to LEDGER_BATCH_MAX entries not yet written */
		for (j = i; j < buf_n && n < LEDGER_BATCH_MAX; j++)
		{
			if (buf_ent[j].matsub != InvalidSubTransactionId)
				continue;
			keybytes += INTALIGN(VARHDRSZ + buf_ent[j].key_len);
			n++;
		}
		if (n == 0)
			break;
		need = 4 * MAXALIGN(ARR_OVERHEAD_NONULLS(1)) + MAXALIGN(sizeof(int64) * n) +
			MAXALIGN(sizeof(int32) * n) + MAXALIGN(keybytes) +
			MAXALIGN((Size) (VARHDRSZ + LEDGER_HASH_LEN) * n);
		if (need > flush_size)
		{
			if (flush_mem != NULL)
				pfree(flush_mem);
			flush_mem = MemoryContextAllocHuge(buf_cxt, need);
			flush_size = need;
		}
		mem = flush_mem;
		mem = NewArrayAt(mem, INT8OID, n, sizeof(int64) * n, &ids);
		mem = NewArrayAt(mem, INT4OID, n, sizeof(int32) * n, &tids);
		mem = NewArrayAt(mem, TEXTOID, n, keybytes, &keys);
		(void) NewArrayAt(mem, BYTEAOID, n, (Size) (VARHDRSZ + LEDGER_HASH_LEN) * n, &hashes);
		pi = ARR_DATA_PTR(ids);
		pt = ARR_DATA_PTR(tids);
		pk = ARR_DATA_PTR(keys);
		ph = ARR_DATA_PTR(hashes);
		for (; i < j; i++)
		{
			BufEntry   *e = &buf_ent[i];
			int			klen = VARHDRSZ + e->key_len;

			if (e->matsub != InvalidSubTransactionId)
				continue;
			memcpy(pi, &e->entry_id, sizeof(int64));
			pi += sizeof(int64);
			memcpy(pt, &e->table_id, sizeof(int32));
			pt += sizeof(int32);
			SET_VARSIZE(pk, klen);
			memcpy(pk + VARHDRSZ, buf_keys.data + e->key_off, e->key_len);
			/* alignment padding as construct_array leaves it: zeroes */
			memset(pk + klen, 0, INTALIGN(klen) - klen);
			pk += INTALIGN(klen);
			SET_VARSIZE(ph, VARHDRSZ + LEDGER_HASH_LEN);
			memcpy(ph + VARHDRSZ, e->hash, LEDGER_HASH_LEN);
			ph += VARHDRSZ + LEDGER_HASH_LEN;
		}
		values[0] = Int64GetDatum(txn_id);
		values[1] = Int64GetDatum(*(int64 *) ARR_DATA_PTR(ids));
		values[2] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
		values[3] = CStringGetTextDatum(buf_session_role);
		values[4] = CStringGetTextDatum(buf_role_name);
		values[5] = BoolGetDatum(written);
		values[6] = PointerGetDatum(ids);
		values[7] = PointerGetDatum(tids);
		values[8] = PointerGetDatum(keys);
		values[9] = PointerGetDatum(hashes);
		tup = FormBatchTuple(RelationGetDescr(rel), values, nulls, &flush_tup, &flush_tup_size);
		simple_heap_insert(rel, tup);
		MemoryContextReset(cxt);
	}
	table_close(rel, NoLock);
	CurrentResourceOwner = save;
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	buf_n = buf_nmat = buf_nids = 0;
	resetStringInfo(&buf_keys);
}

/*
 * Make the unsealed entries of one table visible in scsm.ledger_row itself,
 * for code that reads ledger_row directly (the disposal door): this
 * backend's buffered entries are written as ledger_row rows, and committed
 * batches of scsm.ledger_pending that hold entries of the table are
 * expanded into ledger_row (unsealed; the sealer seals them as any other).
 * Runs as the ledger owner; waits for a running sealer.
 */
void
LedgerDrainPending(Oid relid)
{
	Oid			save_userid;
	int			save_sec;
	int			sp;				/* LedgerPinSearchPath */
	Oid			argt[1] = {OIDOID};
	Datum		args[1];

	LoadOids();
	if (buf_lxid == MyProc->lxid && buf_n > buf_nmat)
	{
		int64		txn = LedgerCurrentTxn();

		AssignIds();
		for (int i = 0; i < buf_n; i++)
		{
			BufEntry   *e = &buf_ent[i];

			if (e->matsub != InvalidSubTransactionId)
				continue;
			InsertEntryRow(e->entry_id, txn, e->table_id, buf_keys.data + e->key_off,
						   e->key_len, 1, e->hash, NULL, NULL);
			e->matsub = GetCurrentSubTransactionId();
			buf_nmat++;
		}
	}
	args[0] = ObjectIdGetDatum(relid);
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(LedgerOwnerId(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	sp = LedgerPinSearchPath();
	SPI_connect();
	if (SPI_execute_with_args("SELECT scsm.ledger_drain($1::pg_catalog.regclass)", 1, argt, args, NULL,
							  false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not drain scsm.ledger_pending");
	SPI_finish();
	LedgerUnpinSearchPath(sp);
	SetUserIdAndSecContext(save_userid, save_sec);
}

PG_FUNCTION_INFO_V1(scsm_ledger_own_entries);

/*
 * scsm.ledger_own_entries(): the entries this backend has buffered for its
 * current transaction and not written anywhere yet, as ledger_row rows; a
 * branch of the scsm.ledger_entry view, so a transaction sees its own
 * unsealed entries wherever it reads them.
 */
Datum
scsm_ledger_own_entries(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	if (buf_lxid != MyProc->lxid)
		return (Datum) 0;
	AssignIds();
	for (int i = 0; i < buf_n; i++)
	{
		BufEntry   *e = &buf_ent[i];
		Datum		values[8];
		bool		nulls[8] = {false, false, false, false, false, false, true, true};
		bytea	   *h;

		if (e->matsub != InvalidSubTransactionId)
			continue;
		h = LedgerHashBytea(e->hash);
		values[0] = Int64GetDatum(e->entry_id);
		values[1] = Int64GetDatum(txn_id);
		values[2] = Int32GetDatum(e->table_id);
		values[3] = PointerGetDatum(cstring_to_text_with_len(buf_keys.data + e->key_off,
															 e->key_len));
		values[4] = Int32GetDatum(1);
		values[5] = PointerGetDatum(h);
		values[6] = values[7] = (Datum) 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
