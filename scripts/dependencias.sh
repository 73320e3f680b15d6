#!/usr/bin/env bash
# The dependency check: cargo-deny (advisories, bans, licenses, sources; the policy and every
# exception, with its reason, are in deny.toml) against the copy of the RustSec advisory database
# in vendor/rustsec-advisory-db/, so no network is needed for the database; then that the
# portal's wasm bundle leaves RustCrypto's `rsa` out (SECURITY.md). Run by scripts/probar.sh
# before the long builds; needs cargo-deny on PATH (scripts/herramientas.sh installs it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

db=vendor/rustsec-advisory-db
commit="$(sed -n 's/^commit=//p' "$db/ORIGEN")"
fecha="$(sed -n 's/^fecha=//p' "$db/ORIGEN")"

# cargo-deny opens <db-path>/advisory-db-<hash of the URL in deny.toml's db-urls> and dates it from
# its git checkout (.git/FETCH_HEAD, else the HEAD commit or the HEAD file, the newer): a throwaway
# repository dated like the copy, so maximum-db-staleness measures the copy's age. The hash is
# cargo-deny 0.20's XxHash64 of that URL; were it wrong, cargo-deny would find no database there
# and fail ("failed to get 'FETCH_HEAD' metadata"), never pass.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
repo="$tmp/advisory-db-3157b0e258782691"
mkdir -p "$repo"
cp -R "$db/crates" "$repo/"
git -C "$repo" init -q
git -C "$repo" add crates
GIT_AUTHOR_DATE="$fecha" GIT_COMMITTER_DATE="$fecha" git -C "$repo" \
  -c user.name=advisory-db -c user.email=advisory-db@localhost -c commit.gpgsign=false \
  commit -q -m "RustSec advisory-db $commit"
touch -d "$fecha" "$repo/.git/HEAD"

# deny.toml with db-path pointing there, on the line reserved for it so that the line numbers in
# cargo-deny's messages stay those of deny.toml (a developer's plain `cargo deny check` keeps
# cargo-deny's default, fetched, database).
grep -q '^# db-path: ' deny.toml
sed "s|^# db-path: .*|db-path = \"$tmp\"|" deny.toml > "$tmp/deny.toml"

# cargo-deny reads every dependency's manifest (all targets) through `cargo metadata --offline`.
cargo fetch --locked --quiet
# Arguments go to cargo-deny before `check`, e.g. `--features efirma/firma-wasm` to see what an
# opt-in feature would bring.
cargo deny --frozen --config "$tmp/deny.toml" "$@" check advisories bans licenses sources

# The portal's bundle, in both its builds (hydrate; csr for trunk): neither RustCrypto's rsa nor an
# efirma feature that would bring it (it decrypts the .key with efirma and signs with WebCrypto).
for construccion in hydrate csr; do
  arbol="$(cargo tree --locked -p frontend --target wasm32-unknown-unknown --no-default-features \
    --features "$construccion" -e normal,features --prefix none)"
  encontrado="$(grep -E '^rsa v|^efirma feature "(firma-wasm|verificacion-wasm|js)"' <<<"$arbol" | sort -u || true)"
  if [ -n "$encontrado" ]; then
    echo "$encontrado" >&2
    echo "El bundle del portal ($construccion) incluye RustCrypto rsa o una feature de efirma que lo trae (ver SECURITY.md)." >&2
    exit 1
  fi
done
echo "bundle del portal (hydrate, csr): sin rsa ni firma-wasm/verificacion-wasm/js"
