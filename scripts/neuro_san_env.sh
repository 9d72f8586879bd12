#!/usr/bin/env bash
# Builds the Python environment of the neuro-san integration (neuro-san 0.7 needs
# Python 3.12 or newer; the app runs on 3.11 too) and prints its python's path.
#   bash scripts/neuro_san_env.sh            # in .venv-neuro beside this script's repo
#   NEURO_SAN_VENV=/some/dir bash scripts/neuro_san_env.sh
# It is rebuilt only when requirements-neuro.txt or requirements.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${NEURO_SAN_VENV:-$PWD/.venv-neuro}"

find_python() {
  local candidate
  # 3.12 first: the version neuro-san names as its minimum, and the one it is tested on.
  for candidate in python3.12 "$HOME"/.pyenv/versions/3.12*/bin/python python3.13 \
                   "$HOME"/.pyenv/versions/3.1[3-9]*/bin/python /usr/local/bin/python3.1[2-9]; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

stamp="$(cat requirements-neuro.txt requirements.txt | sha256sum | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.requirements-sha256" 2>/dev/null)" = "$stamp" ]; then
  echo "$venv/bin/python"
  exit 0
fi
python="$(find_python)" || { echo "neuro-san needs Python 3.12 or newer; none found" >&2; exit 3; }
rm -rf "$venv"
"$python" -m venv "$venv" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-neuro.txt \
  2> >(grep -v "^WARNING: Location" >&2) >&2
echo "$stamp" > "$venv/.requirements-sha256"
echo "$venv/bin/python"
