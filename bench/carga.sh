#!/usr/bin/env bash
# Load benchmark: the release server on loopback, wrk (a separate process on the same machine)
# as the load generator, on SQLite and on PostgreSQL.
#
#   cargo build --release -p intercomunicacion
#   bench/carga.sh                    # both engines; 4 endpoints × 30 s each; table at the end
#   MOTORES=sqlite bench/carga.sh     # one engine
#   bench/carga.sh --memoria          # 5 minutes of mixed load on SQLite, RSS every 10 s
#   bench/carga.sh --memoria postgres
#
# Endpoints: GET /ingresar (sign-in page), GET /portal/mis-tramites/servicios-de-intercomunicacion
# (authenticated SSR, with the cookies of a sign-in made with curl), POST /api/v1/sesiones (both
# credentials → token) and GET /api/v1/avisos?pagina=2 (100 of AVISOS avisos). Each engine gets
# a fresh database: a temporary data directory for SQLite; for PostgreSQL a database created on
# the cluster INTERCOM_PRUEBAS_PG names (an administrator URL ending in /postgres), or, without it,
# on a throwaway cluster started with scripts/postgres.sh.
#
# The requirement is zero errors: any answer outside 2xx or any socket error (connect, read,
# write, timeout) makes the script exit 1. The sign-in and API throttles count failures only, so
# the benchmark's requests, which all succeed, are never refused: no limit needs lifting.
#
# Memory mode: wrk cycles through the four requests for MINUTOS minutes while VmRSS is sampled
# every 10 s; the mean of the last minute's samples is compared with the first minute's. Flat
# means a growth below UMBRAL_MIB (8 MiB): above what may still fill legitimately after the first
# minute (SQLite's page cache is bounded at 2 MiB per connection, 4 connections), yet a leak of
# one small allocation per request shows: at ~900 requests/s over the 4 minutes between the two,
# 40 bytes per request already make 8 MiB. The growth per request is printed too.
#
# Peak RSS is the server's VmHWM, reset before each endpoint (`echo 5 > /proc/PID/clear_refs`),
# so each figure is that endpoint's own peak.
#
# Environment: BIN (default $CARGO_TARGET_DIR/release/intercomunicacion, or target/…), MOTORES
# ("sqlite postgres"), DURACION (30s), HILOS (2), CONEXIONES (32), ESPERA (wrk's timeout, 2s),
# PUERTO (38471), AVISOS (1000), SOLO (only the endpoints whose label contains it, e.g.
# SOLO=sesiones), MINUTOS (5, memory mode), UMBRAL_MIB (8, memory mode).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/intercomunicacion}
MOTORES=${MOTORES:-sqlite postgres}
DURACION=${DURACION:-30s}
HILOS=${HILOS:-2}
CONEXIONES=${CONEXIONES:-32}
ESPERA=${ESPERA:-2s}
PUERTO=${PUERTO:-38471}
AVISOS=${AVISOS:-1000}
SOLO=${SOLO:-}
MINUTOS=${MINUTOS:-5}
UMBRAL_MIB=${UMBRAL_MIB:-8}
MEMORIA=0
if [ "${1:-}" = "--memoria" ]; then
  MEMORIA=1
  MOTORES=${2:-sqlite}
elif [ $# -gt 0 ]; then
  sed -n '2,10p' "$0" >&2
  exit 2
fi
for m in $MOTORES; do
  case $m in sqlite | postgres) ;; *) echo "Motor desconocido: $m (sqlite o postgres)" >&2; exit 2 ;; esac
done
[ -x "$BIN" ] || { echo "No existe $BIN: cargo build --release -p intercomunicacion" >&2; exit 2; }
command -v wrk >/dev/null || { echo "Hace falta wrk (apt-get install -y wrk)" >&2; exit 2; }
BASE="http://127.0.0.1:$PUERTO"

DATOS=
SERVIDOR=
BD_PG=
parar_servidor() {
  if [ -n "$SERVIDOR" ]; then
    kill "$SERVIDOR" 2>/dev/null || true
    wait "$SERVIDOR" 2>/dev/null || true
    SERVIDOR=
  fi
}
limpiar() {
  parar_servidor
  [ -n "$BD_PG" ] && psql -X -q "$INTERCOM_PRUEBAS_PG" -c "DROP DATABASE IF EXISTS $BD_PG" >/dev/null 2>&1
  BD_PG=
  [ -n "$DATOS" ] && rm -rf "$DATOS"
  DATOS=
}
trap limpiar EXIT
if [[ " $MOTORES " == *" postgres "* ]] && [ -z "${INTERCOM_PRUEBAS_PG:-}" ]; then
  # Starts a throwaway cluster and sets its own EXIT trap (stop it, remove it): chain ours.
  source scripts/postgres.sh
  trap 'limpiar; pg_parar' EXIT
fi

# A command whose output matters only when it fails.
callado() {
  "$@" >"$DATOS/orden.log" 2>&1 || { echo "Falló: $*" >&2; cat "$DATOS/orden.log" >&2; exit 1; }
}

# A fresh data directory (and database), the accounts, credentials, product, relation and
# avisos; then the server, and the inputs of the requests: CUERPO (session request), TOKEN
# (bearer), COOKIE (signed-in portal session).
preparar() {
  local motor=$1
  DATOS=$(mktemp -d /tmp/intercom-carga.XXXXXX)
  export INTERCOM_DATOS="$DATOS" INTERCOM_SECRETO LEPTOS_SITE_ADDR="127.0.0.1:$PUERTO" RUST_LOG=warn
  INTERCOM_SECRETO=$(head -c 32 /dev/urandom | base64)
  if [ "$motor" = postgres ]; then
    BD_PG="carga_$$"
    psql -X -q -v ON_ERROR_STOP=1 "$INTERCOM_PRUEBAS_PG" -c "CREATE DATABASE $BD_PG" >/dev/null
    export DATABASE_URL="${INTERCOM_PRUEBAS_PG%/*}/$BD_PG"
  else
    export DATABASE_URL="sqlite://$DATOS/intercomunicacion.db?mode=rwc"
  fi
  callado "$BIN" migrar
  echo "$CONTRASENA_PORTAL" >"$DATOS/portal"
  callado "$BIN" cuentas alta --nrp Y5412345108 --rfc EKU9003173C9 --razon-social "ESCUELA KEMPER URGATE SA DE CV" \
    --correo nomina@kemper.example --contrasena-archivo "$DATOS/portal"
  callado "$BIN" cuentas alta --nrp D0000000001 --rfc VADA800927DJ3 --razon-social "NOMINAS DE PRUEBA SA DE CV" \
    --correo soporte@nominas.example --contrasena-archivo "$DATOS/portal"
  local claves
  mapfile -t claves < <(python3 bench/preparar.py "$DATABASE_URL" "$DATOS/avisos.csv" "$AVISOS")
  [ "${#claves[@]}" = 2 ] || { echo "bench/preparar.py falló" >&2; exit 1; }
  callado "$BIN" avisos cargar --archivo "$DATOS/avisos.csv"

  "$BIN" servir >"$DATOS/servidor.log" 2>&1 &
  SERVIDOR=$!
  local listo=
  for _ in $(seq 1 150); do
    if curl -fs "$BASE/api/v1/openapi.json" >/dev/null 2>&1; then listo=1; break; fi
    kill -0 "$SERVIDOR" 2>/dev/null || break
    sleep 0.2
  done
  [ -n "$listo" ] || { echo "El servidor no arrancó:" >&2; cat "$DATOS/servidor.log" >&2; exit 1; }

  CUERPO=$(printf '{"patron":{"nrp":"Y5412345108"},"contrasena_patron":"%s","desarrollador":{"rfc":"VADA800927DJ3"},"contrasena_desarrollador":"%s"}' "${claves[0]}" "${claves[1]}")
  TOKEN=$(curl -fs -H 'content-type: application/json' -d "$CUERPO" "$BASE/api/v1/sesiones" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

  # Sign in as a browser would: the page sets the __Host-csrf cookie and carries the token
  # derived from it; the form goes to the server function with both. The cookies are
  # __Host-/Secure, which curl's jar keeps off plain http, so they are read from the headers.
  curl -fs -D "$DATOS/h1" -o "$DATOS/b1" "$BASE/ingresar"
  local csrf_cookie csrf sesion
  csrf_cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: *\(__Host-csrf=[^;]*\).*/\1/p' "$DATOS/h1" | tail -1)
  csrf=$(grep -o '<meta name="csrf-token" content="[^"]*"' "$DATOS/b1" | sed 's/.*content="//; s/"$//')
  curl -sS -D "$DATOS/h2" -o "$DATOS/b2" -H "Cookie: $csrf_cookie" -H "x-csrf-token: $csrf" \
    -H 'accept: application/json' --data-urlencode nrp=Y5412345108 \
    --data-urlencode correo=nomina@kemper.example --data-urlencode "contrasena=$CONTRASENA_PORTAL" \
    "$BASE/api/iniciar-sesion"
  sesion=$(sed -n 's/^[Ss]et-[Cc]ookie: *\(__Host-sesion=[^;]*\).*/\1/p' "$DATOS/h2" | tail -1)
  csrf_cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: *\(__Host-csrf=[^;]*\).*/\1/p' "$DATOS/h2" | tail -1)
  COOKIE="$sesion; $csrf_cookie"
  local codigo
  codigo=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$BASE$PAGINA")
  [ -n "$sesion" ] && [ "$codigo" = 200 ] || {
    echo "No se pudo iniciar sesión en el portal ($PAGINA respondió $codigo):" >&2
    cat "$DATOS/h2" "$DATOS/b2" >&2
    exit 1
  }
}

PAGINA=/portal/mis-tramites/servicios-de-intercomunicacion
CONTRASENA_PORTAL="Contraseña-de-carga-1"
FILAS=()
FALLAS=0
campo() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
kib_a_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
rss() { awk -v c="$1:" '$1 == c { print $2 }' "/proc/$SERVIDOR/status"; }

# medir MOTOR ETIQUETA wrk-arguments…: one wrk run; one row of the table.
medir() {
  local motor=$1 etiqueta=$2
  shift 2
  [[ "$etiqueta" == *"$SOLO"* ]] || return 0
  echo "== $motor: $etiqueta ($DURACION, $HILOS hilos, $CONEXIONES conexiones)"
  echo 5 >"/proc/$SERVIDOR/clear_refs"
  local salida linea
  salida=$(wrk -t"$HILOS" -c"$CONEXIONES" -d"$DURACION" --timeout "$ESPERA" --latency -s bench/carga.lua "$@")
  linea=$(grep RESULTADO <<<"$salida") || { echo "$salida" >&2; exit 1; }
  echo "   ${linea#RESULTADO }"
  local errores=$(($(campo socket "$linea") + $(campo no2xx "$linea")))
  [ "$errores" = 0 ] || FALLAS=$((FALLAS + 1))
  FILAS+=("| $motor | $etiqueta | $(campo rps "$linea") | $(campo p50 "$linea") ms | $(campo p99 "$linea") ms | $errores in $(campo peticiones "$linea") | $(kib_a_mib "$(rss VmHWM)") MiB |")
}

if [ "$MEMORIA" = 1 ]; then
  motor=$MOTORES
  preparar "$motor"
  echo "== $motor: carga mixta ($MINUTOS min, $HILOS hilos, $CONEXIONES conexiones): las cuatro peticiones por turno"
  CARGA_MEZCLA=1 CARGA_COOKIE="$COOKIE" CARGA_TOKEN="$TOKEN" CARGA_CUERPO="$CUERPO" \
    wrk -t"$HILOS" -c"$CONEXIONES" -d"$((MINUTOS * 60 + 5))s" --timeout "$ESPERA" --latency -s bench/carga.lua \
    "$BASE/" >"$DATOS/wrk" 2>&1 &
  CARGADOR=$!
  MUESTRAS=()
  segundos=0
  while [ "$segundos" -lt $((MINUTOS * 60)) ]; do
    sleep 10
    segundos=$((segundos + 10))
    m=$(rss VmRSS)
    MUESTRAS+=("$m")
    printf '   %4d s  VmRSS %s MiB\n' "$segundos" "$(kib_a_mib "$m")"
  done
  wait "$CARGADOR"
  linea=$(grep RESULTADO "$DATOS/wrk") || { cat "$DATOS/wrk" >&2; exit 1; }
  echo "   ${linea#RESULTADO }"
  echo "   VmHWM $(kib_a_mib "$(rss VmHWM)") MiB"
  # The first minute (samples 1–6) against the last (the last 6 samples), as means; and that
  # growth spread over the requests served between the middles of the two minutes.
  printf '%s\n' "${MUESTRAS[@]}" | awk -v umbral="$UMBRAL_MIB" -v rps="$(campo rps "$linea")" '
    { m[NR] = $1 }
    END {
      for (i = 1; i <= 6; i++) a += m[i] / 6
      for (i = NR - 5; i <= NR; i++) b += m[i] / 6
      d = (b - a) / 1024
      printf "   primer minuto %.1f MiB, último minuto %.1f MiB: crecimiento %+.1f MiB (%+.1f %%), %+.1f bytes por petición\n", a / 1024, b / 1024, d, 100 * (b - a) / a, (b - a) * 1024 / (rps * (NR - 6) * 10)
      if (d < umbral) printf "   PLANA: crecimiento menor que %s MiB\n", umbral
      else { printf "   CRECE: crecimiento de %s MiB o más\n", umbral; exit 1 }
    }' || FALLAS=$((FALLAS + 1))
  errores=$(($(campo socket "$linea") + $(campo no2xx "$linea")))
  [ "$errores" = 0 ] || { echo "   $errores errores" >&2; FALLAS=$((FALLAS + 1)); }
  limpiar
  exit $((FALLAS > 0))
fi

for motor in $MOTORES; do
  preparar "$motor"
  medir "$motor" "GET /ingresar" "$BASE/ingresar"
  medir "$motor" "GET $PAGINA" -H "Cookie: $COOKIE" "$BASE$PAGINA"
  CARGA_CUERPO="$CUERPO" medir "$motor" "POST /api/v1/sesiones" "$BASE/api/v1/sesiones"
  medir "$motor" "GET /api/v1/avisos?pagina=2" -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/avisos?pagina=2"
  limpiar
done

echo
echo "| engine | endpoint | requests/s | p50 | p99 | errors | server peak RSS |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${FILAS[@]}"
[ "$FALLAS" = 0 ] || { echo "$FALLAS mediciones con errores" >&2; exit 1; }
