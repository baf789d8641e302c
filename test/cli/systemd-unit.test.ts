import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CONFIG_VARIABLES } from '@devtrust/collector/config/config';
import { ROOT } from '../support/bin.js';
import { itUnless } from '../support/skip.js';
import { freePort, spawnProcess } from './spawned.js';

const DEPLOY = path.join(ROOT, 'collector/deploy');
const UNIT = readFileSync(path.join(DEPLOY, 'devtrust-collector.service'), 'utf8');
const ENV_EXAMPLE = readFileSync(path.join(DEPLOY, 'collector.env.example'), 'utf8');
/** Where the unit expects the clone and Node; the test puts this checkout and this Node there. */
const INSTALL_DIR = '/opt/devtrust';
const NODE = '/usr/bin/node';

const SYSTEMD_ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find(existsSync);

/** The value of `key=` in the unit (the last one, as systemd reads it). */
function directive(key: string): string | undefined {
  return [...UNIT.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].at(-1)?.[1]?.trim();
}

/** KEY=VALUE lines of an EnvironmentFile; `commented` also takes `#KEY=` lines (settings offered but off). */
function envLines(text: string, commented = false): [string, string][] {
  const pattern = commented ? /^#?([A-Z][A-Z0-9_]*)=(.*)$/gm : /^([A-Z][A-Z0-9_]*)=(.*)$/gm;
  return [...text.matchAll(pattern)].map((m) => [m[1] as string, (m[2] as string).trim()]);
}

/**
 * The collector started as the unit starts it: its ExecStart (this checkout and this Node where
 * the unit expects the install), its working directory, the settings file's values and nothing
 * inherited, with `overrides` for what cannot be the same here.
 */
function startAsUnit(overrides: Record<string, string>): { collector: ReturnType<typeof spawnProcess>; env: Record<string, string> } {
  const env = { ...Object.fromEntries(envLines(ENV_EXAMPLE)), PATH: process.env.PATH ?? '/usr/bin:/bin', ...overrides };
  const [program, ...args] = (directive('ExecStart') as string).replaceAll(NODE, process.execPath).replaceAll(INSTALL_DIR, ROOT).split(' ');
  return { collector: spawnProcess(program as string, args, { env, cwd: ROOT, inheritEnv: false }), env };
}

/**
 * The systemd unit and settings file an admin installs from collector/deploy/: systemd accepts
 * the unit, the settings are the collector's own, and the collector starts from them the way
 * the unit starts it (its ExecStart, its working directory, no inherited environment), serves,
 * and stops cleanly on the unit's KillSignal.
 */
describe('collector/deploy: the systemd unit and its settings file', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-systemd-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  itUnless(SYSTEMD_ANALYZE ? false : 'systemd-analyze is not installed')('systemd-analyze verify accepts the unit', () => {
    // This checkout and this Node where the unit expects the install (verify checks ExecStart's program exists).
    const unit = UNIT.replaceAll(NODE, process.execPath).replaceAll(INSTALL_DIR, ROOT);
    const file = path.join(dataDir, 'devtrust-collector.service');
    writeFileSync(file, unit);
    // verify exits 1 on errors, but only warns (on stderr, exit 0) of an unknown key or a bad value: take both.
    const run = spawnSync(SYSTEMD_ANALYZE as string, ['verify', file], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(`${run.stdout}${run.stderr}`.trim(), '');
  });

  it('raises the open-file limit past what 50,000 agents need, and does not restart on bad configuration', () => {
    // README "What a production host needs": one descriptor per agent plus about 256.
    assert.ok(Number(directive('LimitNOFILE')) >= 50_000 + 256, `LimitNOFILE=${directive('LimitNOFILE')}`);
    assert.equal(directive('ExecStart'), `${NODE} ${INSTALL_DIR}/collector/bin/devtrust-collector.js`);
    assert.equal(directive('WorkingDirectory'), INSTALL_DIR);
    // The state directory is the data directory the settings name.
    assert.equal(`/var/lib/${directive('StateDirectory')}`, new Map(envLines(ENV_EXAMPLE)).get('DEVTRUST_DATA_DIR'));
    assert.equal(directive('RestartPreventExitStatus'), '2');
  });

  it('names only settings the collector reads', () => {
    const unknown = envLines(ENV_EXAMPLE, true)
      .map(([key]) => key)
      .filter((key) => !(key in CONFIG_VARIABLES));
    assert.deepEqual(unknown, []);
  });

  it('the collector starts from the settings file as the unit runs it, serves, and stops on SIGTERM with 0', async () => {
    const port = await freePort();
    // Only what cannot be the same here: the state directory and a free port.
    const { collector, env } = startAsUnit({ DEVTRUST_DATA_DIR: dataDir, DEVTRUST_PORT: String(port) });
    try {
      const base = `http://127.0.0.1:${port}`;
      let ready: Response | null = null;
      for (let i = 0; i < 600 && ready?.status !== 200; i++) {
        ready = await fetch(`${base}/readyz`).catch(() => null);
        if (ready?.status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(ready?.status, 200, collector.stderr());
      // The public URL of the settings file, behind the proxy they describe, is the issuer.
      const discovery = (await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as { issuer: string };
      assert.equal(new URL(discovery.issuer).origin, env.DEVTRUST_PUBLIC_URL);
      // The first-start keys went to the state directory, owner-only.
      assert.ok(existsSync(path.join(dataDir, 'first-start-keys.txt')));
    } finally {
      assert.equal(await collector.stop(directive('KillSignal') as NodeJS.Signals), 0, collector.stderr());
    }
  });

  it('a broken master key exits with the code the unit does not restart on', async () => {
    const broken = mkdtempSync(path.join(tmpdir(), 'devtrust-systemd-key-'));
    try {
      writeFileSync(path.join(broken, 'master.key'), 'not a key');
      const { collector } = startAsUnit({ DEVTRUST_DATA_DIR: broken, DEVTRUST_PORT: '0' });
      assert.equal(await collector.waitForExit(), Number(directive('RestartPreventExitStatus')), collector.stderr());
      assert.match(collector.stderr(), /DEVTRUST_MASTER_KEY/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it('a bad setting exits with the code the unit does not restart on', async () => {
    const { collector } = startAsUnit({ DEVTRUST_DATA_DIR: dataDir, DEVTRUST_PORT: '99999' });
    assert.equal(await collector.waitForExit(), Number(directive('RestartPreventExitStatus')));
    assert.match(collector.stderr(), /DEVTRUST_PORT/);
  });
});
