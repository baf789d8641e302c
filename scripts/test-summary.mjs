#!/usr/bin/env node
// Prints vitest's JSON results as one closing line, "N passed, N failed, N skipped", for CI logs.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-artifacts/vitest.json';
let results;
try {
  results = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.error(`no test results in ${file}: ${error.message}`);
  process.exit(1);
}
const skipped = results.numPendingTests + results.numTodoTests;
console.log(`${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`);
