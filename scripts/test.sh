#!/bin/sh
# `npm test`: the static checks, the examples of the docs (Deno), then the whole suite on Deno
# and on Bun. Each step runs even when an earlier one failed, so that one run shows every
# failure; the exit code is non-zero when any step failed, and the last line names the steps
# that did.
failed=""
npm run --silent check || failed="$failed check"
npm run --silent test:doc || failed="$failed doc"
npm run --silent test:deno || failed="$failed deno"
npm run --silent test:bun || failed="$failed bun"
if [ -n "$failed" ]; then
  echo "npm test: failed:$failed" >&2
  exit 1
fi
echo "npm test: check, doc examples, deno and bun all passed"
