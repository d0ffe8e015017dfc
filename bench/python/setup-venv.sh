#!/usr/bin/env sh
# One-line setup of the benchmark-only Python environment for bench/system/als-implicit.ts:
#
#   sh bench/python/setup-venv.sh
#
# Creates .venv-bench/ at the repository root (if absent) and installs requirements.txt into it.
# Where `python3 -m venv` is unavailable (Debian without python3-venv), the packages go into
# .venv-bench/site-packages with `pip install --target` instead; the bench then runs python3 with
# that folder on PYTHONPATH. Python stays out of the project's runtime and CI either way.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="$root/.venv-bench"
requirements="$here/requirements.txt"
python=${PYTHON:-python3}

if [ -x "$venv/bin/python" ]; then
  echo "using the existing virtual environment $venv"
elif "$python" -m venv "$venv" 2>/dev/null; then
  echo "created the virtual environment $venv"
else
  # A failed venv attempt can leave a half-made folder without bin/python; start clean.
  rm -rf "$venv"
  echo "$python -m venv is unavailable; installing into $venv/site-packages instead"
  "$python" -m pip install --disable-pip-version-check --target "$venv/site-packages" \
    -r "$requirements"
  echo "done: the bench runs python3 with PYTHONPATH=$venv/site-packages"
  exit 0
fi

"$venv/bin/python" -m pip install --disable-pip-version-check -r "$requirements"
"$venv/bin/python" -c 'import implicit; print("implicit", implicit.__version__, "ready")'
