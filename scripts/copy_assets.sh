#!/usr/bin/env bash
# Copy the front-end assets from node_modules into static files: nothing is fetched at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
nm=node_modules
out=lianxin/static/vendor
rm -rf "$out"
mkdir -p "$out/tabler" "$out/icons/fonts" "$out/htmx" "$out/echarts"
cp "$nm/@tabler/core/dist/css/tabler.min.css" "$nm/@tabler/core/dist/js/tabler.min.js" "$out/tabler/"
cp "$nm/@tabler/icons-webfont/dist/tabler-icons.min.css" "$out/icons/"
cp "$nm/@tabler/icons-webfont/dist/fonts/tabler-icons.woff2" "$nm/@tabler/icons-webfont/dist/fonts/tabler-icons.woff" "$nm/@tabler/icons-webfont/dist/fonts/tabler-icons.ttf" "$out/icons/fonts/"
cp "$nm/htmx.org/dist/htmx.min.js" "$out/htmx/"
cp "$nm/echarts/dist/echarts.min.js" "$out/echarts/"
echo "assets copied to $out"
