/*-------------------------------------------------------------------------
 *
 * ledger.h
 *	  Declarations shared by the ledger files of scsm: canonical row
 *	  encoding and hashing, ledger triggers, Merkle trees, the DDL guard,
 *	  the disposal door and the sealing background worker.
 *
 * The SQL side (tables scsm.ledger_*, scsm.protect, sealing, verification)
 * lives in sql/install/70_ledger.sql; docs/ledger.md documents the formats.
 *
 * src/ledger.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCSM_LEDGER_H
#define SCSM_LEDGER_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "lib/stringinfo.h"
#include "storage/lock.h"
#include "utils/relcache.h"

#define LEDGER_HASH_LEN		32	/* SHA-256 */
#define LEDGER_ROW_MAGIC	"SCSMROW1"
#define LEDGER_BLOCK_MAGIC	"SCSMBLK1"

/* Offset between the PostgreSQL epoch (2000-01-01) and the Unix epoch */
#define LEDGER_UNIX_EPOCH_USECS INT64CONST(946684800000000)
#define LEDGER_UNIX_EPOCH_DAYS	10957

/*
 * SQLSTATE of every refusal by the ledger guard (UPDATE/DELETE/TRUNCATE of
 * an append-only table, DROP or rewriting ALTER of a protected table):
 * 55000 object_not_in_prerequisite_state.  Privilege refusals use 42501.
 */
#define ERRCODE_LEDGER_REFUSED ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE

/* ledger_hash.c: canonical encoding (format v1) and SHA-256 */
extern void LedgerSha256(const void *data, size_t len, uint8 *out);
struct LedgerFieldOrder;
extern void LedgerHashRow(const char *nspname, const char *relname,
						  TupleDesc rowdesc, HeapTuple tuple,
						  TupleDesc filterdesc,
						  struct LedgerFieldOrder *order, uint8 *out);
extern void LedgerEncodeRow(StringInfo buf, const char *nspname,
							const char *relname, TupleDesc rowdesc,
							HeapTuple tuple, TupleDesc filterdesc,
							struct LedgerFieldOrder *order);
/* Columns to encode, sorted by UTF-8 name (format v1) */
typedef struct LedgerFieldOrder
{
	int			n;
	int		   *attno;			/* 0-based */
	char	  **name;			/* UTF-8 */
	int		   *namelen;
	Oid		   *typid;
	/* worked out once, so that encoding a row needs no catalog look-up */
	char	  **field;			/* each name as encoded: 4-byte length, bytes */
	uint8	   *kind;			/* how the value is encoded (ledger_hash.c) */
	int			natts;			/* of the descriptor the order was built for */
	Datum	   *values;			/* scratch for deforming a row */
	bool	   *isnull;
	LocalTransactionId busy;	/* scratch in use in this transaction */
	/* the encoded row's start (magic, schema, table) for these names */
	char	   *prefix;
	int			prefixlen;
	char	   *prefix_nsp;
	char	   *prefix_rel;
} LedgerFieldOrder;

typedef struct LedgerRelInfo
{
	Oid			relid;
	char	   *nspname;
	char	   *relname;
	TupleDesc	desc;			/* copy of the table's descriptor */
	int			npk;
	char	  **pknames;
	Oid		   *pktypes;
	AttrNumber *pkattnos;		/* 1-based, in the table's own descriptor */
	char	  **pkfield;		/* ',"name":' as the key text has it (none first) */
	int		   *pkfieldlen;		/* their lengths */
	Size		pkintcap;		/* all key columns smallint/integer/bigint: the
								 * longest key text + 1; else 0 */
	Oid			reltype;		/* the table's row type */
	LedgerFieldOrder *order;	/* encoding order of the table's own rows */
	bool		ext_member;		/* the table belongs to an extension */
	Oid			relowner;
} LedgerRelInfo;

extern LedgerFieldOrder *LedgerBuildFieldOrder(TupleDesc desc, TupleDesc filterdesc);

extern LedgerRelInfo *LedgerGetRelInfo(Relation rel);
extern Relation LedgerOpenArgRelation(Oid relid, LOCKMODE lockmode);
extern LedgerRelInfo *LedgerGetRelInfoById(Oid relid);
extern bool LedgerTableEntry(const char *nspname, const char *relname,
							 int32 *table_id, char **mode, char **history);
extern LedgerRelInfo *LedgerCachedRelInfo(Relation rel);
extern char *LedgerCanonicalKey(LedgerRelInfo *info, Datum keyjson);
extern char *LedgerKeyPredicate(LedgerRelInfo *info, const char *alias,
								const char *keyexpr);
extern char *LedgerRowKey(LedgerRelInfo *info, TupleDesc rowdesc, HeapTuple tuple);
extern void LedgerKeyAppend(StringInfo buf, const char *name, Datum v,
							bool isnull, Oid typid);
extern char *LedgerKeyValueText(Datum value, Oid typid);
extern void LedgerCheckKeyType(Oid typid, const char *colname);

/* ledger_merkle.c: a hash as bytea; the RFC 9162 root leaf by leaf (leaves
 * pushed in leaf order) */
extern bytea *LedgerHashBytea(const uint8 *h);
typedef struct LedgerMerkleStream
{
	int			depth;			/* perfect subtrees on the stack */
	int64		n;				/* leaves pushed */
	int64		size[64];		/* leaves under each subtree, decreasing */
	uint8		node[64][LEDGER_HASH_LEN];
} LedgerMerkleStream;
extern void LedgerMerkleStreamInit(LedgerMerkleStream *s);
extern void LedgerMerkleStreamPush(LedgerMerkleStream *s, const uint8 *rowhash);
extern void LedgerMerkleStreamFinish(const LedgerMerkleStream *s, uint8 *out);

/* ledger_store.c: direct writes of ledger entries */
extern int64 LedgerAppendEntry(int32 table_id, const char *row_key,
							   int32 version, const uint8 *hash);
/* retention hook (issue 4): the entry with its retention stamp */
struct RetentionStamp;
extern int64 LedgerAppendEntryStamped(int32 table_id, const char *row_key,
									  int32 version, const uint8 *hash,
									  const struct RetentionStamp *stamp,
									  ItemPointer row_tid);
extern int64 LedgerCurrentTxn(void);
extern Oid	LedgerRowRelid(void);
/* a key's latest version, its entry and stamp (versioned write path) */
extern int32 LedgerKeyLatest(int32 table_id, const char *row_key,
							 struct RetentionStamp *prev, int64 *prev_entry);
extern bool LedgerEntryUntil(int32 table_id, const char *row_key, int64 entry_id,
							 TimestampTz *until);
/* retention's due queue (scsm.retention_due), written with the entries */
extern Oid	LedgerDueRelid(void);
extern void LedgerDueForget(int32 table_id, TimestampTz retain_until,
							int64 entry_id);
/* the fast path: buffered, written at pre-commit to scsm.ledger_pending */
extern void LedgerBufferEntry(int32 table_id, const char *row_key,
							  const uint8 *hash);
extern void LedgerDrainPending(Oid relid);

/* ledger_trigger.c: write path */
extern bool ledger_disposal_active;
extern Oid	ledger_disposal_relid;

/* ledger_dispose.c: the only door for deleting a protected row */
extern void LedgerDisposalKeptRows(const char *relname, uint64 want, uint64 got);
extern int64 LedgerDisposeRow(Oid relid, const char *row_key,
							  const char *reason, const char *details_json);

/*
 * The lines of a certificate batch, one array per column of
 * scsm.disposal_batch: row_keys, versions, row_hashes, entry_ids,
 * class_names, retain_untils, actions, review_ids, approved_bys.
 */
#define LEDGER_CERT_COLS 9
/*
 * scsm's transaction-level advisory locks, (key1, key2) as SQL's
 * pg_advisory_xact_lock(int, int) takes them, so they show in pg_locks and
 * SQL can take the same ones.
 */
#define SCSM_LOCK_DISPOSAL	1935897453	/* 'scsm', table_id: one disposer per table */
#define SCSM_LOCK_SEALER	1935896941	/* (.., 1): one sealer, or restamping, at a time */
#define SCSM_LOCK_CLASS		1935897187	/* 'scrc', class_id: stamping vs lengthening */
extern LockAcquireResult ScsmAdvisoryLock(uint32 key1, int32 key2, LOCKMODE mode, bool nowait);
extern bool LedgerDisposalLock(int32 table_id, bool nowait);
struct ArrayBuildState;
extern void LedgerCertLinesInit(struct ArrayBuildState **cols, MemoryContext cxt);
extern void LedgerCertLineAdd(struct ArrayBuildState **cols, const Datum *values,
							  const bool *nulls);
extern void LedgerArrayPush(struct ArrayBuildState *a, Datum value, bool isnull);
extern int64 LedgerWriteCertBatch(const char *nspname, const char *relname,
								  struct ArrayBuildState **cols, const char *reason,
								  const char *details_json);

/* ledger_worker.c: background sealing */
extern void LedgerWorkerRegister(void);

/* small helpers */
extern char *LedgerHex(const uint8 *bytes, int len);
extern Oid	LedgerOwnerId(void);
extern int	LedgerPinSearchPath(void);
extern void LedgerUnpinSearchPath(int nest);
extern int	LedgerReadAsOwner(const char *sql, int nargs, Oid *types, Datum *args,
							  const char *nulls, long count);

#endif							/* SCSM_LEDGER_H */
