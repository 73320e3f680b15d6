#!/usr/bin/env bash
# What the browser bundle is made of (issue 12), from the wasm cargo-leptos links before
# wasm-bindgen and wasm-opt (it still has function names): twiggy's items grouped by the crate
# that defines them, largest first, plus the sizes as served (file, .br, .gz) of the release site.
#
#   cargo install twiggy --locked          # once
#   cargo leptos build --release --precompress
#   bash bench/peso-wasm.sh [N]            # N crates (default 25)
set -euo pipefail
cd "$(dirname "$0")/.."
wasm=target/front/wasm32-unknown-unknown/wasm-release/frontend.wasm
[ -f "$wasm" ] || { echo "falta $wasm: corre cargo leptos build --release --precompress" >&2; exit 1; }
command -v twiggy >/dev/null || { echo "falta twiggy: cargo install twiggy --locked" >&2; exit 1; }

echo "== Servido (target/site/pkg): bytes del archivo, .br y .gz"
for f in target/site/pkg/*.{wasm,js,css}; do
  [ -f "$f" ] || continue
  printf '%-60s %9d %9d %9d\n' "$(basename "$f")" "$(stat -c %s "$f")" \
    "$(stat -c %s "$f.br" 2>/dev/null || echo 0)" "$(stat -c %s "$f.gz" 2>/dev/null || echo 0)"
done

echo "== Código y datos del wasm antes de wasm-opt, por crate (twiggy top)"
twiggy top -n 1000000 -f csv "$wasm" | python3 -c '
import csv, re, sys, collections
n = int(sys.argv[1])
por = collections.Counter()
for fila in csv.DictReader(sys.stdin):
    nombre, b = fila["Name"], int(fila["ShallowSize"])
    # Names and wasm-bindgen describe shims are dropped by wasm-bindgen / wasm-opt.
    if nombre.startswith("\"function names\"") or nombre.startswith("custom section") or "__wbindgen_describe" in nombre:
        continue
    m = re.search(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?::", nombre)
    por[m.group(1) if m else ("(datos)" if nombre.startswith("data") else "(otros)")] += b
total = sum(por.values())
print(f"{total:>10}  100.0%  total")
for k, v in por.most_common(n):
    print(f"{v:>10}  {100 * v / total:5.1f}%  {k}")
' "${1:-25}"
