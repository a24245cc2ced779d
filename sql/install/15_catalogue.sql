-- SHIM (not committed)
CREATE TABLE scsm.edition (edition text PRIMARY KEY, title text, builtin bool DEFAULT false);
INSERT INTO scsm.edition VALUES ('ISO 28000:2007','x',true);
CREATE TABLE scsm.threat_category (code char(1) PRIMARY KEY, clause scsm.clause, name text);
INSERT INTO scsm.threat_category SELECT c, '4.3.1.'||c, 'cat '||c FROM unnest(array['a','b','c','d','e','f','g','h']) c;
CREATE TABLE scsm.clause_catalogue (edition text, clause scsm.clause, parent scsm.clause, kind text, title text, builtin bool);
INSERT INTO scsm.clause_catalogue SELECT 'ISO 28000:2007', c, NULL, 'heading', 't', true FROM unnest(array['4.1','4.2','4.3','4.3.1','4.3.2','4.3.3','4.3.4','4.3.5','4.4','4.4.1','4.4.2','4.4.3','4.4.4','4.4.5','4.4.6','4.4.7','4.5','4.5.1','4.5.2','4.5.3','4.5.4','4.5.5','4.6']) c;
