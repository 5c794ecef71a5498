#!/usr/bin/env bash
# Runs the product on the embedded defaults: Django's server, a Celery worker and Celery beat.
# Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
export DEBUG="${DEBUG:-1}"

mkdir -p var/log
.venv/bin/celery -A consultation worker --loglevel=INFO --concurrency=2 >var/log/worker.log 2>&1 &
worker=$!
.venv/bin/celery -A consultation beat --loglevel=INFO >var/log/beat.log 2>&1 &
beat=$!
trap 'kill $worker $beat 2>/dev/null; wait $worker $beat 2>/dev/null' EXIT INT TERM

echo "Celery worker and beat are running (logs in var/log/)."
echo "Consult HK: http://127.0.0.1:8000/   staff admin: http://127.0.0.1:8000/admin/"
"$py" manage.py runserver "${PORT:-127.0.0.1:8000}"
