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
#include "access/genam.h"
#include "access/heapam.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "commands/sequence.h"
#include "executor/executor.h"
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
#include "retention.h"

typedef struct LedgerOids
{
	bool		valid;
	Oid			row_rel;
	Oid			row_seq;
	Oid			txn_rel;
	Oid			txn_seq;
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

/*
 * scsm.ledger_row with its indexes, opened once per transaction under the
 * top transaction's resource owner and closed at pre-commit, so a bulk
 * INSERT does not reopen relation and indexes for every row.
 */
static LocalTransactionId open_lxid = InvalidLocalTransactionId;
static Relation open_rel = NULL;
static CatalogIndexState open_idx = NULL;

/*
 * Retention (issue 4) adds a partial index on ledger_row (the due index,
 * WHERE retain_until IS NOT NULL), which catalog-style index inserts do not
 * evaluate: the entry's index entries are made here, with each index's
 * predicate checked in a small executor state kept with the open relation.
 */
static EState *open_estate = NULL;
static TupleTableSlot *open_slot = NULL;
static ExprState **open_preds = NULL;

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
			ExecDropSingleTupleTableSlot(open_slot);
			FreeExecutorState(open_estate);
			CatalogCloseIndexes(open_idx);
			table_close(open_rel, NoLock);
			CurrentResourceOwner = save;
		}
		open_rel = NULL;
		open_idx = NULL;
		open_estate = NULL;
		open_slot = NULL;
		open_preds = NULL;
		open_lxid = InvalidLocalTransactionId;
	}
	else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
			 event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT ||
			 event == XACT_EVENT_PREPARE)
	{
		/* the resource owner released the references */
		open_rel = NULL;
		open_idx = NULL;
		open_estate = NULL;
		open_slot = NULL;
		open_preds = NULL;
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
	oids.att_class = get_attnum(oids.row_rel, "retention_class");
	oids.att_basis = get_attnum(oids.row_rel, "retention_basis");
	oids.att_until = get_attnum(oids.row_rel, "retain_until");
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
 * Insert the index entries of a new ledger entry, as the executor would:
 * an index whose predicate the entry does not satisfy gets none.
 */
static void
InsertEntryIndexes(HeapTuple tup)
{
	ResultRelInfo *ri = open_idx;
	ExprContext *econtext = GetPerTupleExprContext(open_estate);
	Datum		values[INDEX_MAX_KEYS];
	bool		isnull[INDEX_MAX_KEYS];

	ExecStoreHeapTuple(tup, open_slot, false);
	econtext->ecxt_scantuple = open_slot;
	for (int i = 0; i < ri->ri_NumIndices; i++)
	{
		IndexInfo  *ii = ri->ri_IndexRelationInfo[i];

		if (ii->ii_Predicate != NIL)
		{
			if (open_preds[i] == NULL)
			{
				MemoryContext old = MemoryContextSwitchTo(open_estate->es_query_cxt);

				open_preds[i] = ExecPrepareQual(ii->ii_Predicate, open_estate);
				MemoryContextSwitchTo(old);
			}
			if (!ExecQual(open_preds[i], econtext))
				continue;
		}
		FormIndexDatum(ii, open_slot, open_estate, values, isnull);
		index_insert(ri->ri_IndexRelationDescs[i], values, isnull, &tup->t_self,
					 open_rel, ii->ii_Unique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO,
					 false, ii);
	}
	ExecClearTuple(open_slot);
	ResetExprContext(econtext);
}

/*
 * Append one ledger entry (table, key, version, row hash); returns its
 * entry id.  Direct insert: no SPI, no permission check.
 */
int64
LedgerAppendEntry(int32 table_id, const char *row_key, int32 version,
				  const uint8 *hash)
{
	return LedgerAppendEntryStamped(table_id, row_key, version, hash, NULL);
}

/*
 * Retention hook (issue 4): the same, with the row's retention stamp
 * (retention_class, retention_basis, retain_until; NULL when stamp is NULL
 * or says so) in the same entry, so retention adds no write of its own.
 */
int64
LedgerAppendEntryStamped(int32 table_id, const char *row_key, int32 version,
						 const uint8 *hash, const RetentionStamp *stamp)
{
	Datum	   *values;
	bool	   *nulls;
	int			natts;
	bytea	   *h = palloc(VARHDRSZ + LEDGER_HASH_LEN);
	int64		entry;
	int64		txn = LedgerCurrentTxn();

	if (open_rel == NULL || open_lxid != MyProc->lxid)
	{
		ResourceOwner save = CurrentResourceOwner;
		MemoryContext oldcxt = MemoryContextSwitchTo(TopTransactionContext);

		CurrentResourceOwner = TopTransactionResourceOwner;
		open_rel = table_open(oids.row_rel, RowExclusiveLock);
		open_idx = CatalogOpenIndexes(open_rel);
		open_estate = CreateExecutorState();
		open_slot = MakeSingleTupleTableSlot(RelationGetDescr(open_rel), &TTSOpsHeapTuple);
		open_preds = palloc0(sizeof(ExprState *) * Max(open_idx->ri_NumIndices, 1));
		open_lxid = MyProc->lxid;
		CurrentResourceOwner = save;
		MemoryContextSwitchTo(oldcxt);
	}
	natts = RelationGetDescr(open_rel)->natts;
	values = palloc0(sizeof(Datum) * natts);
	nulls = palloc(sizeof(bool) * natts);
	for (int i = 0; i < natts; i++)
		nulls[i] = true;

	SET_VARSIZE(h, VARHDRSZ + LEDGER_HASH_LEN);
	memcpy(VARDATA(h), hash, LEDGER_HASH_LEN);
	entry = nextval_internal(oids.row_seq, false);
	values[0] = Int64GetDatum(entry);
	values[1] = Int64GetDatum(txn);
	values[2] = Int32GetDatum(table_id);
	values[3] = CStringGetTextDatum(row_key);
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

		simple_heap_insert(open_rel, tup);
		InsertEntryIndexes(tup);
		heap_freetuple(tup);
	}
	pfree(h);
	pfree(values);
	pfree(nulls);
	return entry;
}
