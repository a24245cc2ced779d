BEGIN;
SELECT plan(3);
SELECT has_extension('scsm', 'scsm', 'scsm is installed in schema scsm');
SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'scsm'), false, 'scsm is not relocatable');
SELECT throws_ok($$SET scsm.typo_setting = 1$$, '42602', NULL, 'the scsm.* GUC prefix is reserved');
SELECT * FROM finish();
ROLLBACK;
