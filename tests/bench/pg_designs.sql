-- Which data model could write fewer rows per op? (docs/postgresql.md §4)
-- Four ways to store 20,000 ops of the benchmark's workload (4 classes × 40
-- students × 12 columns = 1,920 cells, each rewritten about ten times; 500 ops
-- per statement as a push, a commit every 5 pushes as the group commit), each
-- into fresh tables that already hold 100,000 earlier ops:
--   log_only  the log row only: the floor of any design that keeps the log;
--   today     the log row, and the cell updated by its id (ingest_pg.cpp);
--   packed    the log row, and one row per student holding all its columns
--             (a jsonb patch per student touched: ~42 rows per push, not 500);
--   derived   the log row only, with an index on (cell, version) so that a
--             cell's current value is read from the log (no cells table).
-- Run as a superuser (it runs CHECKPOINT before each way), in a scratch database:
--   createdb scratch; psql -d scratch -f tests/bench/pg_designs.sql
-- It prints each way's milliseconds, three times, interleaved.
\set QUIET on
\pset tuples_only on
CREATE TEMP TABLE design_times(design TEXT, round INT, ms DOUBLE PRECISION);
CREATE OR REPLACE PROCEDURE design_fresh(design TEXT) LANGUAGE plpgsql AS $$
BEGIN
  DROP TABLE IF EXISTS d_log, d_cells, d_rows;
  CREATE TABLE d_log(school_id TEXT NOT NULL DEFAULT 'truong-a', version BIGINT NOT NULL, kind BIGINT NOT NULL,
    class_id BIGINT NOT NULL, subject_id BIGINT NOT NULL, student_id BIGINT NOT NULL, col TEXT NOT NULL,
    value TEXT NOT NULL, device_id BIGINT NOT NULL, seq BIGINT NOT NULL, user_id BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL, received_at BIGINT NOT NULL, current_version BIGINT NOT NULL, note TEXT,
    resolved_by_version BIGINT, PRIMARY KEY(school_id, version));
  CREATE INDEX d_log_conflicts ON d_log(school_id, class_id, subject_id, student_id, col) WHERE kind = 1;
  IF design = 'derived' THEN
    CREATE INDEX d_log_by_cell ON d_log(school_id, class_id, subject_id, student_id, col, version);
  END IF;
  INSERT INTO d_log(version, kind, class_id, subject_id, student_id, col, value, device_id, seq, user_id,
                    recorded_at, received_at, current_version)
    SELECT g, 0, 1 + (g / 480) % 4, 2, 1 + (g / 12) % 40, 'HK1.TX' || (g % 12), '7,5', 1, g, 1, 1763800000, 1763800000, 0
    FROM generate_series(1, 100000) g;
  CREATE TABLE d_cells(school_id TEXT NOT NULL DEFAULT 'truong-a', id BIGINT NOT NULL, class_id BIGINT NOT NULL,
    subject_id BIGINT NOT NULL, student_id BIGINT NOT NULL, col TEXT NOT NULL, value TEXT NOT NULL,
    version BIGINT NOT NULL, device_id BIGINT NOT NULL, user_id BIGINT NOT NULL, PRIMARY KEY(school_id, id))
    WITH (fillfactor = 50);
  CREATE UNIQUE INDEX d_cells_key ON d_cells(school_id, class_id, subject_id, student_id, col);
  INSERT INTO d_cells(id, class_id, subject_id, student_id, col, value, version, device_id, user_id)
    SELECT g, 1 + (g / 480) % 4, 2, 1 + (g / 12) % 40, 'HK1.TX' || (g % 12), '7,5', g, 1, 1 FROM generate_series(0, 1919) g;
  CREATE TABLE d_rows(school_id TEXT NOT NULL DEFAULT 'truong-a', class_id BIGINT NOT NULL, subject_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL, data JSONB NOT NULL, PRIMARY KEY(school_id, class_id, subject_id, student_id))
    WITH (fillfactor = 50);
  INSERT INTO d_rows(class_id, subject_id, student_id, data)
    SELECT c, 2, s, (SELECT jsonb_object_agg('HK1.TX' || k, jsonb_build_array('7,5', 0, 1, 1)) FROM generate_series(0, 11) k)
    FROM generate_series(1, 4) c, generate_series(1, 40) s;
END $$;
CREATE OR REPLACE PROCEDURE design_run(design TEXT, round INT) LANGUAGE plpgsql AS $$
DECLARE p INT; t0 TIMESTAMPTZ;
BEGIN
  CALL design_fresh(design);
  COMMIT;
  CHECKPOINT;
  t0 := clock_timestamp();
  FOR p IN 0..39 LOOP
    INSERT INTO d_log(version, kind, class_id, subject_id, student_id, col, value, device_id, seq, user_id,
                      recorded_at, received_at, current_version)
      SELECT 100001 + p * 500 + i, 0, 1 + ((p * 500 + i) / 480) % 4, 2, 1 + ((p * 500 + i) / 12) % 40,
             'HK1.TX' || ((p * 500 + i) % 12), '8,' || (i % 10), 1, p * 500 + i, 1, 1763900000 + i, 1763900000, 0
      FROM generate_series(0, 499) i;
    IF design = 'today' THEN
      UPDATE d_cells SET value = t.x, version = t.v, device_id = 1, user_id = 1
        FROM (SELECT (p * 500 + i) % 1920 AS id, '8,' || (i % 10) AS x, 100001 + p * 500 + i AS v
              FROM generate_series(0, 499) i) t
        WHERE d_cells.school_id = 'truong-a' AND d_cells.id = t.id;
    ELSIF design = 'packed' THEN
      UPDATE d_rows SET data = d_rows.data || t.patch
        FROM (SELECT 1 + ((p * 500 + i) / 480) % 4 AS c, 1 + ((p * 500 + i) / 12) % 40 AS s,
                     jsonb_object_agg('HK1.TX' || ((p * 500 + i) % 12),
                                      jsonb_build_array('8,' || (i % 10), 100001 + p * 500 + i, 1, 1)) AS patch
              FROM generate_series(0, 499) i GROUP BY 1, 2) t
        WHERE d_rows.school_id = 'truong-a' AND d_rows.class_id = t.c AND d_rows.subject_id = 2
          AND d_rows.student_id = t.s;
    END IF;
    IF p % 5 = 4 THEN COMMIT; END IF;
  END LOOP;
  INSERT INTO design_times VALUES (design, round, extract(epoch FROM clock_timestamp() - t0) * 1000);
  COMMIT;
END $$;
CALL design_run('log_only', 1); CALL design_run('today', 1); CALL design_run('packed', 1); CALL design_run('derived', 1);
CALL design_run('log_only', 2); CALL design_run('today', 2); CALL design_run('packed', 2); CALL design_run('derived', 2);
CALL design_run('log_only', 3); CALL design_run('today', 3); CALL design_run('packed', 3); CALL design_run('derived', 3);
SELECT design, string_agg(round(ms)::TEXT || ' ms', ', ' ORDER BY round) FROM design_times GROUP BY design ORDER BY min(ms);
DROP TABLE d_log, d_cells, d_rows;
DROP PROCEDURE design_run(TEXT, INT);
DROP PROCEDURE design_fresh(TEXT);
