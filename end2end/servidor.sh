#!/usr/bin/env bash
# Starts the release server for the end-to-end suite: a throwaway data directory, the test
# accounts created through the operator CLI (as an operator would), then the server itself.
set -euo pipefail
cd "$(dirname "$0")/.."
puerto="${1:-3100}"
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/intercomunicacion"
datos="$(mktemp -d -t intercom-e2e-XXXXXX)"
export INTERCOM_DATOS="$datos" LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$puerto"
export INTERCOM_BLOQUEO_INTENTOS=3 RUST_LOG="${RUST_LOG:-warn}"
unset DATABASE_URL

alta() { printf '%s\n' "$5" | "$bin" cuentas alta --nrp "$1" --rfc "$2" --razon-social "$3" --correo "$4" --contrasena-stdin >/dev/null; }
alta Y5412345108 EKU9003173C9 "ESCUELA KEMPER URGATE SA DE CV" nomina@kemper.example "Kemper-Portal-2026"
alta B1234567890 AAA010101AAA "ACCEM SERVICIOS EMPRESARIALES SC" rh@accem.example "Accem-Portal-2026"
exec "$bin" servir
