#!/usr/bin/env bash
# Re-vendors the Scalar API reference bundle served at /docs/scalar.js.
#
#   bash core/assets/scalar/vendor.sh [VERSION]
#
# Fetches @scalar/api-reference from the npm registry (the only download; nothing
# is fetched at build or run time), copies its browser bundle here and rewrites
# the built-in web-font URLs (only used with `withDefaultFonts`, which the page
# turns off) to `local(...)`, so the served JavaScript names no external asset.
set -euo pipefail
version="${1:-1.46.4}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@scalar/api-reference@$version" >/dev/null && tar xzf ./*.tgz)
python3 - "$work/package/dist/browser/standalone.js" "$here/standalone.js" <<'PY'
import re, sys
src = open(sys.argv[1], encoding="utf-8").read()
out, n = re.subn(r'url\(https://fonts\.scalar\.com/([a-z0-9-]+)\.woff2\) format\("woff2"\)',
                 r'local("\1")', src)
assert n > 0, "font URLs not found: check the bundle layout"
assert "fonts.scalar.com" not in out
open(sys.argv[2], "w", encoding="utf-8").write(out)
PY
echo "$version" > "$here/VERSION"
sha256sum "$here/standalone.js"
