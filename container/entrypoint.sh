#!/bin/sh
# The grading image's entry point (container/Containerfile). Grades one notebook and prints
# the outcome as JSON on stdout; see `ilcourse-grade --help` and docs/platforms.md.
# Meant for: --network none --read-only --tmpfs /tmp --memory 512m (everything it writes
# goes to /tmp). Tests run this script unchanged in a fresh virtual environment with
# ILCOURSE_VENV and ILCOURSE_ROOT pointing there.
set -eu
VENV="${ILCOURSE_VENV:-/opt/ilcourse/venv}"
export ILCOURSE_ROOT="${ILCOURSE_ROOT:-/opt/ilcourse/course}"
export HOME=/tmp TMPDIR=/tmp MPLCONFIGDIR=/tmp/mpl IPYTHONDIR=/tmp/ipython \
       JUPYTER_CONFIG_DIR=/tmp/jupyter-config JUPYTER_DATA_DIR=/tmp/jupyter-data \
       MPLBACKEND=agg PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
       OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" MKL_NUM_THREADS="${MKL_NUM_THREADS:-1}"
# Probe bubblewrap: inside most containers it cannot create namespaces; then grade without it
# (the result says so: "sandboxed": false) rather than fail to start the kernel.
if [ -z "${AUTOGRADER_NO_SANDBOX:-}" ]; then
  if ! command -v bwrap >/dev/null 2>&1 || ! bwrap --ro-bind / / --unshare-net true >/dev/null 2>&1; then
    export AUTOGRADER_NO_SANDBOX=1
  fi
fi
exec "$VENV/bin/python" -P -m autograder.platforms.container "$@"
