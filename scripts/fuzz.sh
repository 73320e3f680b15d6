#!/usr/bin/env bash
# A fuzzing campaign on the stable toolchain: `scripts/fuzz.sh <target>` builds the target with
# afl.rs (`cargo afl build`, persistent mode, debug assertions and overflow checks on) and runs
# AFL++ on it for FUZZ_SEGUNDOS seconds (default 600) at the lowest priority, then prints the
# executions and crashes from AFL's fuzzer_stats. Targets: cer, key, cadena, api_json, cabeceras
# (fuzz/src/lib.rs says what each reads and asserts).
#
# Seeds: the synthetic corpus in fuzz/corpus/<target>/ and, for cer and key, SAT's fixtures in
# ../shared/fixtures/sat when they are there: copied at run time into the work folder (under the
# target directory, never into the repository) unless FUZZ_SAT=0.
#
# Needs cargo-afl: `cargo install cargo-afl --version 0.18.2 --locked` (its install builds
# AFL++ from source). CI does not fuzz: it replays the saved corpus (`cargo test -p fuzz`).
#
# Environment: FUZZ_SEGUNDOS (campaign length), FUZZ_EJECUCIONES (stop once this many executions
# are done, AFL's -E; 0 = no limit), FUZZ_SAT (0: no SAT fixtures as seeds),
# FUZZ_SALIDA (AFL's output folder; default <target dir>/fuzz/<target>/salida, reused to resume),
# FUZZ_CARGO_TARGET_DIR (the instrumented build's; default <target dir>/afl). Dictionaries of
# each target's tokens, when there is one: fuzz/diccionarios/<target>.dict.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_INCREMENTAL=0

objetivo="${1:-}"
case "$objetivo" in
  cer | key | cadena | api_json | cabeceras) ;;
  *)
    echo "Uso: scripts/fuzz.sh <cer|key|cadena|api_json|cabeceras>" >&2
    exit 2
    ;;
esac
segundos="${FUZZ_SEGUNDOS:-600}"
ejecuciones="${FUZZ_EJECUCIONES:-0}"

if ! cargo afl --version >/dev/null 2>&1; then
  echo "Falta cargo-afl: cargo install cargo-afl --version 0.18.2 --locked" >&2
  exit 1
fi

# Instrumented builds have their own flags: their own target directory, so they never force the
# normal build to start over.
destino="${CARGO_TARGET_DIR:-$PWD/target}"
export CARGO_TARGET_DIR="${FUZZ_CARGO_TARGET_DIR:-$destino/afl}"
# efirma's targets build without the server (feature `servidor`): a much smaller build.
case "$objetivo" in
  cer | key) caracteristicas=(--no-default-features --features afl) ;;
  *) caracteristicas=(--features afl) ;;
esac
nice -n 19 cargo afl build --release -p fuzz "${caracteristicas[@]}" --bin "$objetivo"
binario="$CARGO_TARGET_DIR/release/$objetivo"

trabajo="$destino/fuzz/$objetivo"
salida="${FUZZ_SALIDA:-$trabajo/salida}"
entrada="$trabajo/entrada"
rm -rf "$entrada"
mkdir -p "$entrada" "$salida"
cp fuzz/corpus/"$objetivo"/* "$entrada"/
sat=../shared/fixtures/sat
if [ "${FUZZ_SAT:-1}" != 0 ] && [ -d "$sat" ]; then
  case "$objetivo" in
    cer) find "$sat" -name '*.cer' -size -64k | while read -r f; do cp "$f" "$entrada/sat-$(basename "$(dirname "$f")")-$(basename "$f")"; done ;;
    key) find "$sat" -name '*.key' -size -64k | while read -r f; do cp "$f" "$entrada/sat-$(basename "$(dirname "$f")")-$(basename "$f")"; done ;;
  esac
fi

# A machine whose CPU scaling or core_pattern cannot be set (a container) still fuzzes; AFL's
# own CPU binding is left off so it shares the cores with other work.
export AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 AFL_QUIET=1
if [ "$(cat /proc/sys/kernel/core_pattern 2>/dev/null)" != core ]; then
  echo core >/proc/sys/kernel/core_pattern 2>/dev/null || export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
fi
# Resume an earlier campaign in the same output folder rather than start over.
if [ -f "$salida/default/fuzzer_stats" ]; then
  export AFL_AUTORESUME=1
fi

echo "==> AFL++ sobre $objetivo durante ${segundos} s (salida: $salida)"
opciones=()
if [ "$ejecuciones" != 0 ]; then
  opciones+=(-E "$ejecuciones")
fi
if [ -f "fuzz/diccionarios/$objetivo.dict" ]; then
  opciones+=(-x "fuzz/diccionarios/$objetivo.dict")
fi
estado=0
nice -n 19 cargo afl fuzz -V "$segundos" "${opciones[@]}" -i "$entrada" -o "$salida" "$binario" \
  >"$trabajo/afl.log" 2>&1 || estado=$?
if [ ! -f "$salida/default/fuzzer_stats" ] || [ "$estado" != 0 ]; then
  tail -n 30 "$trabajo/afl.log" >&2
  exit 1
fi
stats="$salida/default/fuzzer_stats"
campo() { sed -n "s/^$1 *: *//p" "$stats"; }
echo "objetivo: $objetivo"
echo "ejecuciones: $(campo execs_done)"
echo "ejecuciones por segundo: $(campo execs_per_sec)"
echo "segundos: $(($(campo last_update) - $(campo start_time)))"
echo "entradas en la cola: $(campo corpus_count)"
echo "cobertura (mapa): $(campo bitmap_cvg)"
echo "fallos (crashes): $(campo saved_crashes)"
echo "cuelgues (hangs): $(campo saved_hangs)"
if [ "$(campo saved_crashes)" != 0 ]; then
  echo "Entradas que fallan: $salida/default/crashes/" >&2
  exit 1
fi
