-- Intercommunication credentials (DESIGN §5) and e.firma challenges (DESIGN §4).

CREATE TABLE credenciales (
    id             {{id}},
    cuenta_id      BIGINT NOT NULL REFERENCES cuentas(id),
    rol            TEXT NOT NULL CHECK (rol IN ('patron', 'desarrollador')),
    folio          TEXT NOT NULL UNIQUE,
    esquema        TEXT NOT NULL,
    hash           TEXT NOT NULL,
    estado         TEXT NOT NULL CHECK (estado IN ('activa', 'cancelada', 'reemplazada')),
    no_certificado TEXT NOT NULL,
    emitida        BIGINT NOT NULL,
    terminada      BIGINT
);
-- One active credential per account and role, whatever races: the database decides.
CREATE UNIQUE INDEX credenciales_una_activa ON credenciales(cuenta_id, rol) WHERE estado = 'activa';

CREATE TABLE retos (
    id_hash     TEXT PRIMARY KEY,
    sesion_hash TEXT NOT NULL,
    proposito   TEXT NOT NULL,
    cadena      TEXT NOT NULL,
    creado      BIGINT NOT NULL,
    expira      BIGINT NOT NULL,
    usado       BIGINT
);
CREATE INDEX retos_expira ON retos(expira);
