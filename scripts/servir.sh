#!/usr/bin/env bash
# First command of the README: install what is missing, build (release), migrate the embedded
# SQLite database under ./data, seed the demo employer and serve on http://127.0.0.1:3000.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/herramientas.sh"
echo "==> Compilando y sirviendo el portal (la primera vez tarda varios minutos)"
exec cargo leptos serve --release --precompress --split --lib-features dividido
