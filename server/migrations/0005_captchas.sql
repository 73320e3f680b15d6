-- Captchas of the password recovery (guide §4): single use, short-lived, bound to the portal
-- session; the answer is kept only as a keyed hash.

CREATE TABLE captchas (
    id_hash        TEXT PRIMARY KEY,
    sesion_hash    TEXT NOT NULL,
    respuesta_hash TEXT NOT NULL,
    creado         BIGINT NOT NULL,
    expira         BIGINT NOT NULL,
    usado          BIGINT
);
CREATE INDEX captchas_expira ON captchas(expira);
