-- Portal accounts, sessions, sign-in throttling and the audit log.
-- Times are Unix seconds (UTC) so the same queries run on SQLite and PostgreSQL.

CREATE TABLE cuentas (
    id              {{id}},
    nrp             TEXT NOT NULL UNIQUE,
    rfc             TEXT NOT NULL,
    razon_social    TEXT NOT NULL,
    correo          TEXT NOT NULL,
    contrasena_hash TEXT NOT NULL,
    creada          BIGINT NOT NULL
);

CREATE TABLE sesiones (
    id_hash          TEXT PRIMARY KEY,
    cuenta_id        BIGINT NOT NULL REFERENCES cuentas(id) ON DELETE CASCADE,
    creada           BIGINT NOT NULL,
    ultima_actividad BIGINT NOT NULL,
    ip               TEXT NOT NULL
);
CREATE INDEX sesiones_cuenta ON sesiones(cuenta_id);

CREATE TABLE intentos_fallidos (
    clave   TEXT NOT NULL,
    momento BIGINT NOT NULL
);
CREATE INDEX intentos_fallidos_clave ON intentos_fallidos(clave, momento);

CREATE TABLE auditoria (
    id        {{id}},
    momento   BIGINT NOT NULL,
    evento    TEXT NOT NULL,
    cuenta_id BIGINT,
    sujeto    TEXT,
    ip        TEXT,
    detalle   TEXT
);
CREATE INDEX auditoria_momento ON auditoria(momento);
