#!/usr/bin/env node
// npm run demo: a collector, this machine's headless agent, a CSV inventory holding this
// machine and a protected application; prints the verdict and its reasons, then does the
// same for a device that is not in the inventory. Everything runs on loopback in a
// temporary directory that is removed at the end.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { loadConfig } = await import(path.join(root, 'collector/dist/config/config.js'));
const { startCollector } = await import(path.join(root, 'collector/dist/server.js'));
const { collectDevice } = await import(path.join(root, 'agent/dist/collect/index.js'));

const work = mkdtempSync(path.join(tmpdir(), 'devtrust-demo-'));
const ownerKey = `dtk_${randomBytes(24).toString('base64url')}`;
const enrollmentKey = `dte_${randomBytes(18).toString('base64url')}`;
const children = [];
let collector;

const step = (text) => process.stdout.write(`\n▸ ${text}\n`);
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function admin(method, p, body, contentType = 'application/json') {
  const response = await fetch(`${collector.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${ownerKey}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${p}: ${JSON.stringify(json)}`);
  return json;
}

function startAgent(name, extra) {
  const args = [
    path.join(root, 'agent/bin/devtrust-agent.js'),
    '--collector',
    collector.url,
    '--data-dir',
    path.join(work, name),
    ...extra,
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    // The key goes in the environment: a --enrollment-key flag would show in `ps`.
    env: { ...process.env, DEVTRUST_AGENT_LOG_LEVEL: 'warn', DEVTRUST_AGENT_ENROLLMENT_KEY: enrollmentKey },
  });
  child.stderr.on('data', (d) => process.stderr.write(`  [${name}] ${d}`));
  children.push(child);
  return child;
}

async function waitFor(what, check, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => null);
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What the prompt page does: open a transaction, ask the local agent to attest, wait for the verdict. */
async function signIn(app, username, agentPort) {
  const basic = `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`;
  const tx = await (
    await fetch(`${collector.url}/api/v1/transactions`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify({ username }),
    })
  ).json();
  const door = await fetch(`http://127.0.0.1:${agentPort}/v1/attest`, {
    method: 'POST',
    headers: { origin: new URL(collector.url).origin, 'content-type': 'application/json' },
    body: JSON.stringify({ transactionId: tx.id }),
  });
  if (!door.ok) throw new Error(`the agent refused to attest: ${await door.text()}`);
  return waitFor('the verdict', async () => {
    const result = await (await fetch(`${collector.url}/api/v1/transactions/${tx.id}`, { headers: { authorization: basic } })).json();
    return result.state === 'decided' ? result : null;
  });
}

function show(label, result) {
  const mark = result.access === 'allow' ? '✔' : '✘';
  process.stdout.write(`\n  ${mark} ${label}: verdict ${result.verdict.toUpperCase()}, access ${result.access.toUpperCase()}\n`);
  for (const reason of result.reasons) process.stdout.write(`      - ${reason}\n`);
}

async function main() {
  step('Starting a collector (SQLite in a temporary directory)');
  const config = loadConfig({
    DEVTRUST_HOST: '127.0.0.1',
    DEVTRUST_PORT: String(await freePort()),
    DEVTRUST_DATA_DIR: path.join(work, 'collector'),
    DEVTRUST_BOOTSTRAP_TOKEN: ownerKey,
    DEVTRUST_ENROLLMENT_KEY: enrollmentKey,
    DEVTRUST_LOG_LEVEL: 'warn',
  });
  collector = await startCollector(config);
  process.stdout.write(`  collector at ${collector.url}\n`);

  step("Collecting this machine's identifiers");
  const { identity, probeErrors } = await collectDevice();
  for (const key of ['platform', 'hostname', 'hardwareUuid', 'serialNumber', 'machineGuid'])
    if (identity[key]) process.stdout.write(`  ${key.padEnd(13)} ${identity[key]}\n`);
  process.stdout.write(`  macAddresses  ${(identity.macAddresses ?? []).join(', ') || '-'}\n`);
  for (const [probe, why] of Object.entries(probeErrors ?? {})) process.stdout.write(`  (${probe}: ${why})\n`);

  step('Uploading a CSV inventory that holds this machine, active for all users');
  const csv = [
    'serial_number,hardware_uuid,machine_guid,device_name,platform,mac_addresses',
    [
      identity.serialNumber ?? '',
      identity.hardwareUuid ?? '',
      identity.machineGuid ?? '',
      identity.hostname ?? 'this-machine',
      identity.platform ?? '',
      (identity.macAddresses ?? []).join(' '),
    ]
      .map((v) => `"${String(v).replace(/"/g, '""')}"`)
      .join(','),
  ].join('\n');
  // MAC matching is opt-in per integration; the demo allows it so a machine without a readable serial still matches.
  const integration = await admin('POST', '/admin/v1/integrations', {
    kind: 'csv',
    name: 'Demo inventory',
    platforms: ['windows', 'macos', 'linux'],
    config: { matchMacAddresses: true },
  });
  await admin('PUT', `/admin/v1/integrations/${integration.id}/inventory`, csv, 'text/csv');
  await admin('PUT', `/admin/v1/integrations/${integration.id}/activation`, { mode: 'all-users' });

  step('Creating a protected application with policy require-trusted');
  const app = await admin('POST', '/admin/v1/applications', {
    name: 'Example payroll app',
    redirectUris: ['http://127.0.0.1:9/callback'],
    policy: { trustedEndpoints: 'require-trusted' },
    // The demo shows every reason; applications see a short one by default (reasonDetail "summary").
    reasonDetail: 'full',
  });

  step('Starting the headless agent on this machine (devtrust-agent)');
  const port = await freePort();
  startAgent('this-machine', ['--loopback-port', String(port)]);
  await waitFor('the agent to enroll and report', async () =>
    (await admin('GET', '/admin/v1/endpoints')).endpoints.find((e) => e.identity),
  );
  show(`alice signs in from ${identity.hostname}`, await signIn(app, 'alice@example.com', port));

  step('A device that is not in the inventory (simulated with --identity)');
  const strangerFile = path.join(work, 'stranger.json');
  writeFileSync(
    strangerFile,
    JSON.stringify({
      platform: 'windows',
      hostname: 'UNKNOWN-PC',
      serialNumber: 'NOTINVENTORY01',
      hardwareUuid: '6B29FC40-CA47-1067-B31D-00DD010662DA',
      machineGuid: '{8f1b6f2e-93a4-4a5b-9bb2-0c7d7e1f2a3b}',
      macAddresses: ['02:00:4c:4f:4f:50'],
    }),
  );
  const strangerPort = await freePort();
  startAgent('stranger', ['--loopback-port', String(strangerPort), '--identity', strangerFile]);
  await waitFor('the second agent', async () => (await admin('GET', '/admin/v1/endpoints?q=UNKNOWN-PC')).endpoints.find((e) => e.identity));
  show('bob signs in from UNKNOWN-PC', await signIn(app, 'bob@example.com', strangerPort));
  // The demo's collector and its auth log are deleted when it ends: point at the reader's own.
  process.stdout.write(
    '\nDone. This throwaway collector is removed now, its auth log with it. On your own collector (npm start),\n' +
      "every verdict is in the auth log: npx devtrustctl log, the console's Auth log page, or GET /admin/v1/auth-log.\n",
  );
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  process.stderr.write(`\ndemo failed: ${error.message}\n`);
  exitCode = 1;
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
  await collector?.close();
  rmSync(work, { recursive: true, force: true });
}
process.exit(exitCode);
