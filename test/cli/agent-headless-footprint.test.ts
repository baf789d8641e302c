import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BINS, ROOT } from '../support/bin.js';
import { ENROLLMENT_KEY, startTestCollector, type TestCollector } from '../support/collector.js';

/**
 * What the shipped headless agent holds while it keeps its session (agent.idle_rss_mb,
 * docs/performance.md): the subcommands, the certificate maker and the schema library are
 * loaded only when used, V8's young generation keeps its initial size and its optimising
 * compilers stay off. Checked on a real
 * agent that enrolled and reported to a real collector, not by a memory figure.
 */

/** Loaded by a subcommand, an option or the tray, never by the agent that keeps its session. */
const NOT_LOADED: [string, RegExp][] = [
  ['zod (the collector-side schemas)', /\/node_modules\/zod\//],
  ['@peculiar/x509 (only to make a loopback certificate)', /\/node_modules\/@peculiar\//],
  ['systeminformation (doctor)', /\/node_modules\/systeminformation\//],
  ['node-machine-id (doctor)', /\/node_modules\/node-machine-id\//],
  ['the doctor subcommand', /\/agent\/dist\/doctor\//],
  ['the loopback-cert subcommand', /\/agent\/dist\/loopback\/tls-command\.js$/],
  ['the certificate maker', /\/agent\/dist\/loopback\/make-cert\.js$/],
  ['the --identity FILE check', /\/agent\/dist\/core\/identity-file\.js$/],
  ['the protocol and identity barrels (they load zod)', /\/shared\/dist\/(protocol|identity)\.js$/],
  ['the tray app', /\/agent\/dist\/(main|renderer|preload)\//],
];

const RECORD = path.join(ROOT, 'test/support/record-modules.mjs');

describe('the headless agent keeping its session', () => {
  let c: TestCollector;
  let record: { modules: string[]; youngGeneration: { atStart: number; atExit: number }; optimises: boolean };
  const dirs: string[] = [];
  const tmp = (prefix: string): string => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    c = await startTestCollector();
    const out = path.join(tmp('devtrust-footprint-'), 'record.json');
    const child = spawn(
      process.execPath,
      [
        '--import',
        RECORD,
        BINS['devtrust-agent'],
        '--collector',
        c.url,
        '--enrollment-key',
        ENROLLMENT_KEY,
        '--data-dir',
        tmp('devtrust-footprint-data-'),
        '--loopback-port',
        '0',
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEVTRUST_RECORD_MODULES: out } },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // Collected, enrolled and reported: everything an idle agent has done is behind it.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const list = await c.admin('GET', '/admin/v1/endpoints');
        const endpoints = (list.body as { endpoints: { agentVersion: string | null }[] }).endpoints;
        if (endpoints.some((endpoint) => endpoint.agentVersion !== null)) break;
        if (child.exitCode !== null) throw new Error(`the agent exited with ${child.exitCode}: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`no report from the agent: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    record = JSON.parse(readFileSync(out, 'utf8')) as typeof record;
  });
  afterAll(async () => {
    await c?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('loaded the session, the collectors and ws (the record sees what the agent loads)', () => {
    for (const wanted of [/\/agent\/dist\/link\/agent-link\.js$/, /\/agent\/dist\/collect\/index\.js$/, /\/node_modules\/ws\//])
      assert.ok(
        record.modules.some((url) => wanted.test(url)),
        `${wanted} not among ${record.modules.length} modules`,
      );
  });

  for (const [what, pattern] of NOT_LOADED) {
    it(`did not load ${what}`, () => {
      assert.deepEqual(
        record.modules.filter((url) => pattern.test(url)),
        [],
      );
    });
  }

  it("kept V8's young generation at its initial size (agent/bin sets the growth factor)", () => {
    assert.ok(record.youngGeneration.atStart > 0);
    // At start only one of its two halves is committed; the second comes with the first
    // collection. Without the growth factor it grew eightfold and more during start-up.
    assert.ok(
      record.youngGeneration.atExit <= 2 * record.youngGeneration.atStart,
      `young generation ${record.youngGeneration.atStart} bytes at start, ${record.youngGeneration.atExit} at exit`,
    );
  });

  it("runs without V8's optimising compilers (agent/bin caps the tiers at baseline code)", () => {
    // The same probe in plain Node optimises on request: the record can tell the difference.
    const out = path.join(tmp('devtrust-footprint-plain-'), 'record.json');
    const plain = spawnSync(process.execPath, ['--import', RECORD, '-e', ''], { env: { ...process.env, DEVTRUST_RECORD_MODULES: out } });
    assert.equal(plain.status, 0, plain.stderr.toString('utf8'));
    assert.equal((JSON.parse(readFileSync(out, 'utf8')) as typeof record).optimises, true, 'plain Node optimises on request');
    assert.equal(record.optimises, false, 'the agent optimised a function: --max-opt=1 in agent/bin/devtrust-agent.js did not hold');
  });
});
