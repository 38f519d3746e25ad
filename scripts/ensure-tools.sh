#!/usr/bin/env bash
# Install what compiling résumés needs, when it is missing: TeX Live from
# Debian's packages, poppler (pdftoppm, pdftotext), bubblewrap (the compile
# sandbox), and the fontconfig cache of TeX Live's fonts for XeLaTeX.
# With --test, also what the tests drive: a local S3 server (moto, from
# PyPI) and Prometheus (Debian's package).
# Idempotent and quick when everything is there.
#
# Which TeX Live: not all of it (Overleaf carries all 5 GB of TeX Live, for
# every kind of document). A résumé needs LaTeX's recommended and extra
# packages (moderncv, altacv, enumitem, titlesec, paracol…), the extra fonts
# (fontawesome5 for moderncv's symbols and Awesome-CV-style icons, Roboto,
# Source Sans, Lato…), XeLaTeX for fontspec documents, TikZ, siunitx, the
# European languages' hyphenation and babel support, cm-super and lmodern so
# no bitmap font is ever generated, and the TeX Gyre fonts. About 2.5 GB
# installed; the rest of TeX Live (CJK, bibliography styles, documentation)
# is left out. deploy/Dockerfile installs the same list.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[tools]\033[0m %s\n' "$*" >&2; }

TEX_PACKAGES=(
  texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended texlive-fonts-extra
  texlive-xetex texlive-pictures texlive-science
  texlive-lang-european texlive-lang-french texlive-lang-german texlive-lang-spanish
  lmodern cm-super tex-gyre fonts-texgyre poppler-utils bubblewrap
)
# What must be found once those are installed.
complete() {
  for program in pdflatex xelatex pdftoppm pdftotext bwrap prlimit fc-cache; do
    command -v "$program" >/dev/null 2>&1 || return 1
  done
  for file in fontawesome5.sty moderncv.cls glyphtounicode.tex lmodern.sty type1ec.sty fontspec.sty \
              tikz.sty siunitx.sty paracol.sty; do
    kpsewhich "$file" >/dev/null 2>&1 || return 1
  done
}

if ! complete; then
  log "installing TeX Live and tools (${TEX_PACKAGES[*]}); the first time takes several minutes"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${TEX_PACKAGES[@]}" >/dev/null
  complete || { log "TeX Live is still incomplete after installing"; exit 1; }
fi

# XeLaTeX finds TeX Live's fonts by name through this configuration; build
# its cache once here (as root it lands in /var/cache/fontconfig, which the
# sandbox mounts read-only) instead of scanning every font in every compile.
FONTCONFIG_FILE="$(pwd)/worker/src/compile/fonts.conf" fc-cache >/dev/null 2>&1 || log "fc-cache failed (XeLaTeX compiles will be slower)"

if [ "${1:-}" = "--test" ] && ! command -v moto_server >/dev/null 2>&1; then
  log "installing moto (a local S3 server for the tests)"
  python3 -m pip install -q --disable-pip-version-check 'moto[server]==5.2.5'
fi
if [ "${1:-}" = "--test" ] && ! command -v prometheus >/dev/null 2>&1; then
  # The metrics test scrapes the binaries with a real Prometheus. The
  # package's own service (where the machine starts one) is not used.
  log "installing Prometheus (Debian's package: the metrics test scrapes the binaries with it)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
log "TeX Live, poppler and bubblewrap are ready"
