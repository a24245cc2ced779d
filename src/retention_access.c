/*-------------------------------------------------------------------------
 *
 * retention_access.c
 *	  What retention tells a member about a record or a role, no more than
 *	  the member may read.
 *
 * Two questions need the ledger owner's rights to answer (the stamps live
 * in scsm.ledger_row, memberships in scsm.member and pg_auth_members) but
 * must not answer more than the caller may know.  A SECURITY DEFINER
 * function cannot tell who called it, so each is a C function that runs as
 * its caller, decides what the caller may ask, and only then runs the SQL
 * that answers as the ledger owner:
 *
 *	scsm.retention_of(tbl, key): the row is looked up as the caller (their
 *	  privileges and row level security: another organization's row, one
 *	  above their clearance, is not found); a caller who may read the ledger
 *	  itself (SELECT on scsm.ledger_row: auditors, admins) learns the
 *	  retention of any row, one disposed of included.  The answer is
 *	  scsm.retention_of_entry's.
 *	scsm.may_approve_retention(org, role): only about a role the caller can
 *	  act as (itself, a role it has the privileges of), unless the caller is
 *	  a superuser or scsm_admin.  The answer is
 *	  scsm.may_approve_retention_check's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "ledger.h"

PG_FUNCTION_INFO_V1(scsm_retention_of);
PG_FUNCTION_INFO_V1(scsm_may_approve_retention);

/*
 * May the caller see the row of tbl with this canonical key?  Looked up as
 * the caller, with their privileges and row level security.
 */
static bool
CallerSeesRow(LedgerRelInfo *info, const char *key)
{
	Oid			types[1] = {TEXTOID};
	Datum		args[1];
	char	   *q;
	int			sp;
	int			rc;

	if (pg_class_aclcheck(info->relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		return false;
	q = psprintf("SELECT 1 FROM %s t WHERE %s",
				 quote_qualified_identifier(info->nspname, info->relname),
				 LedgerKeyPredicate(info, "t", "$1"));
	args[0] = CStringGetTextDatum(key);
	sp = LedgerPinSearchPath();
	rc = SPI_execute_with_args(q, 1, types, args, NULL, true, 1);
	LedgerUnpinSearchPath(sp);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not look up the row: %s", SPI_result_code_string(rc));
	return SPI_processed > 0;
}

/* May the caller read the ledger's entries themselves? */
static bool
CallerReadsLedger(void)
{
	Oid			lr = LedgerRowRelid();

	return OidIsValid(lr) && pg_class_aclcheck(lr, GetUserId(), ACL_SELECT) == ACLCHECK_OK;
}

/*
 * scsm.retention_of(tbl regclass, key jsonb) -> TABLE (class_name,
 * retention_basis, retain_until, state), for a caller who may see the row
 * or read the ledger; no row otherwise, as for a key of no row.
 */
Datum
scsm_retention_of(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LedgerRelInfo *info = LedgerGetRelInfoById(PG_GETARG_OID(0));
	char	   *key = LedgerCanonicalKey(info, PG_GETARG_DATUM(1));
	Oid			types[2] = {REGCLASSOID, JSONBOID};
	Datum		args[2];

	InitMaterializedSRF(fcinfo, 0);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (CallerSeesRow(info, key) || CallerReadsLedger())
	{
		args[0] = PG_GETARG_DATUM(0);
		args[1] = PG_GETARG_DATUM(1);
		if (LedgerReadAsOwner("SELECT class_name, retention_basis, retain_until, state "
							  "FROM scsm.retention_of_entry($1, $2)",
							  2, types, args, NULL, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read the retention of the row");
		if (SPI_tuptable->tupdesc->natts != rsinfo->setDesc->natts)
			elog(ERROR, "scsm.retention_of_entry has an unexpected shape");
		for (uint64 i = 0; i < SPI_processed; i++)
			tuplestore_puttuple(rsinfo->setResult, SPI_tuptable->vals[i]);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * scsm.may_approve_retention(org bigint, role name) -> boolean, about a
 * role the caller can act as (or any, for a superuser or scsm_admin); an
 * unknown role may not.
 */
Datum
scsm_may_approve_retention(PG_FUNCTION_ARGS)
{
	Oid			caller = GetUserId();
	Oid			role;
	Oid			admin;
	Oid			types[2] = {INT8OID, NAMEOID};
	Datum		args[2];
	char		nulls[2] = {' ', ' '};
	bool		isnull;
	Datum		answer;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	role = get_role_oid(NameStr(*PG_GETARG_NAME(1)), true);
	if (!OidIsValid(role))
		PG_RETURN_BOOL(false);
	admin = get_role_oid("scsm_admin", true);
	if (role != caller && !has_privs_of_role(caller, role) && !superuser() &&
		!(OidIsValid(admin) && has_privs_of_role(caller, admin)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to ask whether role \"%s\" may approve retention",
						NameStr(*PG_GETARG_NAME(1))),
				 errdetail("Only the role itself, a role with its privileges, scsm_admin or a superuser may ask."),
				 errhint("Ask about current_user.")));
	args[0] = PG_GETARG_DATUM(0);
	nulls[0] = PG_ARGISNULL(0) ? 'n' : ' ';
	args[1] = PG_GETARG_DATUM(1);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (LedgerReadAsOwner("SELECT scsm.may_approve_retention_check($1, $2)", 2, types, args, nulls, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not decide who may approve retention");
	answer = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	SPI_finish();
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_BOOL(DatumGetBool(answer));
}
