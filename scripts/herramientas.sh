#!/usr/bin/env bash
# Installs whatever a fresh Debian machine (with Rust via rustup, Node and npm) lacks to build,
# serve and test the project. Idempotent: each tool is installed only when missing or at the
# wrong version. Sourced by servir.sh and probar.sh; leaves PATH ready.
set -euo pipefail
raiz="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$raiz"

CARGO_LEPTOS_VERSION=0.3.10
# The newest cargo-deny that builds on the toolchain of rust-toolchain.toml (it needs 1.88).
CARGO_DENY_VERSION=0.20.2
# geckodriver drives Debian's firefox-esr over WebDriver in the Firefox tests (end2end/firefox/).
GECKODRIVER_VERSION=0.37.1
export PATH="$HOME/.cargo/bin:$raiz/end2end/node_modules/.bin:$PATH"

como_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

faltan=()
command -v chromium >/dev/null || faltan+=(chromium)
# Firefox ESR: the Generación flow is also tested there (end2end/firefox/, through geckodriver).
command -v firefox-esr >/dev/null || faltan+=(firefox-esr)
command -v openssl >/dev/null || faltan+=(openssl)
# git: scripts/dependencias.sh hands cargo-deny the vendored advisory database as a repository.
command -v git >/dev/null || faltan+=(git)
command -v cc >/dev/null || faltan+=(build-essential)
command -v pkg-config >/dev/null || faltan+=(pkg-config)
# pdftotext reads the acuse PDFs in the tests; python3 (sqlite3) lets the browser tests look
# into the server's database.
command -v pdftotext >/dev/null || faltan+=(poppler-utils)
command -v python3 >/dev/null || faltan+=(python3)
# PostgreSQL: the integration tests run a second time on a throwaway cluster (scripts/postgres.sh).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || faltan+=(postgresql)
if [ ${#faltan[@]} -gt 0 ]; then
  echo "==> Instalando paquetes de Debian: ${faltan[*]}"
  como_root apt-get update -qq
  como_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${faltan[@]}"
fi

# The toolchain of rust-toolchain.toml, with its wasm target.
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
rustup target list --installed | grep -q '^wasm32-unknown-unknown$' || rustup target add wasm32-unknown-unknown

if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  echo "==> Instalando cargo-leptos $CARGO_LEPTOS_VERSION"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

if [ "$(cargo deny --version 2>/dev/null | awk '{print $2}')" != "$CARGO_DENY_VERSION" ]; then
  echo "==> Instalando cargo-deny $CARGO_DENY_VERSION"
  cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked
fi

if [ "$(geckodriver --version 2>/dev/null | awk 'NR==1{print $2}')" != "$GECKODRIVER_VERSION" ]; then
  echo "==> Instalando geckodriver $GECKODRIVER_VERSION"
  cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked
fi

# wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate in Cargo.lock.
wb_version="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  echo "==> Instalando wasm-bindgen-cli $wb_version"
  cargo install wasm-bindgen-cli --version "$wb_version"
fi

# npm packages: Playwright's test runner (it drives Debian's chromium, never downloads a browser),
# axe-core for it, selenium-webdriver (it drives firefox-esr through the geckodriver above, never
# through its Selenium Manager) and binaryen's wasm-opt (Debian's wasm-opt 108 breaks hydration).
if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -x end2end/node_modules/.bin/playwright ] \
  || [ ! -d end2end/node_modules/selenium-webdriver ] || [ ! -d end2end/node_modules/@axe-core/playwright ]; then
  echo "==> Instalando paquetes de npm (end2end/)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

# The Portal's fonts (government identity: Montserrat for headings, Noto Sans for text; SIL Open
# Font License), self-hosted from npm's @fontsource packages (fuentes/package.json): their latin
# files, with the licences, go to public/fuentes/, which the build copies into the site.
fuentes=(montserrat-latin-700-normal noto-sans-latin-400-normal noto-sans-latin-700-normal)
if [ ! -f "public/fuentes/${fuentes[-1]}.woff2" ] || [ fuentes/package-lock.json -nt public/fuentes ]; then
  echo "==> Fuentes del portal (fuentes/: @fontsource)"
  (cd fuentes && npm ci --no-audit --no-fund --silent)
  mkdir -p public/fuentes
  for f in "${fuentes[@]}"; do
    paquete="${f%%-latin-*}"
    cp "fuentes/node_modules/@fontsource/$paquete/files/$f.woff2" public/fuentes/
  done
  cp fuentes/node_modules/@fontsource/montserrat/LICENSE public/fuentes/LICENCIA-montserrat.txt
  cp fuentes/node_modules/@fontsource/noto-sans/LICENSE public/fuentes/LICENCIA-noto-sans.txt
  touch public/fuentes
fi

