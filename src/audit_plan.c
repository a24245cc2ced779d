/*-------------------------------------------------------------------------
 *
 * audit_plan.c
 *	  The audit-programme planner: assigns every required audit of every
 *	  auditable unit (heading clause x site) to a month, a lead auditor and
 *	  a team, so that the hard rules hold: coverage of each unit in every
 *	  full cycle of the horizon, the unit's risk-based maximum interval
 *	  (tightened after major nonconformities, with follow-ups), lead status
 *	  and competence of the lead, independence of everyone on the team,
 *	  unavailability, and monthly capacity in audit-days.
 *
 * The data are read through SPI (units refreshed first by
 * scsm.refresh_audit_units, conflicts from scsm.v_audit_conflict); the
 * scheduling itself is in C.  Method: a month-by-month earliest-deadline-
 * first sweep.  Every unit has a next occurrence with a release month and a
 * deadline month (the tighter of its interval chain and the coverage of the
 * current cycle).  In each month the released occurrences are taken in
 * order of (deadline, fewest eligible leads, highest risk, unit id); those
 * due this month must be placed, others are pulled forward only up to the
 * lowest steady monthly rate that meets every released deadline, or the
 * remaining workload of the horizon spread evenly, whichever is higher.
 * Each goes to the least-loaded eligible lead (load this month relative to
 * capacity, then total load, then person id).  An occurrence that cannot be
 * placed at its deadline is tried in earlier months of its window
 * (backfill); then, month by month back through the window, room is made by
 * reassigning roles of audits already placed in that month (augmenting
 * paths of a bipartite matching between the month's audit roles and the
 * auditors' capacities); if that fails too, the reason is diagnosed
 * (competence, lead, independence, unavailability, capacity, also for the
 * team) and reported, a capacity diagnosis with what uses the capacity.
 * Everything is ordered by ids, so the same data give the same programme.
 *
 * The checker (scsm.check_audit_programme, SQL) shares no code with this
 * file.
 *
 * src/audit_plan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "audit_plan.h"

PG_FUNCTION_INFO_V1(scsm_plan_audit_programme);
PG_FUNCTION_INFO_V1(scsm_audit_programme_diagnostics);

#define PLAN_INF		INT_MAX
#define PLAN_MAX_MONTHS 120
#define PLAN_MAX_DETAIL 5

typedef struct PlanConflict
{
	int			auditor;		/* index into the auditor array */
	int			from;			/* first month (relative), inclusive */
	int			to;				/* last month (relative), inclusive */
	char	   *reason;
} PlanConflict;

typedef struct PlanAuditor
{
	int64		person_id;
	bool		is_lead;
	double		capacity;
	char	   *name;
	double	   *load;			/* audit-days per month */
	bool	   *unavailable;	/* per month */
	double		total;
} PlanAuditor;

typedef struct PlanUnit
{
	int64		unit_id;
	int64		site_id;
	char	   *clause;
	char	   *site_name;
	char	   *site_kind;
	int			cls;			/* competence class: (clause, site kind) */
	int			rank;			/* risk rank, higher = riskier */
	int			interval;		/* months */
	int			due;			/* first deadline, relative month */
	bool		follow_up;
	int			nleads;			/* competent lead auditors (static count) */
	PlanConflict *conflicts;
	int			nconflicts;
	/* sweep state */
	int			chaindl;
	int			release;
	int			nextwin;
	int			placed;			/* occurrences placed so far */
} PlanUnit;

typedef struct PlanEntry
{
	int			unit;
	int			month;
	int			lead;			/* -1 when forced after a failure */
	int		   *team;
	int			nteam;
	const char *reason;
	int			due_by;
} PlanEntry;

typedef struct PlanFailure
{
	int			unit;
	int			month;
	const char *rule;
	char	   *detail;
} PlanFailure;

typedef struct PlanClass
{
	int		   *auditors;		/* competent active auditors, by index */
	int			n;
} PlanClass;

typedef struct Planner
{
	int64		org;
	int			m0;				/* absolute month index of the start */
	int			horizon;		/* months */
	int			cycle;			/* months */
	double		audit_days;
	int			team_size;
	PlanAuditor *auditors;
	int			nauditors;
	PlanUnit   *units;
	int			nunits;
	PlanClass  *classes;
	int			nclasses;
	PlanEntry  *entries;
	int			nentries;
	int			maxentries;
	PlanFailure *failures;
	int			nfailures;
	int			maxfailures;
	/* entries of each month (indices into entries), for reassignment */
	int		  **month_entries;
	int		   *month_n;
	int		   *month_max;
	bool	   *visited;		/* per auditor, scratch for FreeSlot */
} Planner;

/* ---------- small helpers ---------- */

/* Month label "YYYY-MM" of a month relative to the start. */
static char *
MonthLabel(Planner *pl, int rel)
{
	int			abs = pl->m0 + rel;

	return psprintf("%04d-%02d", abs / 12, abs % 12 + 1);
}

/* Date of the first (or, with last, the last) day of a relative month. */
static DateADT
MonthDate(Planner *pl, int rel, bool last)
{
	int			abs = pl->m0 + rel + (last ? 1 : 0);
	int			j = date2j(abs / 12, abs % 12 + 1, 1);

	return (DateADT) (j - POSTGRES_EPOCH_JDATE - (last ? 1 : 0));
}

/* Clamp an absolute month index (possibly a sentinel) to a relative month. */
static int
RelMonth(Planner *pl, int64 abs)
{
	int64		r = abs - pl->m0;

	if (r < -1)
		return -1;
	if (r > pl->horizon)
		return pl->horizon;
	return (int) r;
}

/* Run a query with one bigint parameter (the organization); error on failure. */
static void
RunQuery(const char *sql, int64 org, int expect)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(org)};
	int			rc;

	rc = SPI_execute_with_args(sql, 1, argtypes, values, NULL, false, 0);
	if (rc != expect)
		elog(ERROR, "audit planner: query failed (%d): %s", rc, sql);
}

static int64
GetInt64(int row, int col, int64 dflt)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? dflt : DatumGetInt64(d);
}

static int
GetInt32(int row, int col, int dflt)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? dflt : DatumGetInt32(d);
}

static double
GetFloat8(int row, int col, double dflt)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? dflt : DatumGetFloat8(d);
}

static bool
GetBool(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? false : DatumGetBool(d);
}

static char *
GetText(int row, int col)
{
	char	   *s = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);

	return s ? s : pstrdup("");
}

static int
FindAuditor(Planner *pl, int64 person_id)
{
	int			lo = 0,
				hi = pl->nauditors - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (pl->auditors[mid].person_id == person_id)
			return mid;
		if (pl->auditors[mid].person_id < person_id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static int
FindUnit(Planner *pl, int64 unit_id)
{
	int			lo = 0,
				hi = pl->nunits - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (pl->units[mid].unit_id == unit_id)
			return mid;
		if (pl->units[mid].unit_id < unit_id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* ---------- loading ---------- */

/*
 * Validate the arguments and read everything the sweep needs.  Refreshes the
 * units first so due dates reflect the register as it is now.
 */
static void
PlannerLoad(Planner *pl, FunctionCallInfo fcinfo)
{
	Interval   *horizon;
	DateADT		start;
	int			y,
				m,
				d;
	int64		hmonths;
	int			i;

	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("organization must not be null")));
	if (PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("start date must not be null")));
	if (PG_ARGISNULL(2))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("horizon must not be null")));
	pl->org = PG_GETARG_INT64(0);
	start = PG_GETARG_DATEADT(1);
	horizon = PG_GETARG_INTERVAL_P(2);

	if (DATE_NOT_FINITE(start))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("start date must be finite")));
	if (horizon->month < 0 || horizon->day < 0 || horizon->time < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("horizon must be positive"),
						errdetail("The horizon given has a negative part.")));
	hmonths = (int64) horizon->month + horizon->day / 30;
	if (hmonths < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("horizon must be at least one month"),
						errdetail("The programme is planned in whole months; 30 days count as one month.")));
	if (hmonths > PLAN_MAX_MONTHS)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("horizon must be at most 10 years")));
	pl->horizon = (int) hmonths;
	j2date(start + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	pl->m0 = y * 12 + m - 1;

	RunQuery("SELECT 1 FROM scsm.organization WHERE org_id = $1", pl->org, SPI_OK_SELECT);
	if (SPI_processed == 0)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
						errmsg("organization %lld does not exist", (long long) pl->org)));

	RunQuery("SELECT scsm.sync_audit_units($1)", pl->org, SPI_OK_SELECT);
	RunQuery("SELECT scsm.refresh_audit_units($1, NULL, 'planner')", pl->org, SPI_OK_SELECT);

	RunQuery("SELECT scsm.audit_interval_months(cycle), audit_days::float8, team_size::int4 "
			 "FROM scsm.audit_config($1)", pl->org, SPI_OK_SELECT);
	pl->cycle = GetInt32(0, 1, 36);
	pl->audit_days = GetFloat8(0, 2, 1.0);
	pl->team_size = GetInt32(0, 3, 1);

	/* auditors */
	RunQuery("SELECT a.person_id, a.is_lead, a.monthly_capacity::float8, p.full_name "
			 "FROM scsm.auditor a JOIN scsm.person p ON p.org_id = a.org_id AND p.person_id = a.person_id "
			 "WHERE a.org_id = $1 AND a.active ORDER BY a.person_id", pl->org, SPI_OK_SELECT);
	pl->nauditors = (int) SPI_processed;
	pl->auditors = palloc0(sizeof(PlanAuditor) * Max(pl->nauditors, 1));
	for (i = 0; i < pl->nauditors; i++)
	{
		PlanAuditor *a = &pl->auditors[i];

		a->person_id = GetInt64(i, 1, 0);
		a->is_lead = GetBool(i, 2);
		a->capacity = GetFloat8(i, 3, 0);
		a->name = GetText(i, 4);
		a->load = palloc0(sizeof(double) * pl->horizon);
		a->unavailable = palloc0(sizeof(bool) * pl->horizon);
	}
	SPI_freetuptable(SPI_tuptable);

	/* unavailability: a month is blocked when a range touches it */
	RunQuery("SELECT un.person_id, "
			 "CASE WHEN lower_inf(un.during) THEN -2147483647::int8 ELSE scsm.audit_month_index(lower(un.during)) END, "
			 "CASE WHEN upper_inf(un.during) THEN 2147483647::int8 ELSE scsm.audit_month_index(upper(un.during) - 1) END "
			 "FROM scsm.auditor_unavailability un WHERE un.org_id = $1", pl->org, SPI_OK_SELECT);
	for (i = 0; i < (int) SPI_processed; i++)
	{
		int			a = FindAuditor(pl, GetInt64(i, 1, 0));
		int			from = RelMonth(pl, GetInt64(i, 2, 0));
		int			to = RelMonth(pl, GetInt64(i, 3, 0));
		int			k;

		if (a < 0)
			continue;
		for (k = Max(from, 0); k <= Min(to, pl->horizon - 1); k++)
			pl->auditors[a].unavailable[k] = true;
	}
	SPI_freetuptable(SPI_tuptable);

	/* units, with their competence class */
	RunQuery("SELECT u.unit_id, u.site_id, u.clause::text, s.name, s.kind, coalesce(r.rank, 0)::int4, "
			 "u.interval_months, scsm.audit_month_index(u.next_due)::int8, "
			 "dense_rank() OVER (ORDER BY u.clause, s.kind)::int4, coalesce(u.due_reason LIKE 'follow-up%', false) "
			 "FROM scsm.audit_unit u JOIN scsm.site s ON s.org_id = u.org_id AND s.site_id = u.site_id "
			 "LEFT JOIN LATERAL scsm.audit_rule(u.org_id, u.risk_level) r ON true "
			 "WHERE u.org_id = $1 AND u.in_scope AND s.in_scope ORDER BY u.unit_id", pl->org, SPI_OK_SELECT);
	pl->nunits = (int) SPI_processed;
	pl->units = palloc0(sizeof(PlanUnit) * Max(pl->nunits, 1));
	pl->nclasses = 0;
	for (i = 0; i < pl->nunits; i++)
	{
		PlanUnit   *u = &pl->units[i];
		int64		due;

		u->unit_id = GetInt64(i, 1, 0);
		u->site_id = GetInt64(i, 2, 0);
		u->clause = GetText(i, 3);
		u->site_name = GetText(i, 4);
		u->site_kind = GetText(i, 5);
		u->rank = GetInt32(i, 6, 0);
		u->interval = Max(1, Min(GetInt32(i, 7, pl->cycle), pl->cycle));
		due = GetInt64(i, 8, (int64) pl->m0) - pl->m0;
		u->due = due > PLAN_MAX_MONTHS * 2 ? PLAN_MAX_MONTHS * 2 : (due < -1 ? -1 : (int) due);
		u->cls = GetInt32(i, 9, 1);
		u->follow_up = GetBool(i, 10);
		pl->nclasses = Max(pl->nclasses, u->cls);
	}
	SPI_freetuptable(SPI_tuptable);

	/* competent active auditors per class (clause covers its descendants; sector = site kind) */
	pl->classes = palloc0(sizeof(PlanClass) * (pl->nclasses + 1));
	for (i = 0; i <= pl->nclasses; i++)
		pl->classes[i].auditors = palloc(sizeof(int) * Max(pl->nauditors, 1));
	RunQuery("WITH cls AS (SELECT DISTINCT dense_rank() OVER (ORDER BY u.clause, s.kind)::int4 AS cls, u.clause, s.kind "
			 "  FROM scsm.audit_unit u JOIN scsm.site s ON s.org_id = u.org_id AND s.site_id = u.site_id "
			 "  WHERE u.org_id = $1 AND u.in_scope AND s.in_scope) "
			 "SELECT DISTINCT cls.cls, c.person_id FROM cls "
			 "JOIN scsm.auditor_competence c ON c.org_id = $1 "
			 " AND (c.clause IS NULL OR c.clause OPERATOR(scsm.@>) cls.clause) "
			 " AND (c.sector IS NULL OR c.sector = cls.kind) "
			 "ORDER BY 1, 2", pl->org, SPI_OK_SELECT);
	for (i = 0; i < (int) SPI_processed; i++)
	{
		int			cls = GetInt32(i, 1, 0);
		int			a = FindAuditor(pl, GetInt64(i, 2, 0));

		if (a < 0 || cls < 1 || cls > pl->nclasses)
			continue;
		pl->classes[cls].auditors[pl->classes[cls].n++] = a;
	}
	SPI_freetuptable(SPI_tuptable);

	/* conflicts of interest of active auditors, with the months they apply */
	RunQuery("SELECT c.unit_id, c.person_id, c.reason, "
			 "CASE WHEN lower_inf(c.during) THEN -2147483647::int8 ELSE scsm.audit_month_index(lower(c.during)) END, "
			 "CASE WHEN upper_inf(c.during) THEN 2147483647::int8 ELSE scsm.audit_month_index(upper(c.during) - 1) END "
			 "FROM scsm.v_audit_conflict c "
			 "JOIN scsm.auditor a ON a.org_id = c.org_id AND a.person_id = c.person_id AND a.active "
			 "WHERE c.org_id = $1 AND NOT isempty(c.during) ORDER BY c.unit_id, c.person_id, c.reason",
			 pl->org, SPI_OK_SELECT);
	{
		int			n = (int) SPI_processed;
		int			start_row = 0;

		while (start_row < n)
		{
			int64		uid = GetInt64(start_row, 1, 0);
			int			end = start_row;
			int			ui = FindUnit(pl, uid);

			while (end < n && GetInt64(end, 1, 0) == uid)
				end++;
			if (ui >= 0)
			{
				PlanUnit   *u = &pl->units[ui];
				int			r;

				u->conflicts = palloc(sizeof(PlanConflict) * (end - start_row));
				for (r = start_row; r < end; r++)
				{
					int			a = FindAuditor(pl, GetInt64(r, 2, 0));
					PlanConflict *c;

					if (a < 0)
						continue;
					c = &u->conflicts[u->nconflicts++];
					c->auditor = a;
					c->reason = GetText(r, 3);
					c->from = RelMonth(pl, GetInt64(r, 4, 0));
					c->to = RelMonth(pl, GetInt64(r, 5, 0));
				}
			}
			start_row = end;
		}
	}
	SPI_freetuptable(SPI_tuptable);

	for (i = 0; i < pl->nunits; i++)
	{
		PlanUnit   *u = &pl->units[i];
		PlanClass  *c = &pl->classes[u->cls];
		int			k;

		for (k = 0; k < c->n; k++)
			if (pl->auditors[c->auditors[k]].is_lead)
				u->nleads++;
	}
}

/* ---------- the sweep ---------- */

static bool
Conflicted(PlanUnit *u, int auditor, int month)
{
	int			k;

	for (k = 0; k < u->nconflicts; k++)
		if (u->conflicts[k].auditor == auditor &&
			u->conflicts[k].from <= month && month <= u->conflicts[k].to)
			return true;
	return false;
}

static const char *
ConflictReason(PlanUnit *u, int auditor)
{
	int			k;

	for (k = 0; k < u->nconflicts; k++)
		if (u->conflicts[k].auditor == auditor)
			return u->conflicts[k].reason;
	return NULL;
}

/* Coverage deadline of the unit's current cycle window, or PLAN_INF. */
static int
CoverageDeadline(Planner *pl, PlanUnit *u)
{
	int64		end = (int64) (u->nextwin + 1) * pl->cycle;

	return end <= pl->horizon ? (int) end - 1 : PLAN_INF;
}

static int
EffectiveDeadline(Planner *pl, PlanUnit *u)
{
	return Min(u->chaindl, CoverageDeadline(pl, u));
}

/* Is a better (less loaded) than b in month m?  Ties go to the lower person id. */
static bool
LessLoaded(Planner *pl, int a, int b, int m)
{
	PlanAuditor *x = &pl->auditors[a];
	PlanAuditor *y;
	double		lx,
				ly;

	if (b < 0)
		return true;
	y = &pl->auditors[b];
	lx = x->load[m] / x->capacity;
	ly = y->load[m] / y->capacity;
	if (lx != ly)
		return lx < ly;
	lx = x->total / x->capacity;
	ly = y->total / y->capacity;
	if (lx != ly)
		return lx < ly;
	return x->person_id < y->person_id;
}

/* Is auditor a free and independent for unit u in month m (capacity aside)? */
static bool
MayServe(Planner *pl, PlanUnit *u, int a, int m)
{
	return !pl->auditors[a].unavailable[m] && !Conflicted(u, a, m);
}

static bool
HasRoom(Planner *pl, int a, int m)
{
	return pl->auditors[a].load[m] + pl->audit_days <= pl->auditors[a].capacity + 1e-9;
}

static bool
CanServe(Planner *pl, PlanUnit *u, int a, int m)
{
	return MayServe(pl, u, a, m) && HasRoom(pl, a, m);
}

static void
AddEntry(Planner *pl, int unit, int month, int lead, int *team, int nteam, const char *reason, int due_by)
{
	PlanEntry  *e;

	if (pl->nentries == pl->maxentries)
	{
		pl->maxentries = pl->maxentries ? pl->maxentries * 2 : 1024;
		pl->entries = pl->entries ? repalloc_huge(pl->entries, sizeof(PlanEntry) * pl->maxentries)
			: palloc_extended(sizeof(PlanEntry) * pl->maxentries, MCXT_ALLOC_HUGE);
	}
	if (lead >= 0)
	{
		if (pl->month_n[month] == pl->month_max[month])
		{
			pl->month_max[month] = pl->month_max[month] ? pl->month_max[month] * 2 : 64;
			pl->month_entries[month] = pl->month_entries[month]
				? repalloc(pl->month_entries[month], sizeof(int) * pl->month_max[month])
				: palloc(sizeof(int) * pl->month_max[month]);
		}
		pl->month_entries[month][pl->month_n[month]++] = pl->nentries;
	}
	e = &pl->entries[pl->nentries++];
	e->unit = unit;
	e->month = month;
	e->lead = lead;
	e->team = team;
	e->nteam = nteam;
	e->reason = reason;
	e->due_by = due_by;
}

static bool
InList(const int *list, int n, int a)
{
	int			k;

	for (k = 0; k < n; k++)
		if (list[k] == a)
			return true;
	return false;
}

/* Book one audit-day booking of month m on auditor a (or release it). */
static void
Book(Planner *pl, int a, int m, double sign)
{
	pl->auditors[a].load[m] += sign * pl->audit_days;
	pl->auditors[a].total += sign * pl->audit_days;
}

/*
 * The least-loaded auditor, other than the lead and the team so far, who can
 * serve on the audit of unit u in month m with room left; -1 if none.
 */
static int
LeastLoadedMember(Planner *pl, PlanUnit *u, int m, int lead, const int *team, int nteam)
{
	int			pick = -1;

	for (int a = 0; a < pl->nauditors; a++)
		if (a != lead && !InList(team, nteam, a) &&
			CanServe(pl, u, a, m) && LessLoaded(pl, a, pick, m))
			pick = a;
	return pick;
}

/*
 * Try to staff one audit of unit ui in month m: the least-loaded competent,
 * independent, available lead with capacity, then team_size - 1 more
 * independent, available auditors with capacity.  Books the load on success.
 */
static bool
TryAssign(Planner *pl, int ui, int m, int *lead_out, int **team_out, int *nteam_out)
{
	PlanUnit   *u = &pl->units[ui];
	PlanClass  *c = &pl->classes[u->cls];
	int			best = -1;
	int			k;
	int		   *team = NULL;
	int			nteam = 0;

	for (k = 0; k < c->n; k++)
	{
		int			a = c->auditors[k];

		if (!pl->auditors[a].is_lead || !CanServe(pl, u, a, m))
			continue;
		if (LessLoaded(pl, a, best, m))
			best = a;
	}
	if (best < 0)
		return false;
	if (pl->team_size > 1)
	{
		team = palloc(sizeof(int) * pl->team_size);
		while (nteam < pl->team_size - 1)
		{
			int			pick = LeastLoadedMember(pl, u, m, best, team, nteam);

			if (pick < 0)
			{
				pfree(team);
				return false;
			}
			team[nteam++] = pick;
		}
	}
	Book(pl, best, m, 1);
	for (k = 0; k < nteam; k++)
		Book(pl, team[k], m, 1);
	*lead_out = best;
	*team_out = team;
	*nteam_out = nteam;
	return true;
}

/* May auditor a lead the audit of unit u in month m (capacity aside)? */
static bool
CanLead(Planner *pl, PlanUnit *u, int a, int m)
{
	return pl->auditors[a].is_lead && MayServe(pl, u, a, m);
}

/* Move one audit-day booking of month m from auditor a to auditor b. */
static void
MoveLoad(Planner *pl, int a, int b, int m)
{
	Book(pl, a, m, -1);
	Book(pl, b, m, 1);
}

/*
 * Free one audit's worth of capacity of auditor a in month m by handing one
 * of a's roles that month (lead or team member of a placed audit) to another
 * auditor who may take it and has room, or whose room can be freed the same
 * way: a depth-first augmenting path over auditors, each visited once per
 * search (bipartite matching of the month's audit roles to auditors with
 * their capacities).  Entries and auditors are tried in index order, so the
 * result is deterministic.  Returns true when a now has room.
 */
static bool
FreeSlot(Planner *pl, int a, int m)
{
	int			i;

	pl->visited[a] = true;
	for (i = 0; i < pl->month_n[m]; i++)
	{
		PlanEntry  *e = &pl->entries[pl->month_entries[m][i]];
		PlanUnit   *v = &pl->units[e->unit];
		int			k;

		if (e->lead == a)
		{
			PlanClass  *c = &pl->classes[v->cls];

			for (k = 0; k < c->n; k++)
			{
				int			b = c->auditors[k];

				if (pl->visited[b] || !CanLead(pl, v, b, m) || InList(e->team, e->nteam, b))
					continue;
				if (HasRoom(pl, b, m) || FreeSlot(pl, b, m))
				{
					MoveLoad(pl, a, b, m);
					e->lead = b;
					return true;
				}
			}
		}
		else if (InList(e->team, e->nteam, a))
		{
			int			b;

			for (b = 0; b < pl->nauditors; b++)
			{
				if (pl->visited[b] || b == e->lead || InList(e->team, e->nteam, b) ||
					!MayServe(pl, v, b, m))
					continue;
				if (HasRoom(pl, b, m) || FreeSlot(pl, b, m))
				{
					MoveLoad(pl, a, b, m);
					for (k = 0; k < e->nteam; k++)
						if (e->team[k] == a)
							e->team[k] = b;
					return true;
				}
			}
		}
	}
	return false;
}

/*
 * TryAssign could not staff unit ui in month m: reassign roles of audits
 * already placed in m so that an eligible lead, then each team member, gets
 * room.  Each member is booked as soon as found, so later searches do not
 * take the room back.  On failure every booking made here is released (the
 * reassignments stay: they are valid).
 */
static bool
AugmentAssign(Planner *pl, int ui, int m, int *lead_out, int **team_out, int *nteam_out)
{
	PlanUnit   *u = &pl->units[ui];
	PlanClass  *c = &pl->classes[u->cls];
	int			lead = -1;
	int		   *team = NULL;
	int			nteam = 0;
	int			k;

	/*
	 * A failed search changes nothing, so the auditors it visited stay dead
	 * ends for the next candidate: one visited set per search phase keeps a
	 * phase linear in the month's audits.
	 */
	memset(pl->visited, 0, sizeof(bool) * Max(pl->nauditors, 1));
	for (k = 0; k < c->n && lead < 0; k++)
	{
		int			a = c->auditors[k];

		if (!CanLead(pl, u, a, m))
			continue;
		if (HasRoom(pl, a, m) || (!pl->visited[a] && FreeSlot(pl, a, m)))
			lead = a;
	}
	if (lead < 0)
		return false;
	Book(pl, lead, m, 1);
	if (pl->team_size > 1)
		team = palloc(sizeof(int) * pl->team_size);
	while (nteam < pl->team_size - 1)
	{
		/* the least-loaded one with room, as TryAssign would choose */
		int			pick = LeastLoadedMember(pl, u, m, lead, team, nteam);
		int			a;

		memset(pl->visited, 0, sizeof(bool) * Max(pl->nauditors, 1));
		for (a = 0; a < pl->nauditors && pick < 0; a++)
		{
			if (a == lead || InList(team, nteam, a) || pl->visited[a] ||
				!MayServe(pl, u, a, m))
				continue;
			if (FreeSlot(pl, a, m))
				pick = a;
		}
		if (pick < 0)
		{
			Book(pl, lead, m, -1);
			for (k = 0; k < nteam; k++)
				Book(pl, team[k], m, -1);
			if (team)
				pfree(team);
			return false;
		}
		Book(pl, pick, m, 1);
		team[nteam++] = pick;
	}
	*lead_out = lead;
	*team_out = team;
	*nteam_out = nteam;
	return true;
}

/* Record that unit ui had its next occurrence at month p and advance its state. */
static void
Place(Planner *pl, int ui, int p, int lead, int *team, int nteam)
{
	PlanUnit   *u = &pl->units[ui];
	int			cov = CoverageDeadline(pl, u);
	int			eff = Min(u->chaindl, cov);
	const char *reason;
	int			gap;

	if (cov < u->chaindl)
		reason = "coverage";
	else if (u->placed == 0)
		reason = u->due < 0 ? "overdue" : (u->follow_up ? "follow_up" : "due");
	else
		reason = "interval";
	if (lead >= 0)
		AddEntry(pl, ui, p, lead, team, nteam, reason, eff);
	u->placed++;
	if (p / pl->cycle == u->nextwin)
		u->nextwin++;
	u->chaindl = (p + u->interval < pl->horizon) ? p + u->interval : PLAN_INF;
	gap = Max(1, u->interval - u->interval / 3);
	u->release = p + gap;
	if (CoverageDeadline(pl, u) < u->chaindl)
		u->release = Max(u->release, u->nextwin * pl->cycle);
}

static void
AddFailure(Planner *pl, int ui, int m, const char *rule, char *detail)
{
	if (pl->nfailures == pl->maxfailures)
	{
		pl->maxfailures = pl->maxfailures ? pl->maxfailures * 2 : 16;
		pl->failures = pl->failures ? repalloc(pl->failures, sizeof(PlanFailure) * pl->maxfailures)
			: palloc(sizeof(PlanFailure) * pl->maxfailures);
	}
	pl->failures[pl->nfailures].unit = ui;
	pl->failures[pl->nfailures].month = m;
	pl->failures[pl->nfailures].rule = rule;
	pl->failures[pl->nfailures].detail = detail;
	pl->nfailures++;
}

#define PLAN_MAX_NAMES 8

/*
 * Append one person to a list in a diagnostic; after PLAN_MAX_NAMES only
 * count them (*shown tracks the list), so big organizations get short
 * messages.  FinishPersons appends the count of those left out.
 */
static void
AppendPerson(Planner *pl, StringInfo s, int a, bool first, int *shown, int *hidden)
{
	if (first)
		*shown = *hidden = 0;
	if (*shown >= PLAN_MAX_NAMES)
	{
		(*hidden)++;
		return;
	}
	appendStringInfo(s, "%s%lld (%s)", *shown ? ", " : "",
					 (long long) pl->auditors[a].person_id, pl->auditors[a].name);
	(*shown)++;
}

static void
FinishPersons(StringInfo s, int hidden)
{
	if (hidden > 0)
		appendStringInfo(s, " and %d more", hidden);
}

#define PLAN_MAX_CARRIED 6

/*
 * Append what auditor a carries in month m: the audit-days booked against
 * the capacity and the first units audited (as lead or on the team), so a
 * capacity diagnosis says what used the capacity.
 */
static void
AppendCarried(Planner *pl, StringInfo s, int a, int m)
{
	PlanAuditor *x = &pl->auditors[a];
	int			i,
				n = 0;

	appendStringInfo(s, " In %s person %lld (%s) has %g of %g audit-days booked",
					 MonthLabel(pl, m), (long long) x->person_id, x->name, x->load[m], x->capacity);
	for (i = 0; i < pl->month_n[m]; i++)
	{
		PlanEntry  *e = &pl->entries[pl->month_entries[m][i]];
		PlanUnit   *v = &pl->units[e->unit];

		if (e->lead != a && !InList(e->team, e->nteam, a))
			continue;
		if (n < PLAN_MAX_CARRIED)
			appendStringInfo(s, "%s unit %lld (%s at \"%s\"%s)", n ? "," : ":",
							 (long long) v->unit_id, v->clause, v->site_name, e->lead == a ? "" : ", team");
		n++;
	}
	if (n > PLAN_MAX_CARRIED)
		appendStringInfo(s, " and %d more", n - PLAN_MAX_CARRIED);
	appendStringInfoChar(s, '.');
}

/*
 * Say why no audit of unit ui fits in months lb..m: the first rule, in the
 * order competence, lead, independence, unavailability, capacity, that
 * leaves no auditor.
 */
static void
Diagnose(Planner *pl, int ui, int lb, int m)
{
	PlanUnit   *u = &pl->units[ui];
	PlanClass  *c = &pl->classes[u->cls];
	StringInfoData s;
	int			k,
				mm;
	bool		first;
	int			nindep = 0,
				navail = 0,
				shown = 0,
				hidden = 0;
	char	   *window = lb < m ? psprintf("%s to %s", MonthLabel(pl, lb), MonthLabel(pl, m))
		: MonthLabel(pl, m);

	initStringInfo(&s);
	if (c->n == 0)
	{
		appendStringInfo(&s, "No active auditor is competent for clause %s at a %s site.",
						 u->clause, u->site_kind);
		AddFailure(pl, ui, m, "competence", s.data);
		return;
	}
	if (u->nleads == 0)
	{
		appendStringInfo(&s, "The auditors competent for clause %s at a %s site (persons ", u->clause, u->site_kind);
		for (k = 0; k < c->n; k++)
			AppendPerson(pl, &s, c->auditors[k], k == 0, &shown, &hidden);
		FinishPersons(&s, hidden);
		appendStringInfoString(&s, ") have no lead-auditor status.");
		AddFailure(pl, ui, m, "lead", s.data);
		return;
	}
	for (k = 0; k < c->n; k++)
	{
		int			a = c->auditors[k];
		bool		indep = false,
					avail = false;

		if (!pl->auditors[a].is_lead)
			continue;
		for (mm = lb; mm <= m; mm++)
			if (!Conflicted(u, a, mm))
			{
				indep = true;
				if (!pl->auditors[a].unavailable[mm])
					avail = true;
			}
		nindep += indep;
		navail += avail;
	}
	if (nindep == 0)
	{
		appendStringInfo(&s, "Every competent lead auditor has a conflict of interest in %s: ", window);
		first = true;
		for (k = 0; k < c->n; k++)
		{
			int			a = c->auditors[k];

			if (!pl->auditors[a].is_lead)
				continue;
			if (shown < PLAN_MAX_NAMES)
				appendStringInfo(&s, "%sperson %lld (%s) %s", first ? "" : "; ",
								 (long long) pl->auditors[a].person_id, pl->auditors[a].name,
								 ConflictReason(u, a) ? ConflictReason(u, a) : "is conflicted");
			else
				hidden++;
			shown++;
			first = false;
		}
		if (hidden > 0)
			appendStringInfo(&s, "; and %d more", hidden);
		appendStringInfoString(&s, ".");
		AddFailure(pl, ui, m, "independence", s.data);
		return;
	}
	if (navail == 0)
	{
		appendStringInfoString(&s, "Every competent, independent lead auditor (persons ");
		first = true;
		for (k = 0; k < c->n; k++)
		{
			int			a = c->auditors[k];
			bool		indep = false;

			if (!pl->auditors[a].is_lead)
				continue;
			for (mm = lb; mm <= m; mm++)
				indep |= !Conflicted(u, a, mm);
			if (!indep)
				continue;
			AppendPerson(pl, &s, a, first, &shown, &hidden);
			first = false;
		}
		FinishPersons(&s, hidden);
		appendStringInfo(&s, ") is unavailable in %s.", window);
		AddFailure(pl, ui, m, "unavailability", s.data);
		return;
	}
	if (pl->team_size > 1)
	{
		/* can a team be formed at all, capacity aside? */
		bool		team_indep = false,
					team_avail = false;

		for (mm = lb; mm <= m; mm++)
			for (k = 0; k < c->n; k++)
			{
				int			a = c->auditors[k];
				int			b,
							nind = 0,
							nfree = 0;

				if (!pl->auditors[a].is_lead || Conflicted(u, a, mm))
					continue;
				for (b = 0; b < pl->nauditors; b++)
				{
					if (b == a || Conflicted(u, b, mm))
						continue;
					nind++;
					nfree += !pl->auditors[b].unavailable[mm];
				}
				team_indep |= (nind >= pl->team_size - 1);
				team_avail |= (!pl->auditors[a].unavailable[mm] && nfree >= pl->team_size - 1);
			}
		if (!team_indep || !team_avail)
		{
			int			b;

			appendStringInfo(&s, "No team of %d can be formed in %s: besides a competent, independent lead auditor, "
							 "too few active auditors are %s (independent: ",
							 pl->team_size, window, team_indep ? "independent and available" : "independent of the unit");
			first = true;
			for (b = 0; b < pl->nauditors; b++)
			{
				bool		indep = false;

				for (mm = lb; mm <= m; mm++)
					indep |= !Conflicted(u, b, mm);
				if (!indep)
					continue;
				AppendPerson(pl, &s, b, first, &shown, &hidden);
				first = false;
			}
			if (first)
				appendStringInfoString(&s, "nobody");
			FinishPersons(&s, hidden);
			appendStringInfoString(&s, ").");
			AddFailure(pl, ui, m, team_indep ? "unavailability" : "independence", s.data);
			return;
		}
	}
	appendStringInfoString(&s, "The competent, independent, available lead auditors (persons ");
	first = true;
	for (k = 0; k < c->n; k++)
	{
		int			a = c->auditors[k];
		bool		avail = false;

		if (!pl->auditors[a].is_lead)
			continue;
		for (mm = lb; mm <= m; mm++)
			avail |= (!Conflicted(u, a, mm) && !pl->auditors[a].unavailable[mm]);
		if (!avail)
			continue;
		AppendPerson(pl, &s, a, first, &shown, &hidden);
		first = false;
	}
	FinishPersons(&s, hidden);
	appendStringInfo(&s, ") have no capacity left in %s", window);
	if (pl->team_size > 1)
		appendStringInfo(&s, ", or too few independent auditors are free to make a team of %d", pl->team_size);
	appendStringInfo(&s, ", even after moving audits between auditors; an audit takes %g audit-days of each team member.",
					 pl->audit_days);
	/*
	 * What uses the capacity: the audits these leads (with teams: everyone
	 * who could be on the team) carry in the due month.
	 */
	shown = 0;
	for (k = 0; k < (pl->team_size > 1 ? pl->nauditors : c->n) && shown < PLAN_MAX_NAMES; k++)
	{
		int			a = pl->team_size > 1 ? k : c->auditors[k];

		if ((pl->team_size == 1 && !pl->auditors[a].is_lead) ||
			Conflicted(u, a, m) || pl->auditors[a].unavailable[m])
			continue;
		AppendCarried(pl, &s, a, m);
		shown++;
	}
	AddFailure(pl, ui, m, "capacity", s.data);
}

/* qsort_arg comparator: candidates in the order the sweep serves them. */
static int
CandidateCmp(const void *pa, const void *pb, void *arg)
{
	Planner    *sort_pl = (Planner *) arg;
	PlanUnit   *a = &sort_pl->units[*(const int *) pa];
	PlanUnit   *b = &sort_pl->units[*(const int *) pb];
	int			da = EffectiveDeadline(sort_pl, a);
	int			db = EffectiveDeadline(sort_pl, b);

	if (da != db)
		return da < db ? -1 : 1;
	if (a->nleads != b->nleads)
		return a->nleads < b->nleads ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank > b->rank ? -1 : 1;
	if (a->unit_id != b->unit_id)
		return a->unit_id < b->unit_id ? -1 : 1;
	return 0;
}

/* qsort_arg comparator: planned audits by month, then unit id. */
static int
EntryCmp(const void *pa, const void *pb, void *arg)
{
	Planner    *sort_pl = (Planner *) arg;
	const PlanEntry *a = pa;
	const PlanEntry *b = pb;

	if (a->month != b->month)
		return a->month < b->month ? -1 : 1;
	if (sort_pl->units[a->unit].unit_id != sort_pl->units[b->unit].unit_id)
		return sort_pl->units[a->unit].unit_id < sort_pl->units[b->unit].unit_id ? -1 : 1;
	return 0;
}

static void
PlannerSweep(Planner *pl)
{
	int		   *cand = palloc(sizeof(int) * Max(pl->nunits, 1));
	int			i,
				m;

	pl->month_entries = palloc0(sizeof(int *) * pl->horizon);
	pl->month_n = palloc0(sizeof(int) * pl->horizon);
	pl->month_max = palloc0(sizeof(int) * pl->horizon);
	pl->visited = palloc0(sizeof(bool) * Max(pl->nauditors, 1));
	for (i = 0; i < pl->nunits; i++)
	{
		PlanUnit   *u = &pl->units[i];

		u->chaindl = u->due < 0 ? 0 : (u->due < pl->horizon ? u->due : PLAN_INF);
		u->release = 0;
		u->nextwin = 0;
	}

	for (m = 0; m < pl->horizon; m++)
	{
		int			ncand = 0;
		int			target = 0;
		int			placed = 0;
		double		remaining = 0;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < pl->nunits; i++)
		{
			PlanUnit   *u = &pl->units[i];
			int			eff = EffectiveDeadline(pl, u);

			if (eff >= pl->horizon)
				continue;
			/* audits this unit still needs if each goes at its deadline */
			remaining += 1 + (pl->horizon - 1 - eff) / u->interval;
			if (u->release <= m)
				cand[ncand++] = i;
		}
		qsort_arg(cand, ncand, sizeof(int), CandidateCmp, pl);
		/* the lowest steady rate that meets every released deadline */
		for (i = 0; i < ncand; i++)
		{
			int			months = EffectiveDeadline(pl, &pl->units[cand[i]]) - m + 1;
			int			rate = (i + 1) / months;	/* rounded down: musts fill up */

			target = Max(target, rate);
		}
		/* and the whole remaining workload spread over the remaining months */
		target = Max(target, (int) floor(remaining / (pl->horizon - m)));

		for (i = 0; i < ncand; i++)
		{
			int			ui = cand[i];
			PlanUnit   *u = &pl->units[ui];
			int			eff = EffectiveDeadline(pl, u);
			bool		must = (eff <= m);
			int			lead,
						nteam,
					   *team;

			if (!must && placed >= target)
				break;
			if (TryAssign(pl, ui, m, &lead, &team, &nteam))
			{
				Place(pl, ui, m, lead, team, nteam);
				placed++;
				continue;
			}
			if (!must)
				continue;
			/* backfill: the latest earlier month of its window that has room */
			{
				int			lb = Max(Max(u->release, m + 1 - u->interval), 0);
				int			p;
				bool		done = false;

				if (CoverageDeadline(pl, u) <= u->chaindl)
					lb = Max(lb, u->nextwin * pl->cycle);
				for (p = m - 1; p >= lb && !done; p--)
					if (TryAssign(pl, ui, p, &lead, &team, &nteam))
					{
						Place(pl, ui, p, lead, team, nteam);
						done = true;
					}
				/* then make room by reassigning the leads of placed audits */
				for (p = m; p >= lb && !done; p--)
					if (AugmentAssign(pl, ui, p, &lead, &team, &nteam))
					{
						Place(pl, ui, p, lead, team, nteam);
						done = true;
					}
				if (!done)
				{
					Diagnose(pl, ui, Min(lb, m), m);
					Place(pl, ui, m, -1, NULL, 0);
				}
			}
		}
	}
	if (pl->nentries > 1)
		qsort_arg(pl->entries, pl->nentries, sizeof(PlanEntry), EntryCmp, pl);
}

/* ---------- output ---------- */

static int64
PlannerStore(Planner *pl)
{
	Oid			argtypes[9] = {INT8OID, INT8OID, INT8ARRAYOID, DATEARRAYOID, INT8ARRAYOID,
	TEXTARRAYOID, TEXTARRAYOID, FLOAT8OID, DATEARRAYOID};
	Datum		values[9];
	Datum	   *units,
			   *periods,
			   *leads,
			   *teams,
			   *reasons,
			   *dues;
	int			n = pl->nentries;
	int			i;
	int64		programme_id;
	Oid			pargs[4] = {INT8OID, DATEOID, INT4OID, INT4OID};
	Datum		pvals[4];

	RunQuery("UPDATE scsm.audit_programme SET status = 'superseded' WHERE org_id = $1 AND status = 'current'",
			 pl->org, SPI_OK_UPDATE);
	pvals[0] = Int64GetDatum(pl->org);
	pvals[1] = DateADTGetDatum(MonthDate(pl, 0, false));
	pvals[2] = Int32GetDatum(pl->horizon);
	pvals[3] = Int32GetDatum(pl->cycle);
	if (SPI_execute_with_args("INSERT INTO scsm.audit_programme (org_id, start_month, horizon_months, cycle_months) "
							  "VALUES ($1, $2, $3, $4) RETURNING programme_id",
							  4, pargs, pvals, NULL, false, 0) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "audit planner: could not store the programme");
	programme_id = GetInt64(0, 1, 0);
	SPI_freetuptable(SPI_tuptable);
	if (n == 0)
		return programme_id;

	units = palloc(sizeof(Datum) * n);
	periods = palloc(sizeof(Datum) * n);
	leads = palloc(sizeof(Datum) * n);
	teams = palloc(sizeof(Datum) * n);
	reasons = palloc(sizeof(Datum) * n);
	dues = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
	{
		PlanEntry  *e = &pl->entries[i];
		StringInfoData t;
		int			k;

		units[i] = Int64GetDatum(pl->units[e->unit].unit_id);
		periods[i] = DateADTGetDatum(MonthDate(pl, e->month, false));
		leads[i] = Int64GetDatum(pl->auditors[e->lead].person_id);
		initStringInfo(&t);
		appendStringInfoChar(&t, '{');
		for (k = 0; k < e->nteam; k++)
			appendStringInfo(&t, "%s%lld", k ? "," : "", (long long) pl->auditors[e->team[k]].person_id);
		appendStringInfoChar(&t, '}');
		teams[i] = CStringGetTextDatum(t.data);
		reasons[i] = CStringGetTextDatum(e->reason);
		dues[i] = DateADTGetDatum(MonthDate(pl, e->due_by, true));
	}
	values[0] = Int64GetDatum(pl->org);
	values[1] = Int64GetDatum(programme_id);
	values[2] = PointerGetDatum(construct_array(units, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[3] = PointerGetDatum(construct_array(periods, n, DATEOID, 4, true, TYPALIGN_INT));
	values[4] = PointerGetDatum(construct_array(leads, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[5] = PointerGetDatum(construct_array(teams, n, TEXTOID, -1, false, TYPALIGN_INT));
	values[6] = PointerGetDatum(construct_array(reasons, n, TEXTOID, -1, false, TYPALIGN_INT));
	values[7] = Float8GetDatum(pl->audit_days);
	values[8] = PointerGetDatum(construct_array(dues, n, DATEOID, 4, true, TYPALIGN_INT));
	if (SPI_execute_with_args("INSERT INTO scsm.planned_audit "
							  "(org_id, programme_id, unit_id, period, lead_auditor, team, audit_days, reason, due_by) "
							  "SELECT $1, $2, x.u, x.p, x.l, x.t::bigint[], $8::numeric(5,2), x.r, x.d "
							  "FROM unnest($3, $4, $5, $6, $7, $9) WITH ORDINALITY AS x(u, p, l, t, r, d, n) "
							  "ORDER BY x.n",
							  9, argtypes, values, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "audit planner: could not store the planned audits");
	return programme_id;
}

static char *
FailureLine(Planner *pl, PlanFailure *f)
{
	PlanUnit   *u = &pl->units[f->unit];

	return psprintf("Unit %lld (clause %s at site \"%s\"), due by %s: rule %s: %s",
					(long long) u->unit_id, u->clause, u->site_name, MonthLabel(pl, f->month),
					f->rule, f->detail);
}

/*
 * scsm.plan_audit_programme_id(org, start, horizon): plan, store, return the
 * programme id; raise 55000 with the units and rules that cannot be met.
 */
Datum
scsm_plan_audit_programme(PG_FUNCTION_ARGS)
{
	Planner		pl;
	int64		programme_id;

	memset(&pl, 0, sizeof(pl));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PlannerLoad(&pl, fcinfo);
	PlannerSweep(&pl);
	if (pl.nfailures > 0)
	{
		StringInfoData s;
		int			i;
		bool	   *seen = palloc0(sizeof(bool) * pl.nunits);
		int			nunits = 0;

		/* one line per unit (its first failure), at most PLAN_MAX_DETAIL */
		initStringInfo(&s);
		for (i = 0; i < pl.nfailures; i++)
		{
			if (seen[pl.failures[i].unit])
				continue;
			seen[pl.failures[i].unit] = true;
			if (nunits < PLAN_MAX_DETAIL)
				appendStringInfo(&s, "%s%s", nunits ? "\n" : "", FailureLine(&pl, &pl.failures[i]));
			nunits++;
		}
		if (nunits > PLAN_MAX_DETAIL)
			appendStringInfo(&s, "\n... and %d more unit(s).", nunits - PLAN_MAX_DETAIL);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no audit programme meets the rules for organization %lld", (long long) pl.org),
				 errdetail("%s", s.data),
				 errhint("Add competences, auditors, lead status or capacity, resolve conflicts of interest, "
						 "or list every unit concerned with scsm.audit_programme_diagnostics().")));
	}
	programme_id = PlannerStore(&pl);
	SPI_finish();
	PG_RETURN_INT64(programme_id);
}

/*
 * scsm.audit_programme_diagnostics(org, start, horizon): the same planning
 * run, nothing stored; one row per unit audit that cannot be planned.
 */
Datum
scsm_audit_programme_diagnostics(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Planner		pl;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	memset(&pl, 0, sizeof(pl));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PlannerLoad(&pl, fcinfo);
	PlannerSweep(&pl);
	for (i = 0; i < pl.nfailures; i++)
	{
		PlanFailure *f = &pl.failures[i];
		PlanUnit   *u = &pl.units[f->unit];
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};

		values[0] = Int64GetDatum(u->unit_id);
		values[2] = Int64GetDatum(u->site_id);
		values[3] = CStringGetTextDatum(f->rule);
		values[4] = DateADTGetDatum(MonthDate(&pl, f->month, false));
		values[5] = CStringGetTextDatum(f->detail);
		/* column 2 is scsm.clause: convert through its input function */
		{
			Oid			typoid = TupleDescAttr(rsinfo->setDesc, 1)->atttypid;
			Oid			infunc,
						ioparam;

			getTypeInputInfo(typoid, &infunc, &ioparam);
			values[1] = OidInputFunctionCall(infunc, u->clause, ioparam, -1);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}
