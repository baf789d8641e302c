#!/usr/bin/env node
// tsc compiles TypeScript only; the console's static files travel beside the compiled code.
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
for (const dir of ['collector/src/console/assets']) {
  const target = dir.replace('/src/', '/dist/');
  rmSync(path.join(root, target), { recursive: true, force: true });
  cpSync(path.join(root, dir), path.join(root, target), { recursive: true });
}
