#!/bin/sh
# Starts one rollout-guard service from the built bundles, with the node flags and the environment
# the project runs it with (SERVICE_NODE_FLAGS and SERVICE_ENVIRONMENT, scripts/service-node-flags.ts):
#
#   docker-entrypoint.sh collector|evaluator [node flags…]
#
# Node flags given here come after the defaults and win over them, e.g. `collector
# --max-old-space-size=256`; a variable set in the container's environment (`docker run -e
# MALLOC_ARENA_MAX=4`) wins over the default. `exec` makes node the process that receives SIGTERM.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
service=${1:-}
[ "$#" -gt 0 ] && shift
case "$service" in
  collector)
    export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
    exec node --max-old-space-size=192 "$@" "$root/services/collector/dist/main.js"
    ;;
  evaluator) exec node "$@" "$root/services/evaluator/dist/main.js" ;;
  *)
    echo "usage: docker-entrypoint.sh collector|evaluator [node flags…] (got \"$service\")" >&2
    exit 64
    ;;
esac
