-- Rate limits take a place before the attempt runs (a row, pendiente = 1), atomically, then
-- either confirm it (the attempt was a failure: pendiente = 0) or give it back (the row goes).
-- A place left pending for over a minute (its process died) counts as a failure. The rows are
-- short-lived counters, so the table is simply recreated (counts in force start over).
DROP TABLE intentos_fallidos;
CREATE TABLE intentos_fallidos (
    id        {{id}},
    clave     TEXT NOT NULL,
    momento   BIGINT NOT NULL,
    pendiente BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX intentos_fallidos_clave ON intentos_fallidos(clave, momento);
