-- SVG heat map: structure of the document and error paths.  The rendering
-- itself is checked in headless Chromium by test/scripts/60_heatmap_render.sh.
\set SHOW_CONTEXT never
SELECT setval('scsm.risk_matrix_version_version_id_seq', 3000);
SELECT setval('scsm.risk_matrix_matrix_id_seq', 3000);

-- the organization that owns the matrix
INSERT INTO scsm.organization (org_id, name, short_name) OVERRIDING SYSTEM VALUE VALUES (5, 'Org 5', 'org_5');

-- a 2 x 2 matrix with a label and title that need XML escaping
SELECT scsm.risk_matrix_import(5, 'tiny', '{"n_likelihood": 2, "n_consequence": 2,
	"likelihood_labels": ["rare", "often & <always>"], "consequence_labels": ["small", "catastrophic and lasting"],
	"appetite_level": "lo", "tolerance_level": "lo",
	"levels": [{"code": "lo", "rank": 0, "name": "Low", "colour": "#00aa00"},
			   {"code": "hi", "rank": 1, "name": "High \"red\"", "colour": "#cc0000"}],
	"cells": [[1,1,"lo"],[1,2,"lo"],[2,1,"lo"],[2,2,"hi"]]}') AS t \gset
SELECT scsm.risk_heatmap_svg(:t, '{2,2,1}', '{2,2,1}', NULL, NULL, 'Site 5 & co');
-- inherent and residual side by side: two panels of 4 cells
SELECT (SELECT count(*) FROM regexp_matches(svg, '<rect class="cell" data-panel="inherent"', 'g')) AS inherent_cells,
	   (SELECT count(*) FROM regexp_matches(svg, '<rect class="cell" data-panel="residual"', 'g')) AS residual_cells,
	   (SELECT array_agg(m[1] || ':' || m[2] || ',' || m[3] || '=' || m[4])
		  FROM regexp_matches(svg, '<text class="count" data-panel="(\w+)" data-l="(\d+)" data-c="(\d+)"[^>]*>(\d+)<', 'g') m) AS counts,
	   (SELECT count(*) FROM regexp_matches(svg, '<rect class="legend"', 'g')) AS legend_swatches
  FROM scsm.risk_heatmap_svg(:t, '{2,2,1}', '{2,2,1}', '{1,1,1}', '{1,2,1}') svg;
-- the count-grid form draws the same picture as the point form
SELECT scsm.risk_heatmap_svg_counts(:t, '{{1,0},{0,2}}', '{{2,1},{0,0}}')
	 = scsm.risk_heatmap_svg(:t, '{2,2,1}', '{2,2,1}', '{1,1,1}', '{1,2,1}') AS same_picture;
-- no points: a bare matrix
SELECT position('class="count"' IN scsm.risk_heatmap_svg(:t, NULL, NULL)) = 0 AS no_counts;
SELECT scsm.risk_heatmap_svg(NULL, '{1}', '{1}') IS NULL AS null_version;

-- the BI view of the same cells
SELECT likelihood, likelihood_label, consequence, consequence_label, level_code, colour, classification
  FROM scsm.v_risk_matrix_cell WHERE version_id = :t ORDER BY likelihood DESC, consequence;

-- errors
SELECT scsm.risk_heatmap_svg(424242, '{1}', '{1}');
SELECT scsm.risk_heatmap_svg(:t, '{1,3}', '{1,1}');
SELECT scsm.risk_heatmap_svg(:t, '{1,2}', '{1}');
SELECT scsm.risk_heatmap_svg(:t, '{1,NULL}', '{1,1}');
SELECT scsm.risk_heatmap_svg(:t, '{1}', NULL);
SELECT scsm.risk_heatmap_svg(:t, '{1}', '{1}', '{1}', '{0}');
SELECT scsm.risk_heatmap_svg_counts(:t, '{1,2,3,4}');
SELECT scsm.risk_heatmap_svg_counts(:t, '{{1,2,3},{4,5,6}}');
SELECT scsm.risk_heatmap_svg_counts(:t, '{{1,-2},{3,4}}');
SELECT scsm.risk_heatmap_svg_counts(:t, '{{1,NULL},{3,4}}');
