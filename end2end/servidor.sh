#!/usr/bin/env bash
# Starts one release server for the end-to-end suite: a fresh data directory under
# end2end/.datos/<perfil> (the tests read the demo e.firma and run the operator CLI there), the
# test accounts created through the operator CLI (as an operator would), then the server.
#
#   bash servidor.sh PUERTO demo   trust anchors = the generated demo CA, revocation checked
#                                  against a real `openssl ocsp` responder on PUERTO+50; email
#                                  delivered to the suite's SMTP server on loopback (smtp.mjs)
#   bash servidor.sh PUERTO sat    trust anchors = SAT's test CAs (../shared/fixtures/sat/ca/pruebas);
#                                  email left in the local mailbox folder, as in the demo
#   bash servidor.sh PUERTO defecto   the out-of-the-box demo of the README's first command: no
#                                  configuration but the address (its own demo account, demo
#                                  e.firma and CA, local mailbox folder), no accounts added
set -euo pipefail
cd "$(dirname "$0")/.."
puerto="${1:-3100}"
perfil="${2:-demo}"
smtp="${E2E_SMTP:-3125}"
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/intercomunicacion"
datos="$PWD/end2end/.datos/$perfil"
rm -rf "$datos"
mkdir -p "$datos"
export INTERCOM_DATOS="$datos" LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$puerto"
export RUST_LOG="${RUST_LOG:-warn}" INTERCOM_URL_PUBLICA="http://localhost:$puerto"
unset DATABASE_URL
if [ "$perfil" = defecto ]; then
  exec "$bin" servir
fi
export INTERCOM_BLOQUEO_INTENTOS=3

alta() { printf '%s\n' "$5" | "$bin" cuentas alta --nrp "$1" --rfc "$2" --razon-social "$3" --correo "$4" --contrasena-stdin >/dev/null; }
alta Y5412345108 EKU9003173C9 "ESCUELA KEMPER URGATE SA DE CV" nomina@kemper.example "Kemper-Portal-2026"
alta B1234567890 AAA010101AAA "ACCEM SERVICIOS EMPRESARIALES SC" rh@accem.example "Accem-Portal-2026"

case "$perfil" in
  demo)
    "$bin" demo efirma >/dev/null
    efirma="$datos/demo/efirma"
    ocsp=$((puerto + 50))
    (cd "$efirma/ocsp" && exec openssl ocsp -index index.txt -CA ac.pem -rsigner responder.pem \
      -rkey responder.key.pem -ndays 1 -port "$ocsp" 2>"$datos/ocsp.log") &
    export INTERCOM_ANCLAS="$efirma/ca" INTERCOM_OCSP_URL="http://127.0.0.1:$ocsp/"
    export INTERCOM_SMTP_URL="smtp://127.0.0.1:$smtp"
    for _ in $(seq 100); do grep -q "waiting for OCSP" "$datos/ocsp.log" 2>/dev/null && break; sleep 0.1; done
    ;;
  sat)
    export INTERCOM_ANCLAS="$PWD/../shared/fixtures/sat/ca/pruebas"
    ;;
  *) echo "perfil desconocido: $perfil" >&2; exit 2 ;;
esac
exec "$bin" servir
