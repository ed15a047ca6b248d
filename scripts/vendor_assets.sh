#!/usr/bin/env bash
# Copy the map's JavaScript and CSS from the npm registry into static/vendor/ (served by the app itself).
# Idempotent: does nothing when the pinned versions are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=static/vendor
stamp="leaflet@1.9.3 leaflet.markercluster@1.1.0 leaflet-draw@1.0.2"
if [ -f "$dest/VERSIONS" ] && [ "$(cat "$dest/VERSIONS")" = "$stamp" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm is needed once to fetch the map's JavaScript (apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack $stamp --silent >/dev/null 2>npm.log) || { cat "$tmp/npm.log" >&2; exit 1; }
for t in "$tmp"/*.tgz; do
  name=$(basename "$t" .tgz)
  mkdir -p "$tmp/$name" && tar xzf "$t" -C "$tmp/$name"
done
rm -rf "$dest" && mkdir -p "$dest/leaflet" "$dest/markercluster" "$dest/leaflet-draw"
cp "$tmp"/leaflet-1.9.3/package/dist/leaflet.js "$tmp"/leaflet-1.9.3/package/dist/leaflet.css "$dest/leaflet/"
cp -r "$tmp"/leaflet-1.9.3/package/dist/images "$dest/leaflet/"
cp "$tmp"/leaflet.markercluster-1.1.0/package/dist/leaflet.markercluster.js \
   "$tmp"/leaflet.markercluster-1.1.0/package/dist/MarkerCluster.css \
   "$tmp"/leaflet.markercluster-1.1.0/package/dist/MarkerCluster.Default.css "$dest/markercluster/"
cp "$tmp"/leaflet-draw-1.0.2/package/dist/leaflet.draw.js "$tmp"/leaflet-draw-1.0.2/package/dist/leaflet.draw.css "$dest/leaflet-draw/"
cp -r "$tmp"/leaflet-draw-1.0.2/package/dist/images "$dest/leaflet-draw/"
for p in leaflet-1.9.3 leaflet.markercluster-1.1.0 leaflet-draw-1.0.2; do
  cp "$tmp/$p/package/LICENSE"* "$dest/" 2>/dev/null && mv "$dest"/LICENSE* "$dest/LICENSE.${p}" 2>/dev/null || true
done
echo "$stamp" > "$dest/VERSIONS"
echo "map assets copied to $dest ($(du -sh "$dest" | cut -f1))"
