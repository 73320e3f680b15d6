-- The exchange with payroll software (DESIGN §2, §9): developers' products and their
-- certification, the employers' trust relations, the avisos the Instituto loads, and the API
-- sessions payroll software opens with both credentials.

CREATE TABLE productos (
    id        {{id}},
    cuenta_id BIGINT NOT NULL REFERENCES cuentas(id),
    nombre    TEXT NOT NULL,
    version   TEXT NOT NULL,
    contacto  TEXT NOT NULL,
    -- registrado -> solicitado -> aprobado | rechazado; aprobado -> revocado
    estado    TEXT NOT NULL CHECK (estado IN ('registrado', 'solicitado', 'aprobado', 'rechazado', 'revocado')),
    creado    BIGINT NOT NULL,
    UNIQUE (cuenta_id, nombre, version)
);

CREATE TABLE productos_historial (
    id          {{id}},
    producto_id BIGINT NOT NULL REFERENCES productos(id),
    estado      TEXT NOT NULL,
    motivo      TEXT,
    actor       TEXT NOT NULL,
    momento     BIGINT NOT NULL
);
CREATE INDEX productos_historial_producto ON productos_historial(producto_id, id);

CREATE TABLE relaciones (
    id               {{id}},
    patron_id        BIGINT NOT NULL REFERENCES cuentas(id),
    desarrollador_id BIGINT NOT NULL REFERENCES cuentas(id),
    producto_id      BIGINT NOT NULL REFERENCES productos(id),
    estado           TEXT NOT NULL CHECK (estado IN ('activa', 'revocada')),
    -- What the employer signed with its e.firma (PKCS#1 v1.5), as for the acuse.
    cadena_original  TEXT NOT NULL,
    sello            TEXT NOT NULL,
    no_certificado   TEXT NOT NULL,
    creada           BIGINT NOT NULL,
    revocada         BIGINT
);
CREATE UNIQUE INDEX relaciones_una_activa ON relaciones(patron_id, desarrollador_id) WHERE estado = 'activa';

CREATE TABLE avisos (
    id              {{id}},
    nrp             TEXT NOT NULL,
    -- AAAA-MM-DD
    fecha           TEXT NOT NULL,
    tipo            TEXT NOT NULL CHECK (tipo IN ('retencion', 'modificacion', 'suspension')),
    nss             TEXT NOT NULL,
    nombre          TEXT NOT NULL,
    rfc_trabajador  TEXT,
    curp_trabajador TEXT,
    numero_credito  TEXT NOT NULL,
    tipo_descuento  TEXT NOT NULL,
    valor_descuento TEXT NOT NULL,
    folio           TEXT NOT NULL UNIQUE,
    cargado         BIGINT NOT NULL
);
CREATE INDEX avisos_nrp_fecha ON avisos(nrp, fecha, id);

CREATE TABLE sesiones_api (
    token_hash                  TEXT PRIMARY KEY,
    patron_id                   BIGINT NOT NULL REFERENCES cuentas(id),
    desarrollador_id            BIGINT NOT NULL REFERENCES cuentas(id),
    credencial_patron_id        BIGINT NOT NULL REFERENCES credenciales(id),
    credencial_desarrollador_id BIGINT NOT NULL REFERENCES credenciales(id),
    relacion_id                 BIGINT NOT NULL REFERENCES relaciones(id),
    creada                      BIGINT NOT NULL,
    expira                      BIGINT NOT NULL
);
CREATE INDEX sesiones_api_credencial_patron ON sesiones_api(credencial_patron_id);
CREATE INDEX sesiones_api_credencial_desarrollador ON sesiones_api(credencial_desarrollador_id);
CREATE INDEX sesiones_api_relacion ON sesiones_api(relacion_id);
