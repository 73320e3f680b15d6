-- Rate limits take a place before the attempt (one row), atomically, and give it back when the
-- attempt does not count: each row needs an id. The rows are short-lived counters, so the table
-- is simply recreated (limits in force when this migration runs start over).
DROP TABLE intentos_fallidos;
CREATE TABLE intentos_fallidos (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    clave   TEXT NOT NULL,
    momento BIGINT NOT NULL
);
CREATE INDEX intentos_fallidos_clave ON intentos_fallidos(clave, momento);
