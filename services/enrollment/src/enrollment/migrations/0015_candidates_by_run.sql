-- Refill candidates, one partition per snapshot run. A run keeps about half a million of
-- them; inserted into one big table, each row paid its foreign-key check and its insertion
-- into three indexes (about 10 s a run). Now keep_candidates (adapters.snapshots) fills a
-- table of its own first and attaches it: the indexes are built once, sorted, and the
-- foreign key to reconciliation_runs is checked once for the whole partition. Every
-- reader names the run (run_id), so a query reads one partition; nothing else changes.
ALTER TABLE candidates RENAME TO candidates_unpartitioned;
ALTER TABLE candidates_unpartitioned RENAME CONSTRAINT candidates_pkey
    TO candidates_unpartitioned_pkey;
ALTER INDEX IF EXISTS candidates_priority RENAME TO candidates_unpartitioned_priority;
ALTER INDEX IF EXISTS candidates_clear_personal RENAME TO candidates_unpartitioned_clear;

CREATE TABLE candidates (LIKE candidates_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY LIST (run_id);
ALTER TABLE candidates ADD CONSTRAINT candidates_pkey PRIMARY KEY (run_id, participant_id);
ALTER TABLE candidates ADD CONSTRAINT candidates_run_id_fkey
    FOREIGN KEY (run_id) REFERENCES reconciliation_runs (run_id);
CREATE INDEX candidates_priority ON candidates (run_id, status, welfare_decile, line);
CREATE INDEX candidates_clear_personal ON candidates (run_id, participant_id)
    WHERE nik IS NOT NULL OR kk IS NOT NULL OR name IS NOT NULL OR birth_date IS NOT NULL;

-- the runs' candidates kept so far, each run in its partition (named as keep_candidates
-- names them)
DO $$
DECLARE
    run uuid;
BEGIN
    FOR run IN SELECT DISTINCT run_id FROM candidates_unpartitioned LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF candidates FOR VALUES IN (%L)',
                       'candidates_' || replace(run::text, '-', ''), run);
    END LOOP;
END $$;
INSERT INTO candidates SELECT * FROM candidates_unpartitioned;
DROP TABLE candidates_unpartitioned;
