# Sourced by scripts/run and scripts/test: creates .venv with Python >= 3.11 and installs
# the project (with the extras given in PIM_EXTRAS) when pyproject.toml changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: $PYTHON is missing or older than 3.11; install Python 3.11 and retry." >&2
    exit 1
fi

if [ ! -x .venv/bin/python ]; then
    echo "==> creating virtual environment in .venv"
    if ! "$PYTHON" -m venv .venv 2>/tmp/pim-venv.err; then
        rm -rf .venv
        # Debian ships venv/ensurepip in a separate package.
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "==> installing python3-venv (Debian)"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            "$PYTHON" -m venv .venv
        else
            cat /tmp/pim-venv.err >&2
            echo "error: could not create a virtual environment. On Debian: sudo apt-get install python3-venv" >&2
            exit 1
        fi
    fi
fi

stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${PIM_EXTRAS:-none}"
if [ ! -f "$stamp" ]; then
    echo "==> installing dependencies (pinned in pyproject.toml)"
    .venv/bin/python -m pip install -q --upgrade pip
    if [ -n "${PIM_EXTRAS:-}" ]; then
        .venv/bin/python -m pip install -q -e ".[${PIM_EXTRAS}]"
    else
        .venv/bin/python -m pip install -q -e .
    fi
    rm -f .venv/.installed-*
    touch "$stamp"
fi
export PATH="$ROOT/.venv/bin:$PATH"
