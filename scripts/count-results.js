#!/usr/bin/env node
// Prints jest's outcome as one line, `N passed, N failed[, N skipped]`, from the file written by
// `jest --json --outputFile=…`. A suite that crashes before its tests run counts as a failure so it
// cannot hide behind a green total.
'use strict';

const fs = require('node:fs');

const file = process.argv[2];
if (!file) {
  console.error('usage: count-results.js <jest-json-file>');
  process.exit(2);
}
const results = JSON.parse(fs.readFileSync(file, 'utf8'));
const passed = results.numPassedTests;
const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
const skipped = results.numPendingTests + results.numTodoTests;
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
