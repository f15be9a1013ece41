#!/bin/bash
# uvicorn (uvloop + httptools, as serve runs it) against granian, --workers 2, wrk -t1 -c64.
# Usage: HIREBOARD_DATABASE_URL=... bench/server_choice.sh   (a migrated, seeded database;
# granian must be installed: .venv/bin/pip install granian). ADMISSION_LIMIT=0 turns
# admission control off for both.
set -u
cd "$(dirname "$0")/.."
: "${HIREBOARD_DATABASE_URL:?set it to a migrated, seeded database}"
export HIREBOARD_LOG_LEVEL=WARNING HIREBOARD_WORKERS=2
[ -n "${ADMISSION_LIMIT:-}" ] && export HIREBOARD_ADMISSION_LIMIT=$ADMISSION_LIMIT
unset HIREBOARD_DATA_DIR
run_wrk() {  # url label
  wrk -t1 -c64 -d3s "$1" > /dev/null
  wrk -t1 -c64 -d10s --latency "$1" | awk -v l="$2" '/Requests\/sec/{r=$2} / 99%/{p=$2} /Non-2xx/{e=$0} END{print l, r, "req/s p99", p, e}'
}
wait_up() { for i in $(seq 120); do curl -sf "$1/healthz" >/dev/null && return; sleep 0.5; done; echo "never up"; }
.venv/bin/hireboard serve --workers 2 --no-worker --no-migrate --port 18601 > /tmp/server-choice-uvicorn.log 2>&1 &
UV=$!; wait_up http://127.0.0.1:18601
run_wrk http://127.0.0.1:18601/healthz "uvicorn /healthz"
run_wrk "http://127.0.0.1:18601/v1/postings?q=engineer" "uvicorn /v1/postings?q=engineer"
kill -INT $UV; wait $UV
.venv/bin/granian --interface asgi --factory --workers 2 --loop uvloop --http 1 --no-ws --port 18602 --log-level warning hireboard.app:app_from_environment > /tmp/server-choice-granian.log 2>&1 &
GR=$!; wait_up http://127.0.0.1:18602
run_wrk http://127.0.0.1:18602/healthz "granian /healthz"
run_wrk "http://127.0.0.1:18602/v1/postings?q=engineer" "granian /v1/postings?q=engineer"
kill -INT $GR; wait $GR
