#!/usr/bin/env node
// npm run openapi: writes docs/openapi.json and docs/api-reference.md from what a collector
// of this build serves at GET /admin/v1/openapi.json (a throwaway collector on loopback, in a
// temporary directory). test/docs/openapi.test.ts fails until they match the running code.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { loadConfig } = await import(path.join(root, 'collector/dist/config/config.js'));
const { startCollector } = await import(path.join(root, 'collector/dist/server.js'));
const { renderApiReference } = await import(path.join(root, 'collector/dist/http/openapi-markdown.js'));

const work = mkdtempSync(path.join(tmpdir(), 'devtrust-openapi-'));
const ownerKey = `dtk_${randomBytes(24).toString('base64url')}`;
const config = loadConfig({
  DEVTRUST_HOST: '127.0.0.1',
  DEVTRUST_PORT: '0',
  DEVTRUST_DATA_DIR: work,
  DEVTRUST_BOOTSTRAP_TOKEN: ownerKey,
  DEVTRUST_LOG_LEVEL: 'silent',
});
const collector = await startCollector(config, { scheduler: false });
try {
  const response = await fetch(`${collector.url}/admin/v1/openapi.json`, { headers: { authorization: `Bearer ${ownerKey}` } });
  if (!response.ok) throw new Error(`GET /admin/v1/openapi.json answered ${response.status}: ${await response.text()}`);
  const document = await response.json();
  const jsonFile = path.join(root, 'docs/openapi.json');
  const options = { ...(await prettier.resolveConfig(jsonFile)), parser: 'json' };
  writeFileSync(jsonFile, await prettier.format(JSON.stringify(document), options));
  writeFileSync(path.join(root, 'docs/api-reference.md'), renderApiReference(document));
  process.stdout.write(`wrote docs/openapi.json and docs/api-reference.md (${Object.keys(document.paths).length} paths)\n`);
} finally {
  await collector.close();
  rmSync(work, { recursive: true, force: true });
}
