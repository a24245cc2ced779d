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
/* SHA256_Init/Update/Final: deprecated in OpenSSL 3, see LedgerSha256 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>
#endif

#include "ledger.h"

static void EncodeValue(StringInfo buf, Datum value, Oid typid);
static void EncodeFields(StringInfo buf, TupleDesc desc, HeapTuple tuple,
						 TupleDesc filterdesc);

/*
 * Compute SHA-256 with OpenSSL, the library PostgreSQL's cryptohash API
 * wraps on this build (USE_OPENSSL).  PostgreSQL 15's wrapper passes the
 * legacy EVP_sha256() to every EVP_DigestInit_ex, and OpenSSL 3 answers that
 * with a provider fetch per call: 0.3-0.7 us, several times the hash of a
 * row.  The low-level SHA256_Init/Update/Final (deprecated in OpenSSL 3 but
 * present unless OpenSSL is built without them) skip the EVP layer
 * altogether, about half the cost of even a reused EVP context for the
 * short inputs of the ledger (33 to 100-odd bytes: Merkle leaves and nodes,
 * rows), and run the same SHA-NI code.  Without them, one digest is fetched
 * per backend and one EVP context reused.  The bytes are the same either
 * way (test/pgtap compares with the built-in sha256()).  A server built
 * without OpenSSL uses the cryptohash API, whose fallback is PostgreSQL's
 * own SHA-256.
 */
#ifdef USE_OPENSSL
#ifndef OPENSSL_NO_DEPRECATED_3_0
void
LedgerSha256(const void *data, size_t len, uint8 *out)
{
	SHA256_CTX	c;

	if (SHA256_Init(&c) != 1 ||
		SHA256_Update(&c, data, len) != 1 ||
		SHA256_Final(out, &c) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute a SHA-256 hash"),
				 errdetail("OpenSSL's SHA256 call failed.")));
}
#else
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
#endif
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

	PutU32(buf, (uint32) ndim);
	for (int i = 0; i < ndim; i++)
	{
		PutU32(buf, (uint32) ARR_DIMS(arr)[i]);
		PutU32(buf, (uint32) ARR_LBOUND(arr)[i]);
	}
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign,
					  &elems, &nulls, &nelems);
	for (int i = 0; i < nelems; i++)
	{
		if (nulls[i])
			appendStringInfoChar(buf, 0);
		else
		{
			appendStringInfoChar(buf, 1);
			EncodeValue(buf, elems[i], elemtype);
		}
	}
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
/* A string value as tag 'T' and its UTF-8 bytes; returns the value's start. */
static int
EncodeText(StringInfo buf, Datum value)
{
	text	   *t = DatumGetTextPP(value);
	char	   *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	char	   *u = pg_server_to_any(s, len, PG_UTF8);
	int			start;

	if (u != s)
		len = strlen(u);
	start = BeginValue(buf, 'T');
	appendBinaryStringInfo(buf, u, len);
	return start;
}

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

	switch (typid)
	{
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			/* as the string branch below, without its catalog lookups */
			start = EncodeText(buf, value);
			break;
		case BOOLOID:
			start = BeginValue(buf, 'B');
			appendStringInfoChar(buf, DatumGetBool(value) ? 1 : 0);
			break;
		case INT2OID:
			start = BeginValue(buf, 'I');
			PutI64(buf, DatumGetInt16(value));
			break;
		case INT4OID:
			start = BeginValue(buf, 'I');
			PutI64(buf, DatumGetInt32(value));
			break;
		case INT8OID:
			start = BeginValue(buf, 'I');
			PutI64(buf, DatumGetInt64(value));
			break;
		case FLOAT4OID:
		case FLOAT8OID:
			{
				double		d = (typid == FLOAT4OID) ?
				(double) DatumGetFloat4(value) : DatumGetFloat8(value);
				uint64		bits;

				if (isnan(d))
					bits = UINT64CONST(0x7ff8000000000000);
				else
					memcpy(&bits, &d, 8);
				start = BeginValue(buf, 'F');
				PutI64(buf, (int64) bits);
				break;
			}
		case NUMERICOID:
			{
				char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out, value));

				start = BeginValue(buf, 'N');
				appendStringInfoString(buf, s);
				break;
			}
		case BYTEAOID:
			{
				bytea	   *b = DatumGetByteaPP(value);

				start = BeginValue(buf, 'X');
				appendBinaryStringInfo(buf, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
				break;
			}
		case NAMEOID:
			{
				char	   *s = NameStr(*DatumGetName(value));
				char	   *u = pg_server_to_any(s, strlen(s), PG_UTF8);

				start = BeginValue(buf, 'T');
				appendStringInfoString(buf, u);
				break;
			}
		case TIMESTAMPTZOID:
		case TIMESTAMPOID:
			{
				int64		ts = DatumGetInt64(value);

				if (!TIMESTAMP_NOT_FINITE(ts))
					ts += LEDGER_UNIX_EPOCH_USECS;
				start = BeginValue(buf, typid == TIMESTAMPTZOID ? 'Z' : 'S');
				PutI64(buf, ts);
				break;
			}
		case DATEOID:
			{
				DateADT		d = DatumGetDateADT(value);

				if (!DATE_NOT_FINITE(d))
					d += LEDGER_UNIX_EPOCH_DAYS;
				start = BeginValue(buf, 'D');
				PutU32(buf, (uint32) d);
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
		case UUIDOID:
			start = BeginValue(buf, 'U');
			appendBinaryStringInfo(buf, (char *) DatumGetUUIDP(value)->data,
								   UUID_LEN);
			break;
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
				start = EncodeText(buf, value);
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
	for (int k = 0; k < n; k++)
	{
		order->attno[k] = refs[k].attno;
		order->name[k] = refs[k].name;
		order->namelen[k] = strlen(refs[k].name);
		order->typid[k] = TupleDescAttr(desc, refs[k].attno)->atttypid;
	}
	pfree(refs);
	return order;
}

/*
 * The fields in the given order, each as name then value.  NULLs are left
 * out so that adding a nullable column later leaves the hashes of existing
 * rows unchanged.
 */
static void
EncodeFieldsOrdered(StringInfo buf, TupleDesc desc, HeapTuple tuple,
					const LedgerFieldOrder *order)
{
	Datum	   *values = palloc(sizeof(Datum) * desc->natts);
	bool	   *isnull = palloc(sizeof(bool) * desc->natts);
	int			count = 0;

	heap_deform_tuple(tuple, desc, values, isnull);
	for (int k = 0; k < order->n; k++)
		if (!isnull[order->attno[k]])
			count++;
	PutU32(buf, (uint32) count);
	for (int k = 0; k < order->n; k++)
	{
		int			a = order->attno[k];

		if (isnull[a])
			continue;
		PutBytes(buf, order->name[k], order->namelen[k]);
		EncodeValue(buf, values[a], order->typid[k]);
	}
	pfree(values);
	pfree(isnull);
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
				const LedgerFieldOrder *order)
{
	appendBinaryStringInfo(buf, LEDGER_ROW_MAGIC, 8);
	PutText(buf, nspname, strlen(nspname));
	PutText(buf, relname, strlen(relname));
	if (order)
		EncodeFieldsOrdered(buf, rowdesc, tuple, order);
	else
		EncodeFields(buf, rowdesc, tuple, filterdesc);
}

/* SHA-256 of the format v1 encoding of a row. */
void
LedgerHashRow(const char *nspname, const char *relname, TupleDesc rowdesc,
			  HeapTuple tuple, TupleDesc filterdesc,
			  const LedgerFieldOrder *order, uint8 *out)
{
	StringInfoData buf;

	initStringInfo(&buf);
	LedgerEncodeRow(&buf, nspname, relname, rowdesc, tuple, filterdesc, order);
	LedgerSha256(buf.data, buf.len, out);
	pfree(buf.data);
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
 * Canonical key of a row: a JSON object of the primary-key columns in key
 * order, every value a JSON string of its canonical text, no spaces, e.g.
 * {"id":"42"}.  The key columns are looked up by name in rowdesc, so a
 * history row (other column positions) gives the same key.
 */
char *
LedgerRowKey(LedgerRelInfo *info, TupleDesc rowdesc, HeapTuple tuple)
{
	StringInfoData buf;

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
		v = heap_getattr(tuple, col + 1, rowdesc, &isnull);
		LedgerKeyAppend(&buf, info->pknames[i], v, isnull, info->pktypes[i]);
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}
