#!/usr/bin/env bash
# Installs the Debian packages the project needs, when they are missing.
#   run:  Pango, which WeasyPrint uses to lay out certificate PDFs.
#   test: the above, plus Chromium (browser tests, driven by Playwright: no browser is downloaded),
#         PostgreSQL (the second test run), poppler-utils and zbar-tools (reading the QR code of a rendered PDF),
#         qpdf (checking the certificate PDF's structure with a tool we did not write).
set -euo pipefail
mode=${1:-test}
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
have_pkg libpango-1.0-0 || need+=(libpango-1.0-0)
have_pkg libpangoft2-1.0-0 || need+=(libpangoft2-1.0-0)
if [ "$mode" = "bench" ]; then
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
fi
if [ "$mode" = "test" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
  command -v qpdf >/dev/null 2>&1 || need+=(qpdf)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
