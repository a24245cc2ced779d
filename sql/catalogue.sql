-- The catalogue: editions, the clause tree of ISO 28000:2007 clause 4,
-- its requirements and the threat categories (docs/catalogue.md)
SET search_path = scsm, public;

SELECT edition, title, published, builtin FROM edition ORDER BY edition;

-- counts per kind: 23 headings 4.1 .. 4.6 plus clause 4 itself; the items
-- counted list by list from the standard (letters + numeric sub-items)
SELECT kind, count(*) AS total,
       count(*) FILTER (WHERE clause <> '4') AS excluding_clause_4,
       count(*) FILTER (WHERE clause_depth(clause) = clause_depth(clause_heading(clause)) + 2) AS sub_items
  FROM clause_catalogue WHERE edition = 'ISO 28000:2007' GROUP BY kind ORDER BY kind;

-- every heading, in natural order
SELECT string_agg(clause::text, ' ' ORDER BY clause) AS headings
  FROM clause_catalogue WHERE edition = 'ISO 28000:2007' AND kind = 'heading';
-- exactly the expected set of headings, none missing, none extra
SELECT h AS missing FROM unnest(ARRAY['4','4.1','4.2','4.3','4.3.1','4.3.2','4.3.3','4.3.4','4.3.5',
        '4.4','4.4.1','4.4.2','4.4.3','4.4.4','4.4.5','4.4.6','4.4.7',
        '4.5','4.5.1','4.5.2','4.5.3','4.5.4','4.5.5','4.6']::clause[]) h
 WHERE NOT EXISTS (SELECT FROM clause_catalogue c WHERE c.edition = 'ISO 28000:2007' AND c.clause = h);

-- items per heading and list: what the standard enumerates
SELECT clause_heading(clause) AS heading,
       substring(clause::text from '#([0-9])') AS list,
       count(*) FILTER (WHERE clause_depth(clause) = clause_depth(clause_heading(clause)) + 1) AS items,
       string_agg(clause::text, ' ' ORDER BY clause)
         FILTER (WHERE clause_depth(clause) = clause_depth(clause_heading(clause)) + 2) AS sub_items
  FROM clause_catalogue WHERE edition = 'ISO 28000:2007' AND kind = 'item'
 GROUP BY 1, 2 ORDER BY 1, 2 NULLS FIRST;

-- items are contiguous: list n runs a, b, c ... without gaps
SELECT count(*) AS gaps FROM clause_catalogue c
 WHERE c.kind = 'item' AND c.clause::text ~ '\.[b-z](\.|$)'
   AND NOT EXISTS (
     SELECT FROM clause_catalogue p
      WHERE p.edition = c.edition
        AND clause_heading(p.clause) = clause_heading(c.clause)
        AND p.clause::text = regexp_replace(c.clause::text, '\.([b-z])(\.[0-9]+)?$',
                                            '.' || chr(ascii(substring(c.clause::text from '\.([b-z])(?:\.[0-9]+)?$')) - 1)));

-- the tree is consistent: every parent exists, only clause 4 is a root,
-- parent is the derived one and contains its child
SELECT count(*) FILTER (WHERE parent IS NULL) AS roots,
       string_agg(clause::text, ',') FILTER (WHERE parent IS NULL) AS root,
       count(*) FILTER (WHERE parent IS NOT NULL AND NOT EXISTS (
           SELECT FROM clause_catalogue p WHERE p.edition = c.edition AND p.clause = c.parent)) AS orphans,
       count(*) FILTER (WHERE parent IS DISTINCT FROM clause_parent(clause)) AS wrong_parent,
       count(*) FILTER (WHERE NOT parent @> clause) AS not_containing
  FROM clause_catalogue c;
-- every item hangs under a heading that exists; every heading under 4
SELECT count(*) AS items_without_heading FROM clause_catalogue c
 WHERE kind = 'item' AND NOT EXISTS (SELECT FROM clause_catalogue h
        WHERE h.edition = c.edition AND h.clause = clause_heading(c.clause) AND h.kind = 'heading');
SELECT count(*) AS outside_clause_4 FROM clause_catalogue WHERE NOT '4' @> clause;
-- a recursive walk from the root reaches every row
WITH RECURSIVE t AS (
  SELECT edition, clause FROM clause_catalogue WHERE parent IS NULL
  UNION ALL
  SELECT c.edition, c.clause FROM clause_catalogue c JOIN t ON c.edition = t.edition AND c.parent = t.clause)
SELECT (SELECT count(*) FROM t) = (SELECT count(*) FROM clause_catalogue) AS all_reached;

-- titles and summaries are non-empty, short, and titles unique per parent
SELECT count(*) FILTER (WHERE btrim(title) = '') AS empty_titles,
       count(*) FILTER (WHERE summary IS NULL OR btrim(summary) = '') AS missing_summaries,
       max(length(title)) <= 60 AS titles_short,
       max(length(summary)) <= 160 AS summaries_short,
       bool_and(builtin) AS all_builtin
  FROM clause_catalogue;
SELECT parent, title, count(*) FROM clause_catalogue GROUP BY 1, 2 HAVING count(*) > 1;
SELECT clause, title FROM clause_catalogue WHERE kind = 'heading' ORDER BY clause;

-- requirements: every heading that carries a "shall" outside its items has rows
SELECT clause, count(*) AS requirements,
       string_agg(split_part(req_code, '-', 2), ',' ORDER BY split_part(req_code, '-', 2)::int) AS numbers
  FROM requirement GROUP BY clause ORDER BY clause;
SELECT count(*) AS requirements,
       (SELECT count(*) FROM clause_catalogue WHERE kind = 'item') AS items,
       count(*) + (SELECT count(*) FROM clause_catalogue WHERE kind = 'item') AS mappable
  FROM requirement;
-- the code belongs to its clause; statements are non-empty
SELECT count(*) AS bad FROM requirement
 WHERE split_part(req_code, '-', 1)::clause <> clause OR btrim(statement) = '';
-- headings 4.x that are titles only (4, 4.3, 4.4, 4.5) have no requirements of their own
SELECT clause FROM clause_catalogue c WHERE kind = 'heading'
   AND NOT EXISTS (SELECT FROM requirement r WHERE r.edition = c.edition AND r.clause = c.clause)
 ORDER BY clause;

-- threat categories a..h, one per item of the first list of 4.3.1
SELECT code, clause, name FROM threat_category ORDER BY code;
SELECT count(*) AS categories,
       bool_and(clause <@ '4.3.1' AND clause_is_item(clause)) AS all_items_of_4_3_1,
       bool_and(clause::text = '4.3.1.' || code) AS code_matches_item,
       count(*) = (SELECT count(*) FROM clause_catalogue
                    WHERE clause >= '4.3.1.a' AND clause < '4.3.1#2.a') AS covers_first_list
  FROM threat_category;

-- constraints hold the tree together
INSERT INTO clause_catalogue (edition, clause, parent, kind, title)
VALUES ('ISO 28000:2007', '4.7.1', '4.7', 'heading', 'Orphan');
INSERT INTO clause_catalogue (edition, clause, parent, kind, title)
VALUES ('ISO 28000:2007', '4.4.3.a', '4.4', 'item', 'Wrong parent');
INSERT INTO clause_catalogue (edition, clause, parent, kind, title)
VALUES ('ISO 28000:2007', '4.4.3.a', '4.4.3', 'heading', 'Wrong kind');
INSERT INTO clause_catalogue (edition, clause, parent, kind, title)
VALUES ('ISO 28000:2007', '4.4.3.a', '4.4.3', 'item', '  ');
INSERT INTO clause_catalogue (edition, clause, parent, kind, title)
VALUES ('ISO 28000:2007', '4.4.3.a', '4.4.3', 'list', 'Bad kind');
INSERT INTO clause_catalogue (edition, clause, parent, kind, title)
VALUES ('ISO 28000:2022', '4', NULL, 'heading', 'No such edition');
INSERT INTO requirement (edition, req_code, clause, statement)
VALUES ('ISO 28000:2007', '4.3.1-9', '4.3.2', 'Code and clause disagree');
INSERT INTO requirement (edition, req_code, clause, statement)
VALUES ('ISO 28000:2007', '4.7-1', '4.7', 'Clause not in the catalogue');
INSERT INTO threat_category (code, clause, name, description)
VALUES ('i', '4.3.1', 'Not an item', 'A heading cannot define a category.');
DELETE FROM clause_catalogue WHERE clause = '4.3.1';

-- a user addition: a new edition with its own tree, kept apart
BEGIN;
INSERT INTO edition (edition, title, published) VALUES ('ISO 28000:2022', 'Security and resilience', '2022-03-01');
INSERT INTO clause_catalogue (edition, clause, parent, kind, title) VALUES
  ('ISO 28000:2022', '4', NULL, 'heading', 'Context of the organization'),
  ('ISO 28000:2022', '4.1', '4', 'heading', 'Understanding the organization');
SELECT edition, count(*) FROM clause_catalogue GROUP BY 1 ORDER BY 1;
-- the gap check above does find a gap: 4.4.3 gets an item c without a and b
INSERT INTO clause_catalogue (edition, clause, parent, kind, title)
VALUES ('ISO 28000:2007', '4.4.3.c', '4.4.3', 'item', 'Gap test');
SELECT count(*) AS gaps FROM clause_catalogue c
 WHERE c.kind = 'item' AND c.clause::text ~ '\.[b-z](\.|$)'
   AND NOT EXISTS (
     SELECT FROM clause_catalogue p
      WHERE p.edition = c.edition
        AND clause_heading(p.clause) = clause_heading(c.clause)
        AND p.clause::text = regexp_replace(c.clause::text, '\.([b-z])(\.[0-9]+)?$',
                                            '.' || chr(ascii(substring(c.clause::text from '\.([b-z])(?:\.[0-9]+)?$')) - 1)));
ROLLBACK;

-- registered for pg_dump: only user rows are dumped
SELECT c.relname, x.cond
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(oid, cond)
  JOIN pg_class c ON c.oid = x.oid
 WHERE e.extname = 'scsm' AND c.relname IN ('edition', 'clause_catalogue', 'requirement', 'threat_category')
 ORDER BY 1;
