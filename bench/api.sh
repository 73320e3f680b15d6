#!/usr/bin/env bash
# Load benchmark of the payroll API: the release server on loopback over a throwaway SQLite
# data directory, one employer + developer + certified product + relation + credentials, 1000
# avisos; then wrk against POST /api/v1/sesiones and GET /api/v1/avisos.
#
#   cargo build --release -p intercomunicacion
#   bench/api.sh                      # 30 s per endpoint, 2 threads, 32 connections
#   DURACION=60s CONEXIONES=64 bench/api.sh
#
# Environment: BIN (default target/release/intercomunicacion, or $CARGO_TARGET_DIR/release/…),
# DURACION, HILOS, CONEXIONES, PUERTO, AVISOS.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/intercomunicacion}
DURACION=${DURACION:-30s}
HILOS=${HILOS:-2}
CONEXIONES=${CONEXIONES:-32}
PUERTO=${PUERTO:-38471}
AVISOS=${AVISOS:-1000}
[ -x "$BIN" ] || { echo "No existe $BIN: cargo build --release -p intercomunicacion" >&2; exit 2; }
command -v wrk >/dev/null || { echo "Hace falta wrk" >&2; exit 2; }

DATOS=$(mktemp -d)
SERVIDOR=
terminar() {
  [ -n "$SERVIDOR" ] && kill "$SERVIDOR" 2>/dev/null && wait "$SERVIDOR" 2>/dev/null || true
  rm -rf "$DATOS"
}
trap terminar EXIT

export INTERCOM_DATOS="$DATOS" INTERCOM_SECRETO
INTERCOM_SECRETO=$(head -c 32 /dev/urandom | base64)
export LEPTOS_SITE_ADDR="127.0.0.1:$PUERTO" RUST_LOG=warn
unset DATABASE_URL

echo "Contraseña-de-carga-1" > "$DATOS/portal"
"$BIN" cuentas alta --nrp Y5412345108 --rfc EKU9003173C9 --razon-social "ESCUELA KEMPER URGATE SA DE CV" \
  --correo nomina@kemper.example --contrasena-archivo "$DATOS/portal" >/dev/null 2>&1
"$BIN" cuentas alta --nrp D0000000001 --rfc VADA800927DJ3 --razon-social "NOMINAS DE PRUEBA SA DE CV" \
  --correo soporte@nominas.example --contrasena-archivo "$DATOS/portal" >/dev/null 2>&1
mapfile -t CLAVES < <(python3 bench/preparar.py "$DATOS/intercomunicacion.db" "$DATOS/avisos.csv" "$AVISOS")
"$BIN" avisos cargar --archivo "$DATOS/avisos.csv" >/dev/null 2>&1

"$BIN" servir >"$DATOS/servidor.log" 2>&1 &
SERVIDOR=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PUERTO/api/v1/openapi.json" >/dev/null 2>&1 && break
  sleep 0.2
done

export BENCH_CUERPO
BENCH_CUERPO=$(printf '{"patron":{"nrp":"Y5412345108"},"contrasena_patron":"%s","desarrollador":{"rfc":"VADA800927DJ3"},"contrasena_desarrollador":"%s"}' "${CLAVES[0]}" "${CLAVES[1]}")
TOKEN=$(curl -fs -H 'content-type: application/json' -d "$BENCH_CUERPO" "http://127.0.0.1:$PUERTO/api/v1/sesiones" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

echo "== POST /api/v1/sesiones ($DURACION, $HILOS hilos, $CONEXIONES conexiones)"
wrk -t"$HILOS" -c"$CONEXIONES" -d"$DURACION" --latency -s bench/informe.lua \
  "http://127.0.0.1:$PUERTO/api/v1/sesiones" | grep RESULTADO

echo "== GET /api/v1/avisos?pagina=2 (100 avisos por página, $AVISOS en total)"
BENCH_CUERPO= wrk -t"$HILOS" -c"$CONEXIONES" -d"$DURACION" --latency -s bench/informe.lua \
  -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PUERTO/api/v1/avisos?pagina=2" | grep RESULTADO
