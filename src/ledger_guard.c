/*-------------------------------------------------------------------------
 *
 * ledger_guard.c
 *	  DDL guard of the scsm ledger: an event trigger at ddl_command_start
 *	  that refuses DROP, rename, SET SCHEMA and rewriting or row-changing
 *	  ALTER TABLE of protected tables, the dropping or disabling of their
 *	  ledger triggers, and the renaming of an enum label or a composite
 *	  type's attribute that a protected column holds (both are hashed).
 *
 * An event trigger works whether or not scsm is preloaded, fires for the
 * table owner and superusers alike, and can only be disabled by a
 * superuser; it is created ENABLE ALWAYS so session_replication_role does
 * not silence it.  The install script adds two PL/pgSQL backstops:
 * sql_drop (drops by CASCADE, DROP OWNED) and table_rewrite.
 *
 * A superuser may still disable the ledger triggers (with a warning):
 * that is the documented way around prevention for tier T2, and what
 * remains is detection by scsm.verify_ledger().
 *
 * src/ledger_guard.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"
#include "access/htup_details.h"

#include "ledger.h"

PG_FUNCTION_INFO_V1(scsm_ledger_ddl_guard);

/* Protection mode of a table (NULL when not protected), looked up by name. */
static char *
ProtectedMode(Oid relid)
{
	char	   *relname;
	char	   *nspname;
	char	   *mode = NULL;
	char	   *v;
	Oid			save_userid;
	int			save_sec;
	int			sp;				/* LedgerPinSearchPath */

	if (!OidIsValid(relid) || (relname = get_rel_name(relid)) == NULL)
		return NULL;
	nspname = get_namespace_name(get_rel_namespace(relid));
	SPI_connect();
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(LedgerOwnerId(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	sp = LedgerPinSearchPath();
	if (LedgerTableEntry(nspname, relname, NULL, &v, NULL))
	{
		mode = SPI_palloc(strlen(v) + 1);
		strcpy(mode, v);
	}
	LedgerUnpinSearchPath(sp);
	SetUserIdAndSecContext(save_userid, save_sec);
	SPI_finish();
	return mode;
}

/*
 * The protected partitions and children of relid, at any depth (NIL when
 * none), and the mode of the first in *mode: ALTER TABLE and RENAME COLUMN
 * of a parent reach them.
 */
static List *
ProtectedDescendants(Oid relid, char **mode)
{
	List	   *found = NIL;
	ListCell   *lc;

	*mode = NULL;
	if (!OidIsValid(relid) || !has_subclass(relid))
		return NIL;
	foreach(lc, find_all_inheritors(relid, NoLock, NULL))
	{
		char	   *m;

		if (lfirst_oid(lc) == relid || (m = ProtectedMode(lfirst_oid(lc))) == NULL)
			continue;
		if (*mode == NULL)
			*mode = m;
		found = lappend_oid(found, lfirst_oid(lc));
	}
	return found;
}

/*
 * The first column of the first row of a one-argument look-up run as the
 * ledger's owner (search_path pinned), copied to the caller's memory; NULL
 * when there is none.
 */
static char *
OwnerLookup(const char *sql, Oid argtype, Datum arg)
{
	char	   *found = NULL;

	SPI_connect();
	if (LedgerReadAsOwner(sql, 1, &argtype, &arg, NULL, 1) == SPI_OK_SELECT &&
		SPI_processed > 0)
	{
		char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (v != NULL)
		{
			found = SPI_palloc(strlen(v) + 1);
			strcpy(found, v);
		}
	}
	SPI_finish();
	return found;
}

/* Does a schema hold a protected table? */
static bool
SchemaHoldsProtected(const char *nspname)
{
	return OwnerLookup("SELECT 1 FROM scsm.ledger_table WHERE schema_name = $1",
					   TEXTOID, CStringGetTextDatum(nspname)) != NULL;
}

/*
 * What of a protected table (or of a versioned table's history) holds the
 * type: a column whose values hold it (the type itself, an array, domain,
 * range, multirange or composite type over it, at any depth), or the table
 * itself, created OF the type.  A phrase naming it, or NULL.
 */
static char *
ProtectedColumnUsing(Oid typid)
{
	return OwnerLookup("WITH RECURSIVE u(oid) AS ("
						 "  SELECT $1"
						 "  UNION"
						 "  SELECT ty.oid FROM pg_catalog.pg_type ty, u"
						 "   WHERE (ty.typelem = u.oid AND ty.typsubscript = 'pg_catalog.array_subscript_handler'::pg_catalog.regproc)"
						 "      OR ty.typbasetype = u.oid"
						 "      OR ty.oid IN (SELECT r.rngtypid FROM pg_catalog.pg_range r WHERE r.rngsubtype = u.oid)"
						 "      OR ty.oid IN (SELECT r.rngmultitypid FROM pg_catalog.pg_range r WHERE r.rngtypid = u.oid)"
						 "      OR ty.typrelid IN (SELECT at.attrelid FROM pg_catalog.pg_attribute at"
						 "                          WHERE at.atttypid = u.oid AND at.attnum > 0 AND NOT at.attisdropped)),"
						 " p AS (SELECT c.oid, n.nspname, c.relname, c.reloftype FROM scsm.ledger_table lt"
						 "  JOIN pg_catalog.pg_namespace n ON n.nspname = lt.schema_name"
						 "  JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid"
						 "   AND c.relname IN (lt.table_name, lt.history_table))"
						 "SELECT w FROM ("
						 " SELECT pg_catalog.format('Column %I.%I.%I of a protected table', p.nspname, p.relname, at.attname) AS w"
						 "   FROM p JOIN pg_catalog.pg_attribute at ON at.attrelid = p.oid AND at.attnum > 0 AND NOT at.attisdropped"
						 "  WHERE at.atttypid IN (SELECT oid FROM u)"
						 " UNION ALL"
						 " SELECT pg_catalog.format('Protected table %I.%I, a table of the type,', p.nspname, p.relname)"
						 "   FROM p WHERE p.reloftype IN (SELECT oid FROM u)) f"
						 " ORDER BY 1 LIMIT 1",
					   OIDOID, ObjectIdGetDatum(typid));
}

static void
Refuse(const char *what, const char *relname, const char *mode)
{
	ereport(ERROR,
			(errcode(ERRCODE_LEDGER_REFUSED),
			 errmsg("cannot %s protected table \"%s\"", what, relname),
			 errdetail("Table \"%s\" is under ledger protection (%s).", relname, mode),
			 errhint("Protected tables are permanent; records leave them only through the retention procedure.")));
}

/* Enabling or disabling a ledger trigger: superusers only, with a warning. */
static void
CheckTriggerToggle(const char *trigname, const char *relname)
{
	if (trigname != NULL && strncmp(trigname, "scsm_ledger_", 12) != 0)
		return;
	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to change the ledger triggers of protected table \"%s\"",
						relname),
				 errdetail("Only superusers may enable or disable scsm ledger triggers.")));
	ereport(WARNING,
			(errmsg("ledger triggers of protected table \"%s\" changed by a superuser", relname),
			 errdetail("Changes made while a ledger trigger is disabled are not prevented; scsm.verify_ledger() reports them.")));
}

static bool
IsPrimaryKeyConstraint(Oid relid, const char *conname)
{
	Oid			conoid = get_relation_constraint_oid(relid, conname, true);
	HeapTuple	tup;
	bool		pk = false;

	if (!OidIsValid(conoid))
		return false;
	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	if (HeapTupleIsValid(tup))
	{
		pk = ((Form_pg_constraint) GETSTRUCT(tup))->contype == CONSTRAINT_PRIMARY;
		ReleaseSysCache(tup);
	}
	return pk;
}

/*
 * The one of relid's protected descendants (ProtectedDescendants) whose
 * primary key belongs to relid's constraint conname (attached to it, at any
 * depth), NULL when none: dropping that constraint drops their key with it.
 */
static char *
ProtectedKeyBelow(Oid relid, List *protected, const char *conname)
{
	Oid			conoid = get_relation_constraint_oid(relid, conname, true);
	ListCell   *lc;

	if (!OidIsValid(conoid))
		return NULL;
	foreach(lc, protected)
	{
		Oid			child = lfirst_oid(lc);
		Relation	crel;
		Oid			pkidx;
		Oid			c;

		crel = relation_open(child, AccessShareLock);
		pkidx = RelationGetPrimaryKeyIndex(crel);
		relation_close(crel, AccessShareLock);
		c = OidIsValid(pkidx) ? get_index_constraint(pkidx) : InvalidOid;
		while (OidIsValid(c))
		{
			HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(c));

			if (!HeapTupleIsValid(tup))
				break;
			c = ((Form_pg_constraint) GETSTRUCT(tup))->conparentid;
			ReleaseSysCache(tup);
			if (c == conoid)
				return get_rel_name(child);
		}
	}
	return NULL;
}

/*
 * What of a protected table holds the row type of relation relid (a table,
 * view or composite type), NULL when nothing does: renaming, dropping or
 * re-typing its columns would change the rows that hold it.
 */
static char *
RowTypeHeld(Oid relid)
{
	Oid			typid = OidIsValid(relid) ? get_rel_type_id(relid) : InvalidOid;

	return OidIsValid(typid) ? ProtectedColumnUsing(typid) : NULL;
}

/* Sub-commands of ALTER TABLE that keep every row and its identity. */
static void
CheckAlterTable(AlterTableStmt *stmt)
{
	Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	char	   *mode;
	bool		parent = false;
	List	   *below = NIL;	/* with parent: its protected descendants */
	ListCell   *lc;

	/*
	 * Any relation or composite type whose row type a protected table holds
	 * (ALTER TYPE ... DROP/ALTER ATTRIBUTE comes here as well): no column of
	 * it dropped or re-typed, CASCADE or not.
	 */
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = (AlterTableCmd *) lfirst(lc);
		char	   *held;

		if ((cmd->subtype == AT_DropColumn || cmd->subtype == AT_DropColumnRecurse ||
			 cmd->subtype == AT_AlterColumnType) &&
			(held = RowTypeHeld(relid)) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_LEDGER_REFUSED),
					 errmsg("cannot drop or change the type of column \"%s\" of \"%s\"",
							cmd->name, stmt->relation->relname),
					 errdetail("%s holds its row type: the rows holding it would change.", held)));
	}
	/*
	 * A parent (partitioned or inherited) with a protected partition or
	 * child: what recurses to it is checked as on the child itself;
	 * partitions come and go.
	 */
	if (stmt->objtype != OBJECT_TABLE)
		return;
	if ((mode = ProtectedMode(relid)) == NULL)
	{
		if ((below = ProtectedDescendants(relid, &mode)) == NIL)
			return;
		parent = true;
	}
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = (AlterTableCmd *) lfirst(lc);

		switch (cmd->subtype)
		{
			case AT_AddColumn:
			case AT_AddColumnRecurse:
				{
					ColumnDef  *def = (ColumnDef *) cmd->def;
					ListCell   *c;
					bool		ok = def->raw_default == NULL && def->cooked_default == NULL &&
					def->identity == 0 && def->generated == 0;

					foreach(c, def->constraints)
					{
						Constraint *con = (Constraint *) lfirst(c);

						if (con->contype == CONSTR_DEFAULT ||
							con->contype == CONSTR_NOTNULL ||
							con->contype == CONSTR_IDENTITY ||
							con->contype == CONSTR_GENERATED)
							ok = false;
					}
					if (!ok)
						ereport(ERROR,
								(errcode(ERRCODE_LEDGER_REFUSED),
								 errmsg("cannot add column \"%s\" with a default to protected table \"%s\"",
										def->colname, stmt->relation->relname),
								 errdetail("A default or generated value would change the rows already hashed."),
								 errhint("Add a nullable column without a default, then fill it in new rows.")));
					break;
				}
			case AT_DropConstraint:
			case AT_DropConstraintRecurse:
				if (IsPrimaryKeyConstraint(relid, cmd->name))
					ereport(ERROR,
							(errcode(ERRCODE_LEDGER_REFUSED),
							 errmsg("cannot drop the primary key of protected table \"%s\"",
									stmt->relation->relname),
							 errdetail("The ledger identifies rows by their primary key.")));
				if (parent)
				{
					char	   *keyed = ProtectedKeyBelow(relid, below, cmd->name);

					if (keyed != NULL)
						ereport(ERROR,
								(errcode(ERRCODE_LEDGER_REFUSED),
								 errmsg("cannot drop constraint \"%s\" of \"%s\"",
										cmd->name, stmt->relation->relname),
								 errdetail("The primary key of protected table \"%s\" belongs to it; the ledger identifies rows by their primary key.",
										   keyed)));
				}
				break;
			case AT_EnableAlwaysTrig:
				/* the strongest state, as scsm.protect and pg_restore set it */
				break;

			case AT_EnableTrig:
			case AT_EnableReplicaTrig:
			case AT_DisableTrig:
				CheckTriggerToggle(cmd->name, stmt->relation->relname);
				break;
			case AT_EnableTrigAll:
			case AT_DisableTrigAll:
			case AT_EnableTrigUser:
			case AT_DisableTrigUser:
				CheckTriggerToggle(NULL, stmt->relation->relname);
				break;
			case AT_ColumnDefault:
			case AT_CookedColumnDefault:
			case AT_DropNotNull:
			case AT_SetNotNull:
			case AT_CheckNotNull:
			case AT_SetStatistics:
			case AT_SetOptions:
			case AT_ResetOptions:
			case AT_SetStorage:
			case AT_SetCompression:
			case AT_AddIndex:
			case AT_AddConstraint:
			case AT_AddConstraintRecurse:
			case AT_AlterConstraint:
			case AT_ValidateConstraint:
			case AT_ValidateConstraintRecurse:
			case AT_AddIndexConstraint:
			case AT_ChangeOwner:
			case AT_ClusterOn:
			case AT_DropCluster:
			case AT_SetTableSpace:
			case AT_SetRelOptions:
			case AT_ResetRelOptions:
			case AT_ReplaceRelOptions:
			case AT_EnableRule:
			case AT_EnableAlwaysRule:
			case AT_EnableReplicaRule:
			case AT_DisableRule:
			case AT_ReplicaIdentity:
			case AT_EnableRowSecurity:
			case AT_DisableRowSecurity:
			case AT_ForceRowSecurity:
			case AT_NoForceRowSecurity:
			case AT_AddIdentity:
			case AT_SetIdentity:
			case AT_DropIdentity:
			case AT_ReAddStatistics:
				break;
			case AT_AttachPartition:
			case AT_DetachPartition:
			case AT_DetachPartitionFinalize:
				/* the partitions of a parent come and go */
				if (parent)
					break;
				/* FALLTHROUGH */
			default:
				ereport(ERROR,
						(errcode(ERRCODE_LEDGER_REFUSED),
						 errmsg("cannot alter protected table \"%s\" this way",
								stmt->relation->relname),
						 parent ?
						 errdetail("A partition or child of \"%s\" is under ledger protection (%s); this ALTER TABLE would reach it and rewrite, drop or re-type data the ledger has hashed.",
								   stmt->relation->relname, mode) :
						 errdetail("Table \"%s\" is under ledger protection (%s); this ALTER TABLE would rewrite, drop or re-type data the ledger has hashed.",
								   stmt->relation->relname, mode),
						 errhint("Add nullable columns or constraints instead.")));
		}
	}
}

/* Relation named by a name list, or InvalidOid. */
static Oid
RelidFromNames(List *names)
{
	return RangeVarGetRelid(makeRangeVarFromNameList(names), NoLock, true);
}

/*
 * scsm.ledger_ddl_guard(): the ddl_command_start event trigger.  Looks at
 * the parse tree and refuses what would remove or change protected data.
 */
Datum
scsm_ledger_ddl_guard(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	Node	   *parsetree;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("scsm.ledger_ddl_guard() must be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	parsetree = trigdata->parsetree;

	switch (nodeTag(parsetree))
	{
		case T_AlterTableStmt:
			CheckAlterTable((AlterTableStmt *) parsetree);
			break;
		case T_DropStmt:
			{
				DropStmt   *stmt = (DropStmt *) parsetree;
				ListCell   *lc;

				if (stmt->removeType == OBJECT_TABLE)
				{
					foreach(lc, stmt->objects)
					{
						Oid			relid = RelidFromNames((List *) lfirst(lc));
						char	   *mode = ProtectedMode(relid);

						if (mode)
							Refuse("drop", get_rel_name(relid), mode);
					}
				}
				else if (stmt->removeType == OBJECT_TRIGGER)
				{
					foreach(lc, stmt->objects)
					{
						List	   *names = (List *) lfirst(lc);
						char	   *trig = strVal(llast(names));
						Oid			relid;
						char	   *mode;

						if (strncmp(trig, "scsm_ledger_", 12) != 0)
							continue;
						relid = RelidFromNames(list_truncate(list_copy(names), list_length(names) - 1));
						mode = ProtectedMode(relid);
						if (mode)
							ereport(ERROR,
									(errcode(ERRCODE_LEDGER_REFUSED),
									 errmsg("cannot drop ledger trigger \"%s\" of protected table \"%s\"",
											trig, get_rel_name(relid)),
									 errdetail("Table \"%s\" is under ledger protection (%s).",
											   get_rel_name(relid), mode)));
					}
				}
				break;
			}
		case T_RenameStmt:
			{
				RenameStmt *stmt = (RenameStmt *) parsetree;
				char	   *col;

				if (stmt->renameType == OBJECT_ATTRIBUTE && stmt->relation != NULL)
				{
					/* a composite type's field names are part of the row hash */
					Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
					Oid			typid = OidIsValid(relid) ? get_rel_type_id(relid) : InvalidOid;

					if (OidIsValid(typid) && (col = ProtectedColumnUsing(typid)) != NULL)
						ereport(ERROR,
								(errcode(ERRCODE_LEDGER_REFUSED),
								 errmsg("cannot rename attribute \"%s\" of type %s",
										stmt->subname, format_type_be(typid)),
								 errdetail("%s holds the type: a composite value's field names are part of every row hash.",
										   col)));
				}
				else if (stmt->renameType == OBJECT_COLUMN && stmt->relation != NULL &&
						 (col = RowTypeHeld(RangeVarGetRelid(stmt->relation, NoLock, true))) != NULL)
					ereport(ERROR,
							(errcode(ERRCODE_LEDGER_REFUSED),
							 errmsg("cannot rename column \"%s\" of \"%s\"",
									stmt->subname, stmt->relation->relname),
							 errdetail("%s holds its row type: a composite value's field names are part of every row hash.",
									   col)));
				else if (stmt->renameType == OBJECT_SCHEMA)
				{
					if (SchemaHoldsProtected(stmt->subname))
						ereport(ERROR,
								(errcode(ERRCODE_LEDGER_REFUSED),
								 errmsg("cannot rename schema \"%s\"", stmt->subname),
								 errdetail("It holds protected tables, whose names are part of every row hash.")));
				}
				else if (stmt->relation != NULL &&
						 (stmt->renameType == OBJECT_TABLE ||
						  stmt->renameType == OBJECT_COLUMN ||
						  stmt->renameType == OBJECT_TRIGGER))
				{
					Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
					char	   *mode = ProtectedMode(relid);

					/* a column renamed on a parent is renamed on its partitions */
					if (mode == NULL && stmt->renameType == OBJECT_COLUMN)
						(void) ProtectedDescendants(relid, &mode);
					if (mode && (stmt->renameType != OBJECT_TRIGGER ||
								 strncmp(stmt->subname, "scsm_ledger_", 12) == 0))
						Refuse(stmt->renameType == OBJECT_TABLE ? "rename" :
							   stmt->renameType == OBJECT_COLUMN ? "rename a column of" :
							   "rename a ledger trigger of",
							   get_rel_name(relid), mode);
				}
				break;
			}
		case T_AlterEnumStmt:
			{
				AlterEnumStmt *stmt = (AlterEnumStmt *) parsetree;
				Oid			typid;
				char	   *col;

				/* only RENAME VALUE changes what stored values read as */
				if (stmt->oldVal == NULL)
					break;
				typid = LookupTypeNameOid(NULL, makeTypeNameFromNameList(stmt->typeName), true);
				if (OidIsValid(typid) && (col = ProtectedColumnUsing(typid)) != NULL)
					ereport(ERROR,
							(errcode(ERRCODE_LEDGER_REFUSED),
							 errmsg("cannot rename value \"%s\" of enum type %s",
									stmt->oldVal, format_type_be(typid)),
							 errdetail("%s holds the type: every row hash of a row holding that value would change.",
									   col),
							 errhint("Add the new label with ALTER TYPE ... ADD VALUE and write new rows with it.")));
				break;
			}
		case T_AlterObjectSchemaStmt:
			{
				AlterObjectSchemaStmt *stmt = (AlterObjectSchemaStmt *) parsetree;

				if (stmt->objectType == OBJECT_TABLE && stmt->relation != NULL)
				{
					Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
					char	   *mode = ProtectedMode(relid);

					if (mode)
						Refuse("move", get_rel_name(relid), mode);
				}
				break;
			}
		default:
			break;
	}
	PG_RETURN_VOID();
}
