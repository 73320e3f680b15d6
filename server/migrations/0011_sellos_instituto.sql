-- Every certificate the Instituto has sealed acuses with, by the SHA-256 of its DER: after the
-- seal key is rotated, an older acuse is still checked with the certificate that sealed it.
CREATE TABLE sellos_instituto (
    huella          TEXT PRIMARY KEY,
    no_certificado  TEXT NOT NULL,
    certificado     {{bytes}} NOT NULL,
    registrado      BIGINT NOT NULL
);
