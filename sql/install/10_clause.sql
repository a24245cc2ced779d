
-- ---------------------------------------------------------------------------
-- 10_clause: the clause reference type scsm.clause (src/clause.c)
-- Grammar and ordering: docs/clause-type.md
-- ---------------------------------------------------------------------------

CREATE TYPE scsm.clause;

CREATE FUNCTION scsm.clause_in(cstring) RETURNS scsm.clause
    AS 'MODULE_PATHNAME', 'scsm_clause_in'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.clause_in(cstring) IS
    'Text input of scsm.clause; rejects malformed references with SQLSTATE 22P02';

CREATE FUNCTION scsm.clause_out(scsm.clause) RETURNS cstring
    AS 'MODULE_PATHNAME', 'scsm_clause_out'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.clause_out(scsm.clause) IS
    'Text output of scsm.clause in canonical form (list selector #1 omitted)';

CREATE FUNCTION scsm.clause_recv(internal) RETURNS scsm.clause
    AS 'MODULE_PATHNAME', 'scsm_clause_recv'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.clause_recv(internal) IS
    'Binary input of scsm.clause; validates the value (SQLSTATE 22P03 when malformed)';

CREATE FUNCTION scsm.clause_send(scsm.clause) RETURNS bytea
    AS 'MODULE_PATHNAME', 'scsm_clause_send'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.clause_send(scsm.clause) IS
    'Binary output of scsm.clause: count byte, uint16 numbers, list, item and sub-item bytes';

CREATE TYPE scsm.clause (
    INPUT = scsm.clause_in,
    OUTPUT = scsm.clause_out,
    RECEIVE = scsm.clause_recv,
    SEND = scsm.clause_send,
    INTERNALLENGTH = 16,
    ALIGNMENT = int2,
    STORAGE = plain
);
COMMENT ON TYPE scsm.clause IS
    'Reference to a clause of a standard (4.3.1), optionally an enumerated item (4.3.1.a, 4.3.1#2.c) and sub-item (4.5.3.b.2); natural ordering';

-- comparison

CREATE FUNCTION scsm.clause_cmp(scsm.clause, scsm.clause) RETURNS integer
    AS 'MODULE_PATHNAME', 'scsm_clause_cmp'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION scsm.clause_cmp(scsm.clause, scsm.clause) IS
    'Natural-order comparison of two clause references: -1, 0 or 1 (btree support)';

CREATE FUNCTION scsm.clause_sortsupport(internal) RETURNS void
    AS 'MODULE_PATHNAME', 'scsm_clause_sortsupport'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.clause_sortsupport(internal) IS
    'Sort support for scsm.clause (btree support function 2)';

CREATE FUNCTION scsm.clause_lt(scsm.clause, scsm.clause) RETURNS boolean
    AS 'MODULE_PATHNAME', 'scsm_clause_lt'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION scsm.clause_lt(scsm.clause, scsm.clause) IS 'Implements operator < for scsm.clause';
CREATE FUNCTION scsm.clause_le(scsm.clause, scsm.clause) RETURNS boolean
    AS 'MODULE_PATHNAME', 'scsm_clause_le'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION scsm.clause_le(scsm.clause, scsm.clause) IS 'Implements operator <= for scsm.clause';
CREATE FUNCTION scsm.clause_eq(scsm.clause, scsm.clause) RETURNS boolean
    AS 'MODULE_PATHNAME', 'scsm_clause_eq'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION scsm.clause_eq(scsm.clause, scsm.clause) IS 'Implements operator = for scsm.clause';
CREATE FUNCTION scsm.clause_ne(scsm.clause, scsm.clause) RETURNS boolean
    AS 'MODULE_PATHNAME', 'scsm_clause_ne'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION scsm.clause_ne(scsm.clause, scsm.clause) IS 'Implements operator <> for scsm.clause';
CREATE FUNCTION scsm.clause_ge(scsm.clause, scsm.clause) RETURNS boolean
    AS 'MODULE_PATHNAME', 'scsm_clause_ge'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION scsm.clause_ge(scsm.clause, scsm.clause) IS 'Implements operator >= for scsm.clause';
CREATE FUNCTION scsm.clause_gt(scsm.clause, scsm.clause) RETURNS boolean
    AS 'MODULE_PATHNAME', 'scsm_clause_gt'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION scsm.clause_gt(scsm.clause, scsm.clause) IS 'Implements operator > for scsm.clause';

CREATE OPERATOR scsm.< (
    LEFTARG = scsm.clause, RIGHTARG = scsm.clause, FUNCTION = scsm.clause_lt,
    COMMUTATOR = OPERATOR(scsm.>), NEGATOR = OPERATOR(scsm.>=),
    RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR scsm.<= (
    LEFTARG = scsm.clause, RIGHTARG = scsm.clause, FUNCTION = scsm.clause_le,
    COMMUTATOR = OPERATOR(scsm.>=), NEGATOR = OPERATOR(scsm.>),
    RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR scsm.= (
    LEFTARG = scsm.clause, RIGHTARG = scsm.clause, FUNCTION = scsm.clause_eq,
    COMMUTATOR = OPERATOR(scsm.=), NEGATOR = OPERATOR(scsm.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR scsm.<> (
    LEFTARG = scsm.clause, RIGHTARG = scsm.clause, FUNCTION = scsm.clause_ne,
    COMMUTATOR = OPERATOR(scsm.<>), NEGATOR = OPERATOR(scsm.=),
    RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR scsm.>= (
    LEFTARG = scsm.clause, RIGHTARG = scsm.clause, FUNCTION = scsm.clause_ge,
    COMMUTATOR = OPERATOR(scsm.<=), NEGATOR = OPERATOR(scsm.<),
    RESTRICT = scalargesel, JOIN = scalargejoinsel
);
CREATE OPERATOR scsm.> (
    LEFTARG = scsm.clause, RIGHTARG = scsm.clause, FUNCTION = scsm.clause_gt,
    COMMUTATOR = OPERATOR(scsm.<), NEGATOR = OPERATOR(scsm.<=),
    RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);

CREATE OPERATOR CLASS scsm.clause_ops
    DEFAULT FOR TYPE scsm.clause USING btree AS
        OPERATOR 1 scsm.<,
        OPERATOR 2 scsm.<=,
        OPERATOR 3 scsm.=,
        OPERATOR 4 scsm.>=,
        OPERATOR 5 scsm.>,
        FUNCTION 1 scsm.clause_cmp(scsm.clause, scsm.clause),
        FUNCTION 2 scsm.clause_sortsupport(internal);

CREATE FUNCTION scsm.clause_larger(scsm.clause, scsm.clause) RETURNS scsm.clause
    AS 'MODULE_PATHNAME', 'scsm_clause_larger'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.clause_larger(scsm.clause, scsm.clause) IS
    'The later of two clause references in natural order (transition function of max)';
CREATE FUNCTION scsm.clause_smaller(scsm.clause, scsm.clause) RETURNS scsm.clause
    AS 'MODULE_PATHNAME', 'scsm_clause_smaller'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.clause_smaller(scsm.clause, scsm.clause) IS
    'The earlier of two clause references in natural order (transition function of min)';

CREATE AGGREGATE scsm.max(scsm.clause) (
    SFUNC = scsm.clause_larger, STYPE = scsm.clause,
    SORTOP = OPERATOR(scsm.>), COMBINEFUNC = scsm.clause_larger, PARALLEL = SAFE
);
COMMENT ON AGGREGATE scsm.max(scsm.clause) IS 'Latest clause reference in natural order';
CREATE AGGREGATE scsm.min(scsm.clause) (
    SFUNC = scsm.clause_smaller, STYPE = scsm.clause,
    SORTOP = OPERATOR(scsm.<), COMBINEFUNC = scsm.clause_smaller, PARALLEL = SAFE
);
COMMENT ON AGGREGATE scsm.min(scsm.clause) IS 'Earliest clause reference in natural order';

-- hashing

CREATE FUNCTION scsm.clause_hash(scsm.clause) RETURNS integer
    AS 'MODULE_PATHNAME', 'scsm_clause_hash'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION scsm.clause_hash(scsm.clause) IS
    'Hash of a clause reference, consistent with = (hash support)';

CREATE FUNCTION scsm.clause_hash_extended(scsm.clause, bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'scsm_clause_hash_extended'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION scsm.clause_hash_extended(scsm.clause, bigint) IS
    'Seeded 64-bit hash of a clause reference, consistent with = (hash support)';

CREATE OPERATOR CLASS scsm.clause_hash_ops
    DEFAULT FOR TYPE scsm.clause USING hash AS
        OPERATOR 1 scsm.=,
        FUNCTION 1 scsm.clause_hash(scsm.clause),
        FUNCTION 2 scsm.clause_hash_extended(scsm.clause, bigint);

-- containment

CREATE FUNCTION scsm.clause_contains(scsm.clause, scsm.clause) RETURNS boolean
    AS 'MODULE_PATHNAME', 'scsm_clause_contains'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION scsm.clause_contains(scsm.clause, scsm.clause) IS
    'True when the first clause is the second or one of its ancestors (operator @>)';

CREATE FUNCTION scsm.clause_contained(scsm.clause, scsm.clause) RETURNS boolean
    AS 'MODULE_PATHNAME', 'scsm_clause_contained'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION scsm.clause_contained(scsm.clause, scsm.clause) IS
    'True when the first clause is the second or one of its descendants (operator <@)';

CREATE OPERATOR scsm.@> (
    LEFTARG = scsm.clause, RIGHTARG = scsm.clause, FUNCTION = scsm.clause_contains,
    COMMUTATOR = OPERATOR(scsm.<@),
    RESTRICT = contsel, JOIN = contjoinsel
);
CREATE OPERATOR scsm.<@ (
    LEFTARG = scsm.clause, RIGHTARG = scsm.clause, FUNCTION = scsm.clause_contained,
    COMMUTATOR = OPERATOR(scsm.@>),
    RESTRICT = contsel, JOIN = contjoinsel
);

-- tree navigation

CREATE FUNCTION scsm.clause_parent(scsm.clause) RETURNS scsm.clause
    AS 'MODULE_PATHNAME', 'scsm_clause_parent'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.clause_parent(scsm.clause) IS
    'Enclosing clause or item (4.3.1.a -> 4.3.1, 4.5.3.b.2 -> 4.5.3.b); NULL for a one-number clause';

CREATE FUNCTION scsm.clause_depth(scsm.clause) RETURNS integer
    AS 'MODULE_PATHNAME', 'scsm_clause_depth'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.clause_depth(scsm.clause) IS
    'Number of components, item and sub-item included (4 -> 1, 4.3.1.a -> 4)';

CREATE FUNCTION scsm.clause_is_item(scsm.clause) RETURNS boolean
    AS 'MODULE_PATHNAME', 'scsm_clause_is_item'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.clause_is_item(scsm.clause) IS
    'True for an enumerated item or sub-item, false for a heading';

CREATE FUNCTION scsm.clause_heading(scsm.clause) RETURNS scsm.clause
    AS 'MODULE_PATHNAME', 'scsm_clause_heading'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION scsm.clause_heading(scsm.clause) IS
    'Numeric part of a clause reference, without list selector, item or sub-item';
