-- The mail outbox (DESIGN §7): written in the same transaction as the state change an email
-- announces, delivered by workers that claim one row at a time.
--   clave:    random per row; the associated data that binds `secreto` to this row.
--   secreto:  the password of the email, AES-256-GCM sealed (base64); NULL once the email is
--             sent or has failed for good.
--   reclamado_hasta / reclamado_por: a worker's lease on the row while it delivers.

CREATE TABLE correos (
    id              {{id}},
    clave           TEXT NOT NULL UNIQUE,
    destinatario    TEXT NOT NULL,
    asunto          TEXT NOT NULL,
    cuerpo          TEXT NOT NULL,
    secreto         TEXT,
    estado          TEXT NOT NULL CHECK (estado IN ('pendiente', 'enviado', 'fallido')),
    intentos        BIGINT NOT NULL DEFAULT 0,
    proximo_intento BIGINT NOT NULL,
    reclamado_hasta BIGINT,
    reclamado_por   TEXT,
    ultimo_error    TEXT,
    creado          BIGINT NOT NULL,
    enviado         BIGINT
);
CREATE INDEX correos_por_entregar ON correos(estado, proximo_intento);
