#!/usr/bin/env node
// tsc compiles the renderer's TypeScript; its HTML and CSS are copied beside it here,
// so dist/renderer/ is the complete status window the packaged app loads.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const agent = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const from = path.join(agent, 'src', 'renderer');
const to = path.join(agent, 'dist', 'renderer');
mkdirSync(to, { recursive: true });
for (const name of readdirSync(from)) {
  if (name.endsWith('.html') || name.endsWith('.css')) copyFileSync(path.join(from, name), path.join(to, name));
}
