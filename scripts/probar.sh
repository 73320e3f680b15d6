#!/usr/bin/env bash
# Second command of the README: every test. First the dependency check (cargo-deny against the
# vendored RustSec advisory database: scripts/dependencias.sh), then unit and integration tests
# (the real server on a free loopback port over throwaway SQLite files, then the integration
# tests again over a throwaway PostgreSQL cluster), the browser builds (hydrate, client-only CSR,
# efirma for wasm32), the Playwright suite in Debian's chromium (axe-core accessibility checks
# included), and the Generación flow in Debian's firefox-esr over WebDriver (geckodriver).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/herramientas.sh"
# One build, not kept for editing: incremental state would only fill the disk.
export CARGO_INCREMENTAL=0

echo "==> Formato"
cargo fmt --all -- --check

echo "==> Dependencias: avisos de seguridad, licencias, versiones y orígenes (cargo deny)"
bash scripts/dependencias.sh

echo "==> Clippy"
cargo clippy -p efirma --all-targets -- -D warnings
cargo clippy -p efirma --all-targets --features pfx -- -D warnings
cargo clippy -p efirma --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p efirma --target wasm32-unknown-unknown --features firma-wasm,verificacion-wasm,js -- -D warnings
cargo clippy -p nucleo --all-targets -- -D warnings
cargo clippy -p nucleo --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p intercomunicacion --all-targets -- -D warnings
cargo clippy -p fuzz --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown --features dividido -- -D warnings

echo "==> Pruebas de efirma"
cargo test -p efirma
cargo test -p efirma --features pfx --test formatos

echo "==> Pruebas del núcleo, de app y del servidor"
cargo test -p nucleo
cargo test -p app --features ssr
cargo test -p intercomunicacion

echo "==> Corpus guardado de los objetivos de fuzzing, sin AFL (scripts/fuzz.sh hace las campañas)"
cargo test -p fuzz

echo "==> Pruebas de integración del servidor sobre PostgreSQL"
source scripts/postgres.sh
cargo test -p intercomunicacion --test '*'
pg_parar
trap - EXIT

echo "==> efirma compila para wasm32 (con y sin sus features opcionales); la compilación sólo-cliente (CSR, trunk) compila"
cargo build -p efirma --target wasm32-unknown-unknown
cargo build -p efirma --target wasm32-unknown-unknown --features firma-wasm,verificacion-wasm,js
cargo check -p frontend --target wasm32-unknown-unknown --no-default-features --features csr

echo "==> Sitio de producción (servidor + wasm hidratado)"
cargo leptos build --release --precompress --split --lib-features dividido

echo "==> Pruebas de extremo a extremo (Playwright, Chromium de Debian)"
cd end2end
npx playwright test

echo "==> Generación en Firefox ESR de Debian (WebDriver: geckodriver y selenium-webdriver)"
npx playwright test -c firefox.config.ts
