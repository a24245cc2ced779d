-- SHIM (not committed)
CREATE DOMAIN scsm.clause AS text;
-- SHIM (views branch): containment and depth on the text domain, mimicking the
-- real C type closely enough for the views (a @> b: a is b or an ancestor of b;
-- items of another list, 4.3.1#2.c, hang below 4.3.1 but not below 4.3.1.c).
CREATE FUNCTION scsm.clause_contains(a scsm.clause, b scsm.clause) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT b::text = a::text OR starts_with(b::text, a::text || '.') OR starts_with(b::text, a::text || '#') $$;
COMMENT ON FUNCTION scsm.clause_contains(scsm.clause, scsm.clause) IS 'SHIM: a is b or an ancestor of b';
CREATE FUNCTION scsm.clause_contained(a scsm.clause, b scsm.clause) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT scsm.clause_contains(b, a) $$;
COMMENT ON FUNCTION scsm.clause_contained(scsm.clause, scsm.clause) IS 'SHIM: a is b or a descendant of b';
CREATE OPERATOR scsm.@> (LEFTARG = scsm.clause, RIGHTARG = scsm.clause,
                         FUNCTION = scsm.clause_contains, COMMUTATOR = OPERATOR(scsm.<@));
CREATE OPERATOR scsm.<@ (LEFTARG = scsm.clause, RIGHTARG = scsm.clause,
                         FUNCTION = scsm.clause_contained, COMMUTATOR = OPERATOR(scsm.@>));
CREATE FUNCTION scsm.clause_depth(c scsm.clause) RETURNS int
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT cardinality(regexp_split_to_array(regexp_replace(c::text, '#[0-9]', '', 'g'), '\.')) $$;
COMMENT ON FUNCTION scsm.clause_depth(scsm.clause) IS 'SHIM: number of components, items included';
