SELECT 'scsm ' || extversion AS installed FROM pg_extension WHERE extname = 'scsm';
