#!/usr/bin/env bash
# Runs a command against a fresh AWS emulator on a free port (AWS_ENDPOINT_URL is set for
# it), then stops the emulator, pass or fail. CAPSULE_FIDELITY=1 starts it in fidelity mode
# (DynamoDB's transaction conflicts and partition throttling, see local/fidelity.py).
set -euo pipefail
cd "$(dirname "$0")/.."
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p target
mode=""
if [ "${CAPSULE_FIDELITY:-}" = 1 ]; then mode=--fidelity; fi
# shellcheck disable=SC2086 # $mode is one flag or none
.venv/bin/python local/emulator.py --port "$port" $mode > target/emulator-test.log 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true; wait "$emulator" 2>/dev/null || true' EXIT
python3 - "$port" <<'PY'
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/_capsule/health"
for _ in range(200):
    try:
        urllib.request.urlopen(url, timeout=1)
        sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit("the AWS emulator did not start: see target/emulator-test.log")
PY
echo "emulator: http://127.0.0.1:$port (pid $emulator)"
AWS_ENDPOINT_URL="http://127.0.0.1:$port" "$@"
