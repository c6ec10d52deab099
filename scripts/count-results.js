#!/usr/bin/env node
// Prints jest's outcome as one line, `N passed, N failed[, N skipped]`, summed over the files written by
// `jest --json --outputFile=…`. A suite that crashes before its tests run counts as a failure so it
// cannot hide behind a green total; a missing or empty results file makes this exit non-zero.
'use strict';

const fs = require('node:fs');

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: count-results.js <jest-json-file>…\n');
  process.exit(2);
}
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of files) {
  if (!fs.existsSync(file) || fs.statSync(file).size === 0) {
    process.stderr.write(`count-results: no jest results in ${file}\n`);
    process.exit(1);
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  skipped += r.numPendingTests + r.numTodoTests;
}
// CI reads only the last line, which must be exactly `N passed, N failed`; skips get a line of their own.
if (skipped > 0) process.stdout.write(`${skipped} skipped (each suite lists its skips above)\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
