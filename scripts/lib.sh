# Shared helpers for the scripts in this folder.

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  # Installs the Debian packages that are missing; quiet when all are there.
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "== Installerar ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_venv() {
  # Creates .venv with Python 3.11+ and installs the given requirements file when the
  # requirements changed (by content, so a fresh clone does not reinstall an up-to-date venv).
  local requirements=$1
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv 2>/dev/null || { apt_install python3-venv && python3 -m venv .venv; }
  fi
  local stamp=".venv/.installed-$(basename "$requirements")"
  local wanted
  wanted=$(cat requirements*.txt requirements.lock 2>/dev/null | sha256sum | cut -d' ' -f1)
  # requirements.lock pins what the requirements pull in, so every machine gets the same set.
  local constraints=()
  [ -f requirements.lock ] && constraints=(-c requirements.lock)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "== Installerar Python-paket från $requirements"
    .venv/bin/python -m pip install -q --disable-pip-version-check -r "$requirements" "${constraints[@]}"
    echo "$wanted" >"$stamp"
  fi
}

ensure_npm_tools() {
  # The e2e checkers (axe-core, vnu-jar) pinned by tests/e2e/package-lock.json, under
  # tests/e2e/node_modules. --ignore-scripts: vnu-jar's install script would fetch a Java
  # runtime; Debian's is used instead.
  local dir=tests/e2e
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
    [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "== Installerar axe-core och vnu-jar (npm ci)"
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
}
