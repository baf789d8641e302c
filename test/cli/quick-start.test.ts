import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BINS, runBin } from '../support/bin.js';
import { freePort, spawnProcess, type Spawned } from './spawned.js';

/**
 * The README's quick start, command by command, on the machine the test runs on: the real
 * collector binary on a fresh data dir, the keys from first-start-keys.txt, this machine's
 * identifiers from `devtrust-agent doctor`, devtrustctl to create, upload and activate a CSV
 * integration, and `devtrust-agent --once` to see the device trusted. On a Linux VM without a
 * DMI table the only identifier is the MAC address, which needs `--platforms linux` and
 * `matchMacAddresses`: a quick start that cannot trust the machine it runs on fails here.
 */

const COLUMNS = { hardwareUuid: 'hardware_uuid', serialNumber: 'serial_number', machineGuid: 'machine_guid' } as const;

interface Doctor {
  platform: string;
  rows: { field: string; agent: string | string[] | null }[];
  matchOn: { kind: string; value: string } | null;
  fallbacks: { kind: string; value: string }[];
}

describe('the README quick start trusts the machine it runs on (spawned collector, devtrustctl, agent)', () => {
  const dirs: string[] = [];
  const tmp = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-quick-start-'));
    dirs.push(dir);
    return dir;
  };
  let collector: Spawned;
  let url: string;
  let ownerKey: string;
  let enrollmentKeyFile: string;
  let doctor: Doctor;
  let identityArgs: string[] = [];

  beforeAll(async () => {
    const dataDir = tmp();
    const port = await freePort();
    collector = spawnProcess(process.execPath, [BINS['devtrust-collector']], {
      env: { DEVTRUST_DATA_DIR: dataDir, DEVTRUST_PORT: String(port), DEVTRUST_LOG_LEVEL: 'warn' },
    });
    await collector.waitForOutput(/DevTrust collector listening on /, 'the collector to start');
    url = `http://127.0.0.1:${port}`;
    const keys = readFileSync(path.join(dataDir, 'first-start-keys.txt'), 'utf8');
    ownerKey = /^ {2}(dtk_\S+)$/m.exec(keys)?.[1] as string;
    // (umask 077; grep -o 'dte_[^ ]*' data/first-start-keys.txt > ~/enrollment.key)
    enrollmentKeyFile = path.join(tmp(), 'enrollment.key');
    writeFileSync(enrollmentKeyFile, `${/dte_\S+/.exec(keys)?.[0]}\n`, { mode: 0o600 });
    assert.ok(ownerKey, keys);

    const checked = await runBin('devtrust-agent', ['doctor', '--json']);
    assert.equal(checked.code, 0, checked.stderr);
    doctor = JSON.parse(checked.stdout) as Doctor;
    if (!doctor.matchOn) {
      // A machine with no usable identifier at all: the quick start's --identity route.
      const file = path.join(tmp(), 'identity.json');
      writeFileSync(file, JSON.stringify({ platform: doctor.platform, serialNumber: 'QUICKSTART-0001', hostname: 'quick-start' }));
      identityArgs = ['--identity', file];
      doctor = { ...doctor, matchOn: { kind: 'serialNumber', value: 'QUICKSTART0001' }, fallbacks: [] };
    }
  });
  afterAll(async () => {
    await collector?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const ctl = (...args: string[]) => runBin('devtrustctl', args, { env: { DEVTRUST_URL: url, DEVTRUST_API_KEY: ownerKey } });
  // One machine, one agent: every run keeps its device key in the same data dir (a new data dir
  // each time would be a new endpoint claiming this machine's MAC, which waits for approval).
  let agentDir: string | undefined;
  const once = () =>
    runBin('devtrust-agent', [
      '--collector',
      url,
      '--enrollment-key-file',
      enrollmentKeyFile,
      '--once',
      '--data-dir',
      (agentDir ??= tmp()),
      ...identityArgs,
    ]);

  /** laptops.csv with this machine's identifiers, as the README has the admin write it from doctor's output. */
  function laptopsCsv(): string {
    const found = [doctor.matchOn, ...doctor.fallbacks].filter((c): c is { kind: string; value: string } => c !== null);
    const macs = found.filter((c) => c.kind === 'macAddress').map((c) => c.value);
    const cells: Record<string, string> = { mac_addresses: macs.join(';') };
    for (const c of found) if (c.kind in COLUMNS) cells[COLUMNS[c.kind as keyof typeof COLUMNS]] = c.value;
    const hostname = doctor.rows.find((r) => r.field === 'hostname')?.agent;
    const header = ['serial_number', 'hardware_uuid', 'machine_guid', 'mac_addresses', 'device_name', 'platform'];
    const row = [
      ...header.slice(0, 4).map((h) => cells[h] ?? ''),
      typeof hostname === 'string' ? hostname : 'this-machine',
      doctor.platform,
    ];
    const file = path.join(tmp(), 'laptops.csv');
    writeFileSync(file, `${header.join(',')}\n${row.join(',')}\n`);
    return file;
  }

  /** Only a MAC address: the integration must be told to match on MACs (README). */
  const macOnly = (): boolean => doctor.matchOn?.kind === 'macAddress';

  it('health, create (this platform, MAC matching where only a MAC identifies it), upload, activate, then agent --once: trusted', async () => {
    const health = await ctl('health');
    assert.equal(health.code, 0, health.stderr);
    assert.match(health.stdout, /^ok: true$/m);

    const create = [
      'integration',
      'create',
      '--kind',
      'csv',
      '--name',
      'Corporate laptops',
      '--platforms',
      doctor.platform,
      ...(macOnly() ? ['--config', '{"matchMacAddresses":true}'] : []),
    ];
    const created = await ctl(...create);
    assert.equal(created.code, 0, created.stderr);
    const id = /^id: (int_\S+)$/m.exec(created.stdout)?.[1] as string;
    assert.ok(id, created.stdout);

    const uploaded = await ctl('integration', 'upload', id, laptopsCsv());
    assert.equal(uploaded.code, 0, uploaded.stderr);
    assert.match(uploaded.stdout, /^devices: 1$/m);
    assert.match(uploaded.stdout, /^warnings: -$/m);
    const activated = await ctl('integration', 'activate', id, '--mode', 'all-users');
    assert.equal(activated.code, 0, activated.stderr);

    const r = await once();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^trusted: this device meets the collector's policy \(access allow\)$/m);

    const endpoints = await ctl('endpoints');
    assert.match(endpoints.stdout, new RegExp(`\\s${doctor.platform}\\s+true\\s`));
    await ctl('integration', 'delete', id, '--yes');
  });

  it('the quick start as it was (windows,macos, no MAC matching) does not trust a Linux box; integration update fixes it', async (ctx) => {
    if (doctor.platform !== 'linux') ctx.skip();
    const created = await ctl('integration', 'create', '--kind', 'csv', '--name', 'Laptops', '--platforms', 'windows,macos');
    const id = /^id: (int_\S+)$/m.exec(created.stdout)?.[1] as string;
    assert.ok(id, created.stdout + created.stderr);
    const uploaded = await ctl('integration', 'upload', id, laptopsCsv());
    assert.equal(uploaded.code, 0, uploaded.stderr);
    // The row is for linux: stored, but the upload says it can never match here.
    assert.match(uploaded.stderr, /^devtrustctl: warning: 1 row is for linux, which this integration does not cover/m);
    await ctl('integration', 'activate', id, '--mode', 'all-users');
    const before = await once();
    assert.equal(before.code, 0, before.stderr);
    assert.match(before.stdout, /^not trusted under the collector's policy/m);
    assert.match(before.stdout, /does not cover linux/);

    const updated = await ctl(
      'integration',
      'update',
      id,
      '--platforms',
      'linux',
      ...(macOnly() ? ['--config', '{"matchMacAddresses":true}'] : []),
    );
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /^platforms: linux$/m);
    const after = await once();
    assert.equal(after.code, 0, after.stderr);
    assert.match(after.stdout, /^trusted: this device meets the collector's policy \(access allow\)$/m);
  });
});
