#!/usr/bin/env bash
# User risk matrices, their frozen versions and stored scores survive
# pg_dump and restore (pg_extension_config_dump), presets are not doubled,
# restored scores still re-derive and frozen versions stay immutable.
# Prints TAP.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh

export PGDATABASE=postgres PGOPTIONS="-c client_min_messages=warning"
a=scsm_rm_dump_a b=scsm_rm_dump_b
work=${SCSM_TEST_WORK:-$(mktemp -d)}/risk_dump
rm -rf "$work"; mkdir -p "$work"
q() { psql -X -At -v ON_ERROR_STOP=1 -d "$@"; }
cleanup() { psql -X -q -c "DROP DATABASE IF EXISTS $a" -c "DROP DATABASE IF EXISTS $b" >/dev/null 2>&1; }
trap cleanup EXIT
cleanup
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $a" -c "CREATE DATABASE $b" >/dev/null || { echo "Bail out! createdb"; exit 1; }

echo "1..8"
q $a >/dev/null <<'SQL' || { echo "Bail out! setup failed"; exit 1; }
CREATE EXTENSION scsm;
-- the register rows the scores point at (organization 11, risks 0..29)
INSERT INTO scsm.organization (org_id, name, short_name) OVERRIDING SYSTEM VALUE VALUES (11, 'Org 11', 'org_11');
INSERT INTO scsm.person (org_id, person_id, full_name) OVERRIDING SYSTEM VALUE VALUES (11, 1, 'Risk owner');
INSERT INTO scsm.threat (org_id, threat_id, category, title) OVERRIDING SYSTEM VALUE VALUES (11, 1, 'a', 'Threat');
INSERT INTO scsm.risk (org_id, risk_id, threat_id, title, owner, likelihood, consequence) OVERRIDING SYSTEM VALUE
SELECT 11, g, 1, 'Risk ' || g, 1, 1, 1 FROM generate_series(0, 29) g;
INSERT INTO scsm.organization (org_id, name, short_name) OVERRIDING SYSTEM VALUE VALUES (12, 'Org 12', 'org_12'), (13, 'Org 13', 'org_13');
-- a copy of a preset, scored (frozen), then a second version left as a draft
SELECT scsm.risk_matrix_copy(1, 11, 'site 11') AS v1 \gset
UPDATE scsm.risk_level SET treatment_deadline = '45 days', description = 'tuned'
 WHERE version_id = :v1 AND level_code = 'high';
SELECT scsm.risk_score_record(11, g, :v1, jsonb_build_object('likelihood', 1 + g % 5,
	'consequences', jsonb_build_object('people', 1 + g % 3, 'legal', 1 + (g / 3) % 5),
	'preventive', jsonb_build_array(0.25), 'corrective', 0.5))
  FROM generate_series(0, 29) g;
SELECT scsm.risk_matrix_new_version(:v1) AS v2 \gset
UPDATE scsm.risk_matrix_cell SET level_code = 'critical' WHERE version_id = :v2 AND likelihood = 3 AND consequence = 5;
-- a matrix of its own, frozen by hand
SELECT scsm.risk_matrix_freeze(scsm.risk_matrix_import(12, 'tiny', '{"n_likelihood": 1, "n_consequence": 2,
	"likelihood_labels": ["any"], "consequence_labels": ["a", "b"], "appetite_level": "x", "tolerance_level": "y",
	"levels": [{"code": "x", "rank": 0, "colour": "#111111"}, {"code": "y", "rank": 1, "colour": "#222222"}],
	"cells": [[1, 1, "x"], [1, 2, "y"]]}'));
SQL

"$PGBIN/pg_dump" -d $a -f "$work/dump.sql" 2>"$work/dump.err"
if PGOPTIONS="${PGOPTIONS:-} -c scsm.restore_mode=on" q $b -f "$work/dump.sql" >"$work/restore.log" 2>&1; then
  echo "ok 1 - the dump restores without error"
else
  echo "not ok 1 - the dump restores without error"; sed 's/^/# /' "$work/restore.log" | tail -20
fi

state="SELECT (SELECT count(*) FROM scsm.risk_matrix WHERE builtin)
		|| ' ' || (SELECT count(*) FROM scsm.risk_matrix WHERE NOT builtin)
		|| ' ' || (SELECT count(*) FROM scsm.risk_matrix_version WHERE NOT builtin)
		|| ' ' || (SELECT count(*) FROM scsm.risk_level WHERE NOT builtin)
		|| ' ' || (SELECT count(*) FROM scsm.risk_matrix_cell WHERE NOT builtin)
		|| ' ' || (SELECT count(*) FROM scsm.risk_score)"
sa=$(q $a -c "$state"); sb=$(q $b -c "$state")
[ "$sa" = "$sb" ] && echo "ok 2 - presets, matrices, versions, levels, cells and scores counted alike ($sb)" \
  || { echo "not ok 2 - counts differ"; echo "# before: $sa"; echo "# after:  $sb"; }

content="SELECT string_agg(version_id || ':' || frozen || ':' || md5(scsm.risk_matrix_export(version_id)::text)
					   || ':' || md5(COALESCE(frozen_content::text, '')), ',' ORDER BY version_id)
		   FROM scsm.risk_matrix_version"
ca=$(q $a -c "$content"); cb=$(q $b -c "$content")
[ "$ca" = "$cb" ] && echo "ok 3 - every version has the same content, frozen flag and snapshot" \
  || { echo "not ok 3 - versions differ"; echo "# before: $ca"; echo "# after:  $cb"; }

scores="SELECT md5(string_agg(score_id::text || ':' || matrix_version_id || ':' || result::text, ',' ORDER BY score_id)) FROM scsm.risk_score"
[ "$(q $a -c "$scores")" = "$(q $b -c "$scores")" ] && echo "ok 4 - stored scores are identical" \
  || echo "not ok 4 - stored scores differ"

bad=$(q $b -c "SELECT count(*) FROM scsm.risk_score s WHERE NOT (scsm.rescore_check(s.score_id)).matches")
[ "$bad" = 0 ] && echo "ok 5 - all restored scores re-derive" || echo "not ok 5 - $bad restored scores do not re-derive"

err=$(q $b -c "UPDATE scsm.risk_matrix_cell SET level_code = 'low'
			   WHERE version_id = (SELECT min(version_id) FROM scsm.risk_matrix_version WHERE NOT builtin)
				 AND likelihood = 5 AND consequence = 5" 2>&1)
case "$err" in *"is frozen"*) echo "ok 6 - a restored frozen version is still immutable" ;;
  *) echo "not ok 6 - a restored frozen version is still immutable"; echo "# $err" ;; esac

err=$(q $b -c "INSERT INTO scsm.risk_level (version_id, level_code, rank, name, colour)
			   SELECT min(version_id), 'extra', 9, 'extra', '#000000' FROM scsm.risk_matrix_version WHERE NOT builtin" 2>&1)
case "$err" in *"is frozen"*) echo "ok 7 - a level that was not in the frozen snapshot cannot be added" ;;
  *) echo "not ok 7 - a level that was not in the frozen snapshot cannot be added"; echo "# $err" ;; esac

top=$(q $b -c "SELECT max(version_id) FROM scsm.risk_matrix_version")
new=$(q $b -c "SELECT scsm.risk_matrix_copy(2, 13, 'after restore')")
[ "$new" -gt "$top" ] && echo "ok 8 - sequences continue after the restored rows" \
  || echo "not ok 8 - sequences continue after the restored rows (new $new, restored up to $top)"
