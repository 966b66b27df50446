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
# bubblewrap is probed by the grader (autograder.sandbox.bwrap_path()): where the runtime
# forbids the namespaces it needs, grading runs unsandboxed and says so ("sandboxed": false).
exec "$VENV/bin/python" -P -m autograder.platforms.container "$@"
