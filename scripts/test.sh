#!/usr/bin/env bash
# The project's test command (`npm test`): bring up the services, build, lint, then run every jest suite
# once. The last line printed is `N passed, N failed[, N skipped]` (CI reads only that line); the exit
# status is non-zero when any step failed. Extra arguments go to jest: `npm test -- packages/core`.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export TURBO_TELEMETRY_DISABLED=1

status=0
failed_steps=()
# Runs one step; a failure is recorded and the next steps still run, so one run shows every problem.
step() {
  local name=$1
  shift
  echo "==> $name: $*"
  if ! "$@"; then
    failed_steps+=("$name")
    status=1
  fi
}

if ! bash scripts/services.sh; then
  echo "test.sh: the services could not be brought up, so no test ran" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

results=$(mktemp "${TMPDIR:-/tmp}/wrkr-jest.XXXXXX")
serial_results=$(mktemp "${TMPDIR:-/tmp}/wrkr-jest-serial.XXXXXX")
trap 'rm -f "$results" "$serial_results"' EXIT

step build npx turbo run build --ui=stream
step lint npx turbo run lint --ui=stream
jest_args=(--ci --json)
# A leaked connection must not keep CI waiting until its time limit; locally jest's warning is more useful.
[[ -n ${CI:-} ]] && jest_args+=(--forceExit)
# `*.serial.test.ts` files disrupt shared servers (a broker restart) or need one to themselves (mongodb's
# fair groups time out beside the mongodb conformance run on FerretDB), so they run alone after the rest.
step jest npx jest "${jest_args[@]}" --maxWorkers=2 --outputFile="$results" "$@" \
  --testPathIgnorePatterns '/node_modules/' '/dist/' '\.serial\.test\.ts$'
result_files=("$results")
if (($# == 0)); then
  step jest-serial npx jest "${jest_args[@]}" --runInBand --outputFile="$serial_results" --testPathPatterns '\.serial\.test\.ts$'
  result_files+=("$serial_results")
fi

((${#failed_steps[@]} == 0)) || echo "test.sh: failed steps: ${failed_steps[*]}" >&2
if summary=$(node scripts/count-results.js "${result_files[@]}"); then
  echo "$summary"
else
  echo "test.sh: jest wrote no results; counted as one failure" >&2
  echo "0 passed, 1 failed"
  status=1
fi
exit "$status"
