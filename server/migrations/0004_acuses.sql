-- Acuses (DESIGN §6): what the applicant signed, its sello, and the Instituto's sello over the
-- whole acuse. Written once, in the transaction that issues the credential; never updated.

CREATE TABLE acuses (
    folio                    TEXT PRIMARY KEY REFERENCES credenciales(folio),
    cuenta_id                BIGINT NOT NULL REFERENCES cuentas(id),
    rol                      TEXT NOT NULL CHECK (rol IN ('patron', 'desarrollador')),
    nrp                      TEXT NOT NULL,
    rfc                      TEXT NOT NULL,
    razon_social             TEXT NOT NULL,
    no_certificado           TEXT NOT NULL,
    certificado              {{bytes}} NOT NULL,
    terminos_version         TEXT NOT NULL,
    terminos_sha256          TEXT NOT NULL,
    cadena_original          TEXT NOT NULL,
    sello                    TEXT NOT NULL,
    emitido                  BIGINT NOT NULL,
    sello_instituto          TEXT NOT NULL,
    instituto_no_certificado TEXT NOT NULL,
    instituto_huella         TEXT NOT NULL
);
CREATE INDEX acuses_cuenta ON acuses(cuenta_id);
