/*-------------------------------------------------------------------------
 *
 * ledger_hash.c
 *	  Canonical row encoding (format v1), SHA-256 row hashes and canonical
 *	  primary-key text for the scsm ledger.
 *
 * The encoding must give the same bytes for the same logical row in any
 * session (DateStyle, TimeZone, extra_float_digits, search_path,
 * client_encoding), after pg_dump/restore (new OIDs, new ctids), and after
 * VACUUM FULL or CLUSTER.  So it never uses OIDs, ctids or output functions
 * whose text depends on settings; text is hashed as UTF-8 whatever the
 * server encoding is, and arrays and composites are walked recursively
 * instead of using array_send/record_send, which embed type OIDs.
 * docs/ledger.md describes the format byte by byte.
 *
 * src/ledger_hash.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/transam.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgroids.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/uuid.h"

#ifdef USE_OPENSSL
#include <openssl/evp.h>
#endif

#include "ledger.h"

static void EncodeValue(StringInfo buf, Datum value, Oid typid);
static void EncodeKnownValue(StringInfo buf, Datum value, uint8 kind, Oid typid);
static void EncodeFields(StringInfo buf, TupleDesc desc, HeapTuple tuple,
						 TupleDesc filterdesc);

/*
 * How a column's values are encoded, decided once per field order from the
 * column's type (a domain by its base type, as EncodeValue does): the common
 * types get a direct path; LK_OTHER goes through EncodeValue.
 */
enum
{
	LK_OTHER = 0,
	LK_TEXT,
	LK_BOOL,
	LK_INT2,
	LK_INT4,
	LK_INT8,
	LK_FLOAT4,
	LK_FLOAT8,
	LK_NUMERIC,
	LK_TIMESTAMPTZ,
	LK_TIMESTAMP,
	LK_DATE,
	LK_UUID
};

static uint8
KindOfBase(Oid basetypid)
{
	switch (basetypid)
	{
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			return LK_TEXT;
		case BOOLOID:
			return LK_BOOL;
		case INT2OID:
			return LK_INT2;
		case INT4OID:
			return LK_INT4;
		case INT8OID:
			return LK_INT8;
		case FLOAT4OID:
			return LK_FLOAT4;
		case FLOAT8OID:
			return LK_FLOAT8;
		case NUMERICOID:
			return LK_NUMERIC;
		case TIMESTAMPTZOID:
			return LK_TIMESTAMPTZ;
		case TIMESTAMPOID:
			return LK_TIMESTAMP;
		case DATEOID:
			return LK_DATE;
		case UUIDOID:
			return LK_UUID;
		default:
			return LK_OTHER;
	}
}

/* The same for any type: a domain has its base type's kind. */
static uint8
ValueKind(Oid typid)
{
	/* bootstrap types are never domains (as in EncodeValue) */
	return KindOfBase(typid >= FirstGenbkiObjectId ? getBaseType(typid) : typid);
}

/*
 * Compute SHA-256 with OpenSSL, the library PostgreSQL's cryptohash API
 * wraps on this build (USE_OPENSSL).  PostgreSQL 15's wrapper passes the
 * legacy EVP_sha256() to every EVP_DigestInit_ex, and OpenSSL 3 answers that
 * with a provider fetch per call: 0.3-0.7 us, several times the hash of a
 * row.  So one digest is fetched per backend and one EVP context reused
 * (the deprecated low-level SHA256_Init/Update/Final would save another
 * ~0.03 us per hash, not worth leaving the supported interface for).  The
 * bytes are the same (sql/ledger.sql compares with the built-in sha256()).
 * A server built without OpenSSL uses the cryptohash API, whose fallback is
 * PostgreSQL's own SHA-256.
 */
#ifdef USE_OPENSSL
void
LedgerSha256(const void *data, size_t len, uint8 *out)
{
	static EVP_MD *md = NULL;
	static EVP_MD_CTX *ctx = NULL;
	unsigned int outlen = 0;

	if (ctx == NULL)
	{
		if (md == NULL)
			md = EVP_MD_fetch(NULL, "SHA256", NULL);
		if (md != NULL)
			ctx = EVP_MD_CTX_new();
		if (md == NULL || ctx == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not set up SHA-256 in OpenSSL"),
					 errdetail("EVP_MD_fetch or EVP_MD_CTX_new failed.")));
	}
	if (EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
		EVP_DigestUpdate(ctx, data, len) != 1 ||
		EVP_DigestFinal_ex(ctx, out, &outlen) != 1 ||
		outlen != LEDGER_HASH_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute a SHA-256 hash"),
				 errdetail("OpenSSL's EVP digest call failed.")));
}
#else
void
LedgerSha256(const void *data, size_t len, uint8 *out)
{
	static pg_cryptohash_ctx *ctx = NULL;

	if (ctx == NULL)
	{
		static ResourceOwner owner = NULL;
		ResourceOwner save = CurrentResourceOwner;

		if (owner == NULL)
			owner = ResourceOwnerCreate(NULL, "scsm ledger hash");
		CurrentResourceOwner = owner;
		ctx = pg_cryptohash_create(PG_SHA256);
		CurrentResourceOwner = save;
		if (ctx == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
	}
	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, out, LEDGER_HASH_LEN) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute a SHA-256 hash: %s",
						pg_cryptohash_error(ctx))));
}
#endif

/*
 * The bits a float is encoded with (format v1): the IEEE 754 double, every
 * NaN as the one quiet NaN, so that equal values give equal bytes.
 */
static inline uint64
FloatBits(double d)
{
	uint64		bits;

	if (isnan(d))
		return UINT64CONST(0x7ff8000000000000);
	memcpy(&bits, &d, 8);
	return bits;
}

/* Lower-case hex of a byte string, for messages and JSON. */
char *
LedgerHex(const uint8 *bytes, int len)
{
	static const char hexd[] = "0123456789abcdef";
	char	   *s = palloc(len * 2 + 1);

	for (int i = 0; i < len; i++)
	{
		s[2 * i] = hexd[bytes[i] >> 4];
		s[2 * i + 1] = hexd[bytes[i] & 0xf];
	}
	s[len * 2] = '\0';
	return s;
}

static void
PutU32(StringInfo buf, uint32 v)
{
	uint32		n = pg_hton32(v);

	appendBinaryStringInfo(buf, (char *) &n, 4);
}

static void
PutI64(StringInfo buf, int64 v)
{
	uint64		n = pg_hton64((uint64) v);

	appendBinaryStringInfo(buf, (char *) &n, 8);
}

/* Length-prefixed bytes, the building block of every field. */
static void
PutBytes(StringInfo buf, const char *data, int len)
{
	PutU32(buf, (uint32) len);
	appendBinaryStringInfo(buf, data, len);
}

/* Server-encoding text as length-prefixed UTF-8, so the encoding of the
 * database does not change the hash. */
static void
PutText(StringInfo buf, const char *s, int len)
{
	char	   *u = pg_server_to_any(s, len, PG_UTF8);

	if (u != s)
		len = strlen(u);
	PutBytes(buf, u, len);
}

/* Start a value: its tag and a length placeholder patched by EndValue. */
static int
BeginValue(StringInfo buf, char tag)
{
	appendStringInfoChar(buf, tag);
	PutU32(buf, 0);
	return buf->len;
}

static void
EndValue(StringInfo buf, int start)
{
	uint32		n = pg_hton32((uint32) (buf->len - start));

	memcpy(buf->data + start - 4, &n, 4);
}

/*
 * Room for n more bytes at the end of buf; the caller writes them and
 * advances buf->len.  A bulk load encodes millions of rows: this spares the
 * per-call overhead of appendBinaryStringInfo for every small piece.
 */
static inline char *
Reserve(StringInfo buf, int n)
{
	if (buf->len + n >= buf->maxlen)
		enlargeStringInfo(buf, n);
	return buf->data + buf->len;
}

static inline char *
Store32(char *p, uint32 v)
{
	uint32		n = pg_hton32(v);

	memcpy(p, &n, 4);
	return p + 4;
}

/* A value with an 8-byte payload: tag, length 8, big-endian bytes. */
static inline void
PutTagged8(StringInfo buf, char tag, uint64 v)
{
	char	   *p = Reserve(buf, 13);
	uint64		n = pg_hton64(v);

	*p++ = tag;
	p = Store32(p, 8);
	memcpy(p, &n, 8);
	buf->len += 13;
}

/*
 * The tag and 8-byte payload of a value of a fixed 8-byte kind (integers,
 * floats, timestamps); false for any other kind.
 */
static inline bool
Fixed8(uint8 kind, Datum value, char *tag, uint64 *v)
{
	switch (kind)
	{
		case LK_INT2:
			*tag = 'I';
			*v = (uint64) (int64) DatumGetInt16(value);
			return true;
		case LK_INT4:
			*tag = 'I';
			*v = (uint64) (int64) DatumGetInt32(value);
			return true;
		case LK_INT8:
			*tag = 'I';
			*v = (uint64) DatumGetInt64(value);
			return true;
		case LK_FLOAT4:
		case LK_FLOAT8:
			*tag = 'F';
			*v = FloatBits(kind == LK_FLOAT4 ? (double) DatumGetFloat4(value) :
						   DatumGetFloat8(value));
			return true;
		case LK_TIMESTAMPTZ:
		case LK_TIMESTAMP:
			{
				int64		ts = DatumGetInt64(value);

				if (!TIMESTAMP_NOT_FINITE(ts))
					ts += LEDGER_UNIX_EPOCH_USECS;
				*tag = kind == LK_TIMESTAMPTZ ? 'Z' : 'S';
				*v = (uint64) ts;
				return true;
			}
		default:
			return false;
	}
}

/* A bytea value: tag 'X', its length and its bytes. */
static inline void
PutBytea(StringInfo buf, Datum value)
{
	bytea	   *b = DatumGetByteaPP(value);
	int			len = VARSIZE_ANY_EXHDR(b);
	char	   *p = Reserve(buf, 5 + len);

	*p++ = 'X';
	p = Store32(p, (uint32) len);
	memcpy(p, VARDATA_ANY(b), len);
	buf->len += 5 + len;
	if ((Pointer) b != DatumGetPointer(value))
		pfree(b);
}

static void
EncodeArray(StringInfo buf, Datum value)
{
	ArrayType  *arr = DatumGetArrayTypeP(value);
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int			ndim = ARR_NDIM(arr);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	uint8		kind;

	PutU32(buf, (uint32) ndim);
	for (int i = 0; i < ndim; i++)
	{
		PutU32(buf, (uint32) ARR_DIMS(arr)[i]);
		PutU32(buf, (uint32) ARR_LBOUND(arr)[i]);
	}
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign,
					  &elems, &nulls, &nelems);
	/* the element type's kind once, not per element (long arrays) */
	kind = ValueKind(elemtype);
	for (int i = 0; i < nelems; i++)
	{
		char	   *p;
		char		tag;
		uint64		v;

		/* a flag (0 NULL, 1 a value), then the value as EncodeValue writes it */
		p = Reserve(buf, 1);
		*p = nulls[i] ? 0 : 1;
		buf->len++;
		if (nulls[i])
			continue;
		/*
		 * Integers, floats, timestamps and bytea, the bulk of a disposal
		 * certificate's tens of thousands of elements, written in place
		 * without a call per element.
		 */
		if (Fixed8(kind, elems[i], &tag, &v))
			PutTagged8(buf, tag, v);
		else if (kind == LK_OTHER && elemtype == BYTEAOID)
			PutBytea(buf, elems[i]);
		else if (kind == LK_OTHER)
			EncodeValue(buf, elems[i], elemtype);
		else
			EncodeKnownValue(buf, elems[i], kind, elemtype);
	}
	/* the pieces above were written past StringInfo's terminator */
	buf->data[buf->len] = '\0';
	pfree(elems);
	pfree(nulls);
}

static void
EncodeComposite(StringInfo buf, Datum value)
{
	HeapTupleHeader td = DatumGetHeapTupleHeader(value);
	TupleDesc	desc;
	HeapTupleData tmptup;

	desc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(td),
								  HeapTupleHeaderGetTypMod(td));
	tmptup.t_len = HeapTupleHeaderGetDatumLength(td);
	ItemPointerSetInvalid(&(tmptup.t_self));
	tmptup.t_tableOid = InvalidOid;
	tmptup.t_data = td;
	EncodeFields(buf, desc, &tmptup, NULL);
	ReleaseTupleDesc(desc);
}

/*
 * Append one non-null value: tag byte, 4-byte length, canonical bytes.
 * Domains are encoded as their base type, so a domain is transparent.
 */
static void
EncodeValue(StringInfo buf, Datum value, Oid typid)
{
	int			start;
	char		typcategory;
	bool		typispreferred;

	/*
	 * Types of the bootstrap catalog (OIDs below FirstGenbkiObjectId) are
	 * never domains: spare the catalog lookup for them.
	 */
	if (typid >= FirstGenbkiObjectId)
		typid = getBaseType(typid);

	/* text, bool, integers, floats, numeric, timestamps, date, uuid */
	if (KindOfBase(typid) != LK_OTHER)
	{
		EncodeKnownValue(buf, value, KindOfBase(typid), typid);
		return;
	}

	switch (typid)
	{
		case BYTEAOID:
			PutBytea(buf, value);
			return;
		case NAMEOID:
			{
				char	   *s = NameStr(*DatumGetName(value));
				char	   *u = pg_server_to_any(s, strlen(s), PG_UTF8);

				start = BeginValue(buf, 'T');
				appendStringInfoString(buf, u);
				break;
			}
		case TIMEOID:
			start = BeginValue(buf, 'H');
			PutI64(buf, DatumGetTimeADT(value));
			break;
		case TIMETZOID:
			{
				TimeTzADT  *t = DatumGetTimeTzADTP(value);

				start = BeginValue(buf, 'K');
				PutI64(buf, t->time);
				PutU32(buf, (uint32) t->zone);
				break;
			}
		case INTERVALOID:
			{
				Interval   *iv = DatumGetIntervalP(value);

				start = BeginValue(buf, 'V');
				PutI64(buf, iv->time);
				PutU32(buf, (uint32) iv->day);
				PutU32(buf, (uint32) iv->month);
				break;
			}
		case JSONBOID:
			{
				Jsonb	   *jb = DatumGetJsonbP(value);
				char	   *s = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
				char	   *u = pg_server_to_any(s, strlen(s), PG_UTF8);

				start = BeginValue(buf, 'J');
				appendStringInfoString(buf, u);
				break;
			}
		default:
			get_type_category_preferred(typid, &typcategory, &typispreferred);
			if (type_is_enum(typid))
			{
				char	   *s = DatumGetCString(OidFunctionCall1(F_ENUM_OUT, value));
				char	   *u = pg_server_to_any(s, strlen(s), PG_UTF8);

				start = BeginValue(buf, 'E');
				appendStringInfoString(buf, u);
			}
			else if (OidIsValid(get_element_type(typid)) &&
					 get_typlen(typid) == -1)
			{
				start = BeginValue(buf, 'A');
				EncodeArray(buf, value);
			}
			else if (type_is_rowtype(typid))
			{
				start = BeginValue(buf, 'R');
				EncodeComposite(buf, value);
			}
			else if ((typcategory == TYPCATEGORY_STRING ||
					  typid == JSONOID || typid == XMLOID) &&
					 get_typlen(typid) == -1)
			{
				/* text, varchar, bpchar, json, xml, citext, ...: UTF-8 bytes */
				EncodeKnownValue(buf, value, LK_TEXT, typid);
				return;
			}
			else
			{
				/* any other base type: its binary send format */
				Oid			sendfn;
				bool		isvarlena;
				bytea	   *b;

				getTypeBinaryOutputInfo(typid, &sendfn, &isvarlena);
				b = OidSendFunctionCall(sendfn, value);
				start = BeginValue(buf, 'O');
				appendBinaryStringInfo(buf, VARDATA(b), VARSIZE(b) - VARHDRSZ);
			}
			break;
	}
	EndValue(buf, start);
}

typedef struct FieldRef
{
	char	   *name;			/* UTF-8 column name */
	int			attno;			/* 0-based index in the tuple descriptor */
} FieldRef;

static int
FieldRefCmp(const void *a, const void *b)
{
	return strcmp(((const FieldRef *) a)->name, ((const FieldRef *) b)->name);
}

/*
 * The columns of desc that are encoded, in byte order of their UTF-8 names:
 * non-dropped ones, and with a filterdesc only those also present there (by
 * name) -- that is how a history row is hashed as the row version it
 * preserves.  Built once per protected table (LedgerRelInfo) or per call.
 */
LedgerFieldOrder *
LedgerBuildFieldOrder(TupleDesc desc, TupleDesc filterdesc)
{
	LedgerFieldOrder *order = palloc(sizeof(LedgerFieldOrder));
	FieldRef   *refs = palloc(sizeof(FieldRef) * Max(desc->natts, 1));
	int			n = 0;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		char	   *name;

		if (att->attisdropped)
			continue;
		if (filterdesc != NULL)
		{
			bool		found = false;

			for (int j = 0; j < filterdesc->natts; j++)
			{
				Form_pg_attribute fa = TupleDescAttr(filterdesc, j);

				if (!fa->attisdropped &&
					strcmp(NameStr(fa->attname), NameStr(att->attname)) == 0)
				{
					found = true;
					break;
				}
			}
			if (!found)
				continue;
		}
		name = NameStr(att->attname);
		refs[n].name = pg_server_to_any(name, strlen(name), PG_UTF8);
		if (refs[n].name == name)
			refs[n].name = pstrdup(name);
		refs[n].attno = i;
		n++;
	}
	qsort(refs, n, sizeof(FieldRef), FieldRefCmp);
	order->n = n;
	order->attno = palloc(sizeof(int) * Max(n, 1));
	order->name = palloc(sizeof(char *) * Max(n, 1));
	order->namelen = palloc(sizeof(int) * Max(n, 1));
	order->typid = palloc(sizeof(Oid) * Max(n, 1));
	order->field = palloc(sizeof(char *) * Max(n, 1));
	order->kind = palloc(sizeof(uint8) * Max(n, 1));
	for (int k = 0; k < n; k++)
	{
		uint32		be;

		order->attno[k] = refs[k].attno;
		order->name[k] = refs[k].name;
		order->namelen[k] = strlen(refs[k].name);
		order->typid[k] = TupleDescAttr(desc, refs[k].attno)->atttypid;
		order->kind[k] = ValueKind(order->typid[k]);
		/* the name as PutBytes writes it */
		order->field[k] = palloc(4 + order->namelen[k]);
		be = pg_hton32((uint32) order->namelen[k]);
		memcpy(order->field[k], &be, 4);
		memcpy(order->field[k] + 4, order->name[k], order->namelen[k]);
	}
	order->natts = desc->natts;
	order->values = palloc(sizeof(Datum) * Max(desc->natts, 1));
	order->isnull = palloc(sizeof(bool) * Max(desc->natts, 1));
	order->busy = InvalidLocalTransactionId;
	order->prefix = order->prefix_nsp = order->prefix_rel = NULL;
	order->prefixlen = 0;
	pfree(refs);
	return order;
}

/*
 * One non-null value of a column whose kind was worked out when the field
 * order was built: the same bytes as EncodeValue, without its catalog
 * look-ups and appends.  Kinds not listed go to EncodeValue.
 */
static void
EncodeKnownValue(StringInfo buf, Datum value, uint8 kind, Oid typid)
{
	char	   *p;

	switch (kind)
	{
		case LK_TEXT:
			{
				text	   *t = DatumGetTextPP(value);
				char	   *s = VARDATA_ANY(t);
				int			len = VARSIZE_ANY_EXHDR(t);
				char	   *u = pg_server_to_any(s, len, PG_UTF8);

				if (u != s)
					len = strlen(u);
				p = Reserve(buf, 5 + len);
				*p++ = 'T';
				p = Store32(p, (uint32) len);
				memcpy(p, u, len);
				buf->len += 5 + len;
				if (u != s)
					pfree(u);
				if ((Pointer) t != DatumGetPointer(value))
					pfree(t);
				break;
			}
		case LK_BOOL:
			p = Reserve(buf, 6);
			*p++ = 'B';
			p = Store32(p, 1);
			*p = DatumGetBool(value) ? 1 : 0;
			buf->len += 6;
			break;
		case LK_INT2:
		case LK_INT4:
		case LK_INT8:
		case LK_FLOAT4:
		case LK_FLOAT8:
		case LK_TIMESTAMPTZ:
		case LK_TIMESTAMP:
			{
				char		tag = 0;
				uint64		v = 0;

				(void) Fixed8(kind, value, &tag, &v);
				PutTagged8(buf, tag, v);
				break;
			}
		case LK_NUMERIC:
			{
				char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out, value));
				int			len = strlen(s);

				p = Reserve(buf, 5 + len);
				*p++ = 'N';
				p = Store32(p, (uint32) len);
				memcpy(p, s, len);
				buf->len += 5 + len;
				pfree(s);
				break;
			}
		case LK_DATE:
			{
				DateADT		d = DatumGetDateADT(value);

				if (!DATE_NOT_FINITE(d))
					d += LEDGER_UNIX_EPOCH_DAYS;
				p = Reserve(buf, 9);
				*p++ = 'D';
				p = Store32(p, 4);
				Store32(p, (uint32) d);
				buf->len += 9;
				break;
			}
		case LK_UUID:
			p = Reserve(buf, 5 + UUID_LEN);
			*p++ = 'U';
			p = Store32(p, UUID_LEN);
			memcpy(p, DatumGetUUIDP(value)->data, UUID_LEN);
			buf->len += 5 + UUID_LEN;
			break;
		default:
			/* LK_OTHER: EncodeValue, which never comes back here for it */
			EncodeValue(buf, value, typid);
			break;
	}
}

/*
 * The fields in the given order, each as name then value.  NULLs are left
 * out so that adding a nullable column later leaves the hashes of existing
 * rows unchanged.
 */
static void
EncodeFieldsOrdered(StringInfo buf, TupleDesc desc, HeapTuple tuple,
					LedgerFieldOrder *order)
{
	Datum	   *values;
	bool	   *isnull;
	int			count = 0;
	bool		scratch = (order->natts >= desc->natts &&
						   order->busy != MyProc->lxid);

	/*
	 * The order's scratch arrays, unless an encoding in progress uses them
	 * (busy is left set by an error; the next transaction takes them again)
	 */
	if (scratch)
	{
		values = order->values;
		isnull = order->isnull;
		order->busy = MyProc->lxid;
	}
	else
	{
		values = palloc(sizeof(Datum) * Max(desc->natts, 1));
		isnull = palloc(sizeof(bool) * Max(desc->natts, 1));
	}
	heap_deform_tuple(tuple, desc, values, isnull);
	for (int k = 0; k < order->n; k++)
		if (!isnull[order->attno[k]])
			count++;
	PutU32(buf, (uint32) count);
	for (int k = 0; k < order->n; k++)
	{
		int			a = order->attno[k];
		int			flen = 4 + order->namelen[k];

		if (isnull[a])
			continue;
		memcpy(Reserve(buf, flen), order->field[k], flen);
		buf->len += flen;
		EncodeKnownValue(buf, values[a], order->kind[k], order->typid[k]);
	}
	/* the pieces above were written past StringInfo's terminator */
	buf->data[buf->len] = '\0';
	if (scratch)
		order->busy = InvalidLocalTransactionId;
	else
	{
		pfree(values);
		pfree(isnull);
	}
}

static void
EncodeFields(StringInfo buf, TupleDesc desc, HeapTuple tuple,
			 TupleDesc filterdesc)
{
	LedgerFieldOrder *order = LedgerBuildFieldOrder(desc, filterdesc);

	EncodeFieldsOrdered(buf, desc, tuple, order);
}

/*
 * Format v1 of a row: "SCSMROW1", schema and table name (UTF-8,
 * length-prefixed), then the fields.  The table is named, never referred
 * to by OID, so the bytes survive dump and restore.
 */
void
LedgerEncodeRow(StringInfo buf, const char *nspname, const char *relname,
				TupleDesc rowdesc, HeapTuple tuple, TupleDesc filterdesc,
				LedgerFieldOrder *order)
{
	if (order != NULL && order->prefix != NULL &&
		strcmp(order->prefix_nsp, nspname) == 0 &&
		strcmp(order->prefix_rel, relname) == 0)
		appendBinaryStringInfo(buf, order->prefix, order->prefixlen);
	else
	{
		int			start = buf->len;

		appendBinaryStringInfo(buf, LEDGER_ROW_MAGIC, 8);
		PutText(buf, nspname, strlen(nspname));
		PutText(buf, relname, strlen(relname));
		if (order != NULL)
		{
			/* kept with the order: a table's rows all start the same */
			MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(order));

			if (order->prefix != NULL)
			{
				pfree(order->prefix);
				pfree(order->prefix_nsp);
				pfree(order->prefix_rel);
			}
			order->prefixlen = buf->len - start;
			order->prefix = palloc(order->prefixlen);
			memcpy(order->prefix, buf->data + start, order->prefixlen);
			order->prefix_nsp = pstrdup(nspname);
			order->prefix_rel = pstrdup(relname);
			MemoryContextSwitchTo(old);
		}
	}
	if (order)
		EncodeFieldsOrdered(buf, rowdesc, tuple, order);
	else
		EncodeFields(buf, rowdesc, tuple, filterdesc);
}

/*
 * SHA-256 of the format v1 encoding of a row.  The encoding goes into a
 * buffer kept for the backend (a bulk load hashes millions of rows), or a
 * fresh one when that is in use (busy is left set by an error; the next
 * transaction takes it again).
 */
void
LedgerHashRow(const char *nspname, const char *relname, TupleDesc rowdesc,
			  HeapTuple tuple, TupleDesc filterdesc,
			  LedgerFieldOrder *order, uint8 *out)
{
	static StringInfoData kept = {NULL, 0, 0, 0};
	static LocalTransactionId kept_busy = InvalidLocalTransactionId;
	StringInfoData local;
	StringInfo	buf = &local;

	if (kept_busy != MyProc->lxid)
	{
		if (kept.data == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

			initStringInfo(&kept);
			MemoryContextSwitchTo(old);
		}
		resetStringInfo(&kept);
		buf = &kept;
		kept_busy = MyProc->lxid;
	}
	else
		initStringInfo(&local);
	LedgerEncodeRow(buf, nspname, relname, rowdesc, tuple, filterdesc, order);
	LedgerSha256(buf->data, buf->len, out);
	if (buf == &kept)
	{
		kept_busy = InvalidLocalTransactionId;
		/* do not hold on to the memory of one very large row */
		if (kept.maxlen > 8 * 1024 * 1024)
		{
			pfree(kept.data);
			kept.data = NULL;
		}
	}
	else
		pfree(local.data);
}

/*
 * Refuse primary-key column types whose canonical text we do not pin.
 * Keys are stored as text in the ledger and must read back the same after
 * a restore, in any session.
 */
void
LedgerCheckKeyType(Oid typid, const char *colname)
{
	Oid			base = getBaseType(typid);

	switch (base)
	{
		case BOOLOID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case UUIDOID:
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return;
		default:
			if (type_is_enum(base))
				return;
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("primary key column \"%s\" has unsupported type %s",
							colname, format_type_be(typid)),
					 errdetail("Ledger keys support boolean, integer, numeric, text, varchar, char, uuid, date, timestamp, timestamptz and enum columns."),
					 errhint("Use a surrogate key of a supported type.")));
	}
}

/* Canonical text of one key value: independent of DateStyle and TimeZone. */
char *
LedgerKeyValueText(Datum value, Oid typid)
{
	Oid			base = typid >= FirstGenbkiObjectId ? getBaseType(typid) : typid;
	char		buf[MAXDATELEN + 1];
	struct pg_tm tm;
	fsec_t		fsec;

	switch (base)
	{
		case TIMESTAMPTZOID:
		case TIMESTAMPOID:
			{
				Timestamp	ts = DatumGetTimestamp(value);

				if (TIMESTAMP_IS_NOBEGIN(ts))
					return pstrdup("-infinity");
				if (TIMESTAMP_IS_NOEND(ts))
					return pstrdup("infinity");
				if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
					ereport(ERROR,
							(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
							 errmsg("timestamp out of range")));
				tm.tm_isdst = 0;	/* UTC, so that "+00" is printed */
				EncodeDateTime(&tm, fsec, base == TIMESTAMPTZOID, 0, NULL,
							   USE_ISO_DATES, buf);
				return pstrdup(buf);
			}
		case DATEOID:
			{
				DateADT		d = DatumGetDateADT(value);

				if (DATE_IS_NOBEGIN(d))
					return pstrdup("-infinity");
				if (DATE_IS_NOEND(d))
					return pstrdup("infinity");
				j2date(d + POSTGRES_EPOCH_JDATE,
					   &(tm.tm_year), &(tm.tm_mon), &(tm.tm_mday));
				EncodeDateOnly(&tm, USE_ISO_DATES, buf);
				return pstrdup(buf);
			}
		case BOOLOID:
			return pstrdup(DatumGetBool(value) ? "true" : "false");
		case INT2OID:
		case INT4OID:
		case INT8OID:
			{
				char		ibuf[MAXINT8LEN + 1];
				int64		v = base == INT2OID ? DatumGetInt16(value) :
				base == INT4OID ? DatumGetInt32(value) : DatumGetInt64(value);

				pg_lltoa(v, ibuf);
				return pstrdup(ibuf);
			}
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			return TextDatumGetCString(value);
		default:
			{
				Oid			outfn;
				bool		isvarlena;

				getTypeOutputInfo(base, &outfn, &isvarlena);
				return OidOutputFunctionCall(outfn, value);
			}
	}
}

/*
 * What the ledger needs to know about a protected table: its name (the
 * identity hashed into every row) and its primary key.  Built once per
 * query (fn_extra) or per trigger call.
 */
LedgerRelInfo *
LedgerGetRelInfo(Relation rel)
{
	LedgerRelInfo *info = palloc0(sizeof(LedgerRelInfo));
	Oid			pkoid = RelationGetPrimaryKeyIndex(rel);
	HeapTuple	idxtup;
	Form_pg_index idx;
	TupleDesc	reldesc = RelationGetDescr(rel);

	info->relid = RelationGetRelid(rel);
	info->nspname = get_namespace_name(RelationGetNamespace(rel));
	info->relname = pstrdup(RelationGetRelationName(rel));
	info->desc = CreateTupleDescCopy(reldesc);
	info->reltype = rel->rd_rel->reltype;
	info->relowner = rel->rd_rel->relowner;
	info->order = LedgerBuildFieldOrder(reldesc, NULL);
	info->ext_member = OidIsValid(getExtensionOfObject(RelationRelationId,
													   info->relid));
	if (!OidIsValid(pkoid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" has no primary key",
						RelationGetRelationName(rel)),
				 errdetail("The ledger identifies every row by its primary key."),
				 errhint("Add a primary key, then protect the table.")));
	idxtup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pkoid));
	if (!HeapTupleIsValid(idxtup))
		elog(ERROR, "cache lookup failed for index %u", pkoid);
	idx = (Form_pg_index) GETSTRUCT(idxtup);
	info->npk = idx->indnkeyatts;
	info->pknames = palloc(sizeof(char *) * info->npk);
	info->pktypes = palloc(sizeof(Oid) * info->npk);
	info->pkattnos = palloc(sizeof(AttrNumber) * info->npk);
	for (int i = 0; i < info->npk; i++)
	{
		Form_pg_attribute a = TupleDescAttr(reldesc, idx->indkey.values[i] - 1);

		info->pknames[i] = pstrdup(NameStr(a->attname));
		info->pktypes[i] = a->atttypid;
		info->pkattnos[i] = idx->indkey.values[i];
	}
	/* each key member's name as LedgerKeyAppend writes it */
	info->pkfield = palloc(sizeof(char *) * info->npk);
	info->pkfieldlen = palloc(sizeof(int) * info->npk);
	info->pkintcap = 3;		/* { } and the final NUL */
	for (int i = 0; i < info->npk; i++)
	{
		StringInfoData f;

		initStringInfo(&f);
		if (i > 0)
			appendStringInfoChar(&f, ',');
		escape_json(&f, info->pknames[i]);
		appendStringInfoChar(&f, ':');
		info->pkfield[i] = f.data;
		info->pkfieldlen[i] = f.len;
		if (info->pkintcap > 0 && (info->pktypes[i] == INT2OID || info->pktypes[i] == INT4OID ||
								   info->pktypes[i] == INT8OID))
			info->pkintcap += f.len + MAXINT8LEN + 2;
		else
			info->pkintcap = 0;
	}
	ReleaseSysCache(idxtup);
	return info;
}

/* Append one key member "name":"value" to a canonical key under construction. */
void
LedgerKeyAppend(StringInfo buf, const char *name, Datum v, bool isnull, Oid typid)
{
	if (buf->len > 1)
		appendStringInfoChar(buf, ',');
	escape_json(buf, name);
	appendStringInfoChar(buf, ':');
	if (isnull)
		appendStringInfoString(buf, "null");
	else
		escape_json(buf, LedgerKeyValueText(v, typid));
}

/*
 * The key of a row whose primary key is all smallint, integer and bigint
 * columns, each where the table's descriptor has it (the common case, and
 * the one bulk loads and verification ask millions of times): written
 * straight into one allocation, member by member as LedgerKeyAppend would
 * write it ({ or , then the JSON name and a colon, then the decimal digits
 * as a JSON string).  NULL when the key is not of that kind here (another
 * descriptor, such as a history table's, or a null member): the caller goes
 * the general way.
 */
static char *
IntegerRowKey(LedgerRelInfo *info, TupleDesc rowdesc, HeapTuple tuple)
{
	Size		o = 0;
	char	   *key;

	if (info->pkintcap == 0)
		return NULL;
	/* another descriptor than the table's own: are the columns where it says? */
	if (rowdesc != info->desc)
		for (int i = 0; i < info->npk; i++)
		{
			int			pos = info->pkattnos[i] - 1;
			Form_pg_attribute a;

			if (pos < 0 || pos >= rowdesc->natts)
				return NULL;
			a = TupleDescAttr(rowdesc, pos);
			if (a->attisdropped || a->atttypid != info->pktypes[i] ||
				strcmp(NameStr(a->attname), info->pknames[i]) != 0)
				return NULL;
		}
	key = palloc(info->pkintcap);
	key[o++] = '{';
	for (int i = 0; i < info->npk; i++)
	{
		bool		isnull;
		Datum		v = heap_getattr(tuple, info->pkattnos[i], rowdesc, &isnull);
		int64		x;

		if (isnull)
		{
			pfree(key);
			return NULL;
		}
		x = info->pktypes[i] == INT2OID ? (int64) DatumGetInt16(v) :
			info->pktypes[i] == INT4OID ? (int64) DatumGetInt32(v) : DatumGetInt64(v);
		memcpy(key + o, info->pkfield[i], info->pkfieldlen[i]);
		o += info->pkfieldlen[i];
		key[o++] = '"';
		o += pg_lltoa(x, key + o);
		key[o++] = '"';
	}
	key[o++] = '}';
	key[o] = '\0';
	return key;
}

/*
 * Canonical key of a row: a JSON object of the primary-key columns in key
 * order, every value a JSON string of its canonical text, no spaces, e.g.
 * {"id":"42"}.  The key columns are looked up by name in rowdesc, so a
 * history row (other column positions) gives the same key.
 */
char *
LedgerRowKey(LedgerRelInfo *info, TupleDesc rowdesc, HeapTuple tuple)
{
	StringInfoData buf;
	char	   *key = IntegerRowKey(info, rowdesc, tuple);

	if (key != NULL)
		return key;
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int i = 0; i < info->npk; i++)
	{
		int			col = -1;
		bool		isnull;
		Datum		v;
		int			pos = info->pkattnos[i] - 1;

		/* the table's own rows: the key column is where the index says */
		if (pos < rowdesc->natts &&
			!TupleDescAttr(rowdesc, pos)->attisdropped &&
			strcmp(NameStr(TupleDescAttr(rowdesc, pos)->attname), info->pknames[i]) == 0)
			col = pos;
		/* others (history rows, certificates from SPI): by name */
		for (int j = 0; col < 0 && j < rowdesc->natts; j++)
		{
			Form_pg_attribute a = TupleDescAttr(rowdesc, j);

			if (!a->attisdropped &&
				strcmp(NameStr(a->attname), info->pknames[i]) == 0)
			{
				col = j;
				break;
			}
		}
		if (col < 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("row has no primary key column \"%s\"",
							info->pknames[i])));
		/* the value is read as the key's type: a row's column of another is refused */
		if (TupleDescAttr(rowdesc, col)->atttypid != info->pktypes[i])
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("row's column \"%s\" is of type %s, but the primary key column of \"%s\" is of type %s",
							info->pknames[i], format_type_be(TupleDescAttr(rowdesc, col)->atttypid),
							info->relname, format_type_be(info->pktypes[i])),
					 errhint("Pass a row of the table, or cast the column to the key's type.")));
		v = heap_getattr(tuple, col + 1, rowdesc, &isnull);
		LedgerKeyAppend(&buf, info->pknames[i], v, isnull, info->pktypes[i]);
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}
