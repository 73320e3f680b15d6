-- The audit log becomes tamper-evident: every row carries a sequence number, the hash of the
-- row before it and its own hash (SHA-256 over a length-prefixed encoding, see
-- server/src/auditoria/cadena.rs). The one-row table `auditoria_cadena` is the chain's head:
-- appending updates it first, which serializes appends (a row lock on PostgreSQL, the single
-- writer on SQLite) inside the transaction that writes the row.
--
-- SQL cannot compute the hashes on both engines, so rows written before this migration are
-- chained by the server the first time it migrates (in id order); `heredados_hasta` records
-- how far they go, so a row slipped in later without its link is reported, never chained.

ALTER TABLE auditoria ADD COLUMN secuencia BIGINT;
ALTER TABLE auditoria ADD COLUMN hash_anterior TEXT;
ALTER TABLE auditoria ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX auditoria_secuencia ON auditoria(secuencia);
CREATE INDEX auditoria_sin_encadenar ON auditoria(id) WHERE secuencia IS NULL;

CREATE TABLE auditoria_cadena (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    secuencia       BIGINT NOT NULL,
    hash            TEXT NOT NULL,
    heredados_hasta BIGINT NOT NULL
);
INSERT INTO auditoria_cadena (id, secuencia, hash, heredados_hasta)
SELECT 1, 0, '0000000000000000000000000000000000000000000000000000000000000000', COALESCE(MAX(id), 0)
FROM auditoria;
