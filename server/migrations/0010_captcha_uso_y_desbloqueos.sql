-- Security review: a captcha serves only the use it was issued for (recovering one role's
-- password, or signing in with one NRP); rows from before have no use and serve none (they
-- expire within minutes anyway). Sign-in may ask for a captcha before there is a session, so
-- `sesion_hash` then holds the browser's binding instead (see server/src/ingreso.rs).
ALTER TABLE captchas ADD COLUMN proposito TEXT NOT NULL DEFAULT '';

-- An NRP locked after many consecutive failed sign-ins from anywhere is unlocked with a
-- single-use code sent to the account's address; only its keyed hash is kept, one per NRP.
CREATE TABLE desbloqueos (
    nrp         TEXT PRIMARY KEY,
    codigo_hash TEXT NOT NULL,
    creado      BIGINT NOT NULL,
    expira      BIGINT NOT NULL
);
