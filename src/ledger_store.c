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
 * makes this path equivalent to an INSERT.
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
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "commands/sequence.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"

#include "ledger.h"

typedef struct LedgerOids
{
	bool		valid;
	Oid			row_rel;
	Oid			row_seq;
	Oid			txn_rel;
	Oid			txn_seq;
} LedgerOids;

static LedgerOids oids = {false};

typedef struct RelInfoEntry
{
	Oid			relid;			/* hash key */
	LedgerRelInfo *info;
} RelInfoEntry;

static HTAB *relinfo_cache = NULL;
static MemoryContext relinfo_cxt = NULL;

/*
 * scsm.ledger_row with its indexes, opened once per transaction under the
 * top transaction's resource owner and closed at pre-commit, so a bulk
 * INSERT does not reopen relation and indexes for every row.
 */
static LocalTransactionId open_lxid = InvalidLocalTransactionId;
static Relation open_rel = NULL;
static CatalogIndexState open_idx = NULL;

/* The transaction entry of this backend's current transaction. */
static LocalTransactionId txn_lxid = InvalidLocalTransactionId;
static SubTransactionId txn_subid = InvalidSubTransactionId;
static int64 txn_id = 0;

static void
LedgerRelcacheCallback(Datum arg, Oid relid)
{
	(void) arg;
	if (!OidIsValid(relid) || relid == oids.row_rel || relid == oids.txn_rel ||
		relid == oids.row_seq || relid == oids.txn_seq)
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
	if (open_rel == NULL)
		return;
	if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PARALLEL_PRE_COMMIT ||
		event == XACT_EVENT_PRE_PREPARE)
	{
		if (open_lxid == MyProc->lxid)
		{
			ResourceOwner save = CurrentResourceOwner;

			CurrentResourceOwner = TopTransactionResourceOwner;
			CatalogCloseIndexes(open_idx);
			table_close(open_rel, NoLock);
			CurrentResourceOwner = save;
		}
		open_rel = NULL;
		open_idx = NULL;
		open_lxid = InvalidLocalTransactionId;
	}
	else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
			 event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT ||
			 event == XACT_EVENT_PREPARE)
	{
		/* the resource owner released the references */
		open_rel = NULL;
		open_idx = NULL;
		open_lxid = InvalidLocalTransactionId;
	}
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
	oids.valid = true;
}

/* Cached LedgerRelInfo of a protected table, rebuilt after any DDL on it. */
LedgerRelInfo *
LedgerCachedRelInfo(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	RelInfoEntry *e;
	bool		found;

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
int64
LedgerCurrentTxn(void)
{
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	LoadOids();
	if (txn_lxid == MyProc->lxid && txn_id != 0)
		return txn_id;
	txn_id = nextval_internal(oids.txn_seq, false);
	values[0] = Int64GetDatum(txn_id);
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
	Datum		values[8];
	bool		nulls[8] = {false, false, false, false, false, false, true, true};
	bytea	   *h = palloc(VARHDRSZ + LEDGER_HASH_LEN);
	int64		entry;
	int64		txn = LedgerCurrentTxn();

	SET_VARSIZE(h, VARHDRSZ + LEDGER_HASH_LEN);
	memcpy(VARDATA(h), hash, LEDGER_HASH_LEN);
	entry = nextval_internal(oids.row_seq, false);
	values[0] = Int64GetDatum(entry);
	values[1] = Int64GetDatum(txn);
	values[2] = Int32GetDatum(table_id);
	values[3] = CStringGetTextDatum(row_key);
	values[4] = Int32GetDatum(version);
	values[5] = PointerGetDatum(h);
	values[6] = (Datum) 0;		/* block_id: set by the sealer */
	values[7] = (Datum) 0;		/* leaf_index */
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
	{
		HeapTuple	tup = heap_form_tuple(RelationGetDescr(open_rel), values, nulls);

		CatalogTupleInsertWithInfo(open_rel, tup, open_idx);
		heap_freetuple(tup);
	}
	pfree(h);
	return entry;
}
