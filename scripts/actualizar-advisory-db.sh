#!/usr/bin/env bash
# Refreshes the copy of the RustSec advisory database kept in vendor/rustsec-advisory-db/, which
# scripts/dependencias.sh checks Cargo.lock against without a network. Only what cargo-deny reads
# (crates/) and the database's licence files are copied; README.md and ORIGEN (commit and date)
# are rewritten.
#
#   bash scripts/actualizar-advisory-db.sh              # clones github.com/rustsec/advisory-db
#   bash scripts/actualizar-advisory-db.sh RUTA         # from a clone (or bare repository) at RUTA
set -euo pipefail
raiz="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
destino="$raiz/vendor/rustsec-advisory-db"

origen="${1:-}"
if [ -z "$origen" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  git clone -q --depth 1 https://github.com/rustsec/advisory-db "$tmp/advisory-db"
  origen="$tmp/advisory-db"
fi
commit="$(git -C "$origen" rev-parse HEAD)"
fecha="$(git -C "$origen" show -s --format=%cI HEAD)"

rm -rf "$destino"
mkdir -p "$destino"
git -C "$origen" archive --format=tar HEAD crates LICENSE.txt LICENSES | tar -x -C "$destino"
avisos="$(find "$destino/crates" -name 'RUSTSEC-*.md' | wc -l)"
printf 'commit=%s\nfecha=%s\n' "$commit" "$fecha" > "$destino/ORIGEN"
cat > "$destino/README.md" <<FIN
# RustSec advisory database (copy)

The \`crates/\` directory of the [RustSec advisory database](https://github.com/rustsec/advisory-db)
at commit \`$commit\`, dated **${fecha%%T*}** (\`$fecha\`), with $avisos advisories. \`cargo deny\`
(\`scripts/dependencias.sh\`, run early by \`scripts/probar.sh\`) reads it from here, so the check
needs no network for the database. Nothing else of the upstream repository is copied.

Licence: dedicated to the public domain under **CC0 1.0 Universal** (\`LICENSES/CC0-1.0.txt\`),
except content adapted from the GitHub Security Advisory database, which is **CC BY 4.0**
(\`LICENSES/CC-BY-4.0.txt\`) and is marked as such, with its GHSA link, in each advisory's
\`license\` and \`url\` fields; see \`LICENSE.txt\`.

Update (commit the result; the check fails once this copy is older than \`maximum-db-staleness\`
in \`deny.toml\`):

\`\`\`sh
bash scripts/actualizar-advisory-db.sh          # clones github.com/rustsec/advisory-db
bash scripts/actualizar-advisory-db.sh RUTA     # or from an existing clone at RUTA
\`\`\`
FIN
echo "vendor/rustsec-advisory-db: $avisos avisos, commit $commit ($fecha)"
