#!/usr/bin/env node
// Runs the test suite with Node's test runner on the TypeScript sources (through tsx,
// resolving @devtrust/* packages to their src/ via the "devtrust-src" condition).
// Usage: node scripts/test.mjs [file-or-folder ...]   (default: every *.test.ts)
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['shared/test', 'collector/test', 'agent/test', 'installers/test', 'test'];

function collect(entry, out) {
  const full = path.resolve(root, entry);
  let stat;
  try {
    stat = statSync(full);
  } catch {
    return;
  }
  if (stat.isFile()) {
    out.push(full);
    return;
  }
  for (const name of readdirSync(full)) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    const child = path.join(full, name);
    if (statSync(child).isDirectory()) collect(child, out);
    else if (name.endsWith('.test.ts')) out.push(child);
  }
}

const files = [];
for (const entry of roots) collect(entry, files);
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--conditions=devtrust-src', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files.sort()],
  { stdio: 'inherit', cwd: root, env: { ...process.env, DEVTRUST_LOG_LEVEL: process.env.DEVTRUST_LOG_LEVEL ?? 'silent' } },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
