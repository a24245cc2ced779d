-- A hold's condition as it applies to a table (scsm.hold_condition_for) is
-- worked out once per transaction, or once per run of dispose_all_expired
-- (retention_hold.c).  A change to what the conversion read must be seen at
-- the next call, in the same transaction too: a column added, a type's owner
-- changed, a column's type changed, a role granted.  Each pair below asks the
-- same question before and after such a change.  And the conversion does not
-- depend on the session's settings (it is kept, and disposal runs in other
-- sessions than the one that placed the hold).
BEGIN;
SELECT plan(11);

CREATE ROLE hc_third NOLOGIN;
CREATE TYPE public.hc_mood AS ENUM ('calm', 'tense');
ALTER TYPE public.hc_mood OWNER TO hc_third;
CREATE TABLE public.hc_t (id int PRIMARY KEY, m public.hc_mood, n int);

-- a column the table lacks: the condition holds nothing there, until it has it
SELECT is(scsm.hold_condition_for('public.hc_t', '{"x": 5}'), NULL, 'a condition on a column the table lacks: none');
ALTER TABLE public.hc_t ADD COLUMN x int;
SELECT is(scsm.hold_condition_for('public.hc_t', '{"x": 5}'), '{"x": 5}'::jsonb,
          'the same condition once the column exists (relcache invalidation)');

-- a type of a third role: the condition is not tested, it holds the whole
-- table ({}); once the type is the table owner's, it is read as the type
SELECT is(scsm.hold_condition_for('public.hc_t', '{"m": "calm"}'), '{}'::jsonb,
          'a column of a third role''s type: the condition holds every row, no code runs');
ALTER TYPE public.hc_mood OWNER TO CURRENT_USER;
SELECT is(scsm.hold_condition_for('public.hc_t', '{"m": "calm"}'), '{"m": "calm"}'::jsonb,
          'the same condition once the type is the owner''s (type invalidation)');

-- a column whose type changes: the value is read as the new type
SELECT is(scsm.hold_condition_for('public.hc_t', '{"n": "7"}'), '{"n": 7}'::jsonb, 'an integer column reads "7" as 7');
ALTER TABLE public.hc_t ALTER COLUMN n TYPE text;
SELECT is(scsm.hold_condition_for('public.hc_t', '{"n": "7"}'), '{"n": "7"}'::jsonb,
          'as text once the column is text');

-- the table's owner changes: the third role's type is a stranger again
ALTER TYPE public.hc_mood OWNER TO hc_third;
SELECT is(scsm.hold_condition_for('public.hc_t', '{"m": "tense"}'), '{}'::jsonb,
          'back to the third role''s type: not tested again');
ALTER TABLE public.hc_t OWNER TO hc_third;
SELECT is(scsm.hold_condition_for('public.hc_t', '{"m": "tense"}'), '{"m": "tense"}'::jsonb,
          'a table of the type''s owner reads it (table owner changed)');

-- a role granted to the owner: what the owner may use changes
CREATE SCHEMA hc_s;
CREATE TYPE hc_s.pair AS (a int, b int);
CREATE ROLE hc_owner NOLOGIN;
CREATE ROLE hc_user NOLOGIN;
GRANT USAGE ON SCHEMA hc_s TO hc_user;
CREATE TABLE public.hc_p (id int PRIMARY KEY, p hc_s.pair);
ALTER TABLE public.hc_p OWNER TO hc_owner;
SELECT is(scsm.hold_condition_for('public.hc_p', '{"p": "(1,2)"}'), '{"p": "(1,2)"}'::jsonb,
          'a value of a type in a schema its owner may not use stays as given');
GRANT hc_user TO hc_owner;
SELECT is(scsm.hold_condition_for('public.hc_p', '{"p": "(1,2)"}'), '{"p": {"a": 1, "b": 2}}'::jsonb,
          'read as the type once a role granted to the owner may use the schema (role membership)');

-- settings a value's reading depends on are the conversion's own: time zone
-- abbreviations (IST is Israel's in the default set, India's in 'India'),
-- array_nulls (a NULL element or the string 'NULL')
CREATE TABLE public.hc_ts (id int PRIMARY KEY, ts timestamptz, a text[]);
SET LOCAL timezone_abbreviations = 'India';
SET LOCAL array_nulls = off;
SELECT is(scsm.hold_condition_for('public.hc_ts', '{"ts": "2024-01-01 12:00 IST", "a": "{NULL,x}"}'),
          '{"ts": "2024-01-01T10:00:00+00:00", "a": [null, "x"]}'::jsonb,
          'a condition reads times and arrays the same whatever the session''s settings');

SELECT * FROM finish();
ROLLBACK;
