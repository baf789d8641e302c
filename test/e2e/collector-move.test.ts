import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { pino } from 'pino';
import { Agent } from '@devtrust/agent/core/agent';
import type { AgentConfig } from '@devtrust/agent/config/config';
import type { LinkError, LinkStatus } from '@devtrust/agent/link/agent-link';
import { csvInventory } from '../support/app.js';
import { ENROLLMENT_KEY, startTestCollector, type TestCollector } from '../support/collector.js';

const SERIAL = 'MOVE-SERIAL-1';

/** One run of a real agent core on `dataDir`, its log lines kept for the assertions. */
interface Run {
  agent: Agent;
  logs: Array<{ level: number; msg: string; [field: string]: unknown }>;
  stop(): Promise<void>;
}

function runAgent(dataDir: string, collectorUrl: string, options: { previous?: string[]; enrollmentKey?: string | null } = {}): Run {
  const logs: Run['logs'] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logs.push(JSON.parse(line) as Run['logs'][number]);
      done();
    },
  });
  const config: AgentConfig = {
    collectorUrl,
    previousCollectorUrls: options.previous ?? [],
    enrollmentKey: options.enrollmentKey === undefined ? ENROLLMENT_KEY : options.enrollmentKey,
    dataDir,
    loopbackPort: 0,
    identityFile: null,
    once: false,
    logLevel: 'info',
    managedKeys: [],
    managed: {},
  };
  const agent = new Agent(config, {
    log: pino({ level: 'info' }, sink),
    collect: async () => ({ identity: { platform: 'linux', serialNumber: SERIAL, hostname: 'mover' }, posture: {}, probeErrors: {} }),
    loopback: false,
  });
  return { agent, logs, stop: () => agent.stop() };
}

/** Starts the run and waits for its session and its first acknowledged report. */
async function connected(run: Run): Promise<Run> {
  await run.agent.start();
  await run.agent.link.waitConnected(10_000);
  while (run.agent.status().lastReport === null) await new Promise((resolve) => run.agent.once('status', resolve));
  return run;
}

/** Starts the run and waits for the link's terminal refusal (the agent stops retrying). */
async function refused(run: Run): Promise<LinkError> {
  const fatal = new Promise<LinkError>((resolve) => run.agent.link.once('fatal', resolve));
  await run.agent.start();
  return fatal;
}

const messages = (run: Run, pattern: RegExp): string[] => run.logs.map((line) => line.msg).filter((msg) => pattern.test(msg));
const endpointIds = async (c: TestCollector): Promise<string[]> =>
  ((await c.admin('GET', '/admin/v1/endpoints')).body.endpoints as Array<{ id: string }>).map((e) => e.id).sort();
const storedState = (dataDir: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(dataDir, 'state.json'), 'utf8')) as Record<string, unknown>;
const deviceKey = (dataDir: string): string => readFileSync(path.join(dataDir, 'device-key.pem'), 'utf8');

describe('moving agents to a new URL of their collector (previousCollectorUrls)', () => {
  let c: TestCollector;
  let dataDir: string;
  let urlA: string;
  let urlB: string;
  let firstId: string;

  beforeEach(async () => {
    c = await startTestCollector();
    await csvInventory(c, `serial_number,device_name\n${SERIAL},mover\n`);
    const port = new URL(c.url).port;
    // Two URLs of one collector, as a proxy or a renamed host gives: another origin, same server.
    urlA = `http://127.0.0.1:${port}`;
    urlB = `http://localhost:${port}`;
    dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-move-agent-'));
    const first = await connected(runAgent(dataDir, urlA));
    firstId = first.agent.status().endpointId as string;
    assert.equal((await first.agent.link.check()).verdict, 'trusted');
    await first.stop();
  });

  afterEach(async () => {
    await c.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('with the old URL listed, keeps its endpoint, device key and trust under the new URL, without the enrollment key', async () => {
    const key = deviceKey(dataDir);
    const moved = await connected(runAgent(dataDir, urlB, { previous: [urlA], enrollmentKey: null }));
    try {
      assert.equal(moved.agent.status().endpointId, firstId);
      assert.deepEqual(await endpointIds(c), [firstId]);
      assert.equal((await moved.agent.link.check()).verdict, 'trusted');
      assert.deepEqual(messages(moved, /moved enrollment/), [`moved enrollment from ${urlA} to ${urlB}`]);
      assert.deepEqual(messages(moved, /enroll/), [`moved enrollment from ${urlA} to ${urlB}`]);
      assert.equal(deviceKey(dataDir), key);
      const state = storedState(dataDir);
      assert.equal(state.collectorUrl, urlB);
      assert.equal(state.endpointId, firstId);
      assert.equal((state.movedFrom as { collectorUrl: string }).collectorUrl, urlA);
      assert.equal(moved.agent.status().enrollmentMovedFrom?.collectorUrl, urlA);
      // The sequence carried over: the collector took the moved agent's reports as the next ones.
      assert.ok((state.lastSeq as number) >= 2);
    } finally {
      await moved.stop();
    }
    // The move is made once: the next start finds the new URL and says nothing of it.
    const again = await connected(runAgent(dataDir, urlB, { previous: [urlA], enrollmentKey: null }));
    try {
      assert.equal(again.agent.status().endpointId, firstId);
      assert.deepEqual(messages(again, /moved enrollment/), []);
    } finally {
      await again.stop();
    }
  });

  it('without it, enrolls again with a new key, which awaits approval, and says which setting would have kept it', async () => {
    const key = deviceKey(dataDir);
    const other = await connected(runAgent(dataDir, urlB));
    try {
      const secondId = other.agent.status().endpointId as string;
      assert.notEqual(secondId, firstId);
      assert.deepEqual(await endpointIds(c), [firstId, secondId].sort());
      assert.notEqual(deviceKey(dataDir), key);
      const standing = await other.agent.link.check();
      assert.equal(standing.verdict, 'untrusted');
      assert.match(standing.reasons.join('\n'), /waits for your IT team: .* ask them to release the old endpoint/);
      assert.equal(messages(other, /list the old URL in previousCollectorUrls/).length, 1);
      assert.deepEqual(messages(other, /moved enrollment/), []);
    } finally {
      await other.stop();
    }
  });

  it('a move rolled back (the old settings pushed again, without a list) moves back, keeping the endpoint and its trust', async () => {
    const moved = await connected(runAgent(dataDir, urlB, { previous: [urlA], enrollmentKey: null }));
    await moved.stop();
    // The admin reverts the profile: the old collectorUrl, no previousCollectorUrls.
    const back = await connected(runAgent(dataDir, urlA));
    try {
      assert.equal(back.agent.status().endpointId, firstId);
      assert.deepEqual(await endpointIds(c), [firstId]);
      assert.equal((await back.agent.link.check()).verdict, 'trusted');
      assert.deepEqual(messages(back, /enroll/), [`moved enrollment from ${urlB} to ${urlA}`]);
      assert.equal((storedState(dataDir).movedFrom as { collectorUrl: string }).collectorUrl, urlB);
    } finally {
      await back.stop();
    }
  });

  it('counts the same origin spelt another way as the same collector (scheme and host case)', async () => {
    const port = new URL(c.url).port;
    const spelt = await connected(runAgent(dataDir, `HTTP://127.0.0.1:${port}`));
    await spelt.stop();
    const upper = await connected(runAgent(dataDir, `http://LocalHost:${port}`, { previous: [urlA], enrollmentKey: null }));
    await upper.stop();
    // Moved once (A → LocalHost); `http://localhost` is the same origin as `http://LocalHost`: kept, not moved again.
    const lower = await connected(runAgent(dataDir, urlB, { enrollmentKey: null }));
    try {
      assert.equal(lower.agent.status().endpointId, firstId);
      assert.deepEqual(await endpointIds(c), [firstId]);
      assert.deepEqual(messages(spelt, /enroll/), []);
      assert.deepEqual(messages(lower, /enroll/), []);
    } finally {
      await lower.stop();
    }
  });

  it('`--once` towards a collector that does not know the endpoint enrolls there in the same run, instead of saying it cannot reach it', async () => {
    // The admin forgot the endpoint (a move to another collector takes the same path).
    assert.equal((await c.admin('DELETE', `/admin/v1/endpoints/${firstId}`)).status, 200);
    const once = runAgent(dataDir, urlA);
    const result = await once.agent.runOnce(10_000);
    assert.ok('standing' in result, JSON.stringify(result));
    assert.equal(result.standing.verdict, 'trusted');
    const ids = await endpointIds(c);
    assert.equal(ids.length, 1);
    assert.notEqual(ids[0], firstId);
    assert.equal(storedState(dataDir).endpointId, ids[0]);
    assert.deepEqual(messages(once, /cannot reach/), []);
    assert.equal(messages(once, /no longer knows this endpoint/).length, 1);
  });
});

describe('a move declared towards another collector (another database)', () => {
  let a: TestCollector;
  let b: TestCollector;
  let dataDir: string;
  let urlA: string;
  let firstId: string;

  async function setUp(bEnv: Record<string, string>): Promise<void> {
    a = await startTestCollector();
    b = await startTestCollector({ env: bEnv });
    urlA = `http://127.0.0.1:${new URL(a.url).port}`;
    dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-move-other-'));
    const first = await connected(runAgent(dataDir, urlA));
    firstId = first.agent.status().endpointId as string;
    await first.stop();
  }

  afterEach(async () => {
    await a.stop();
    await b.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is refused as an unknown endpoint; with an enrollment key it accepts, the agent enrolls there once and keeps that', async () => {
    await setUp({});
    const urlB = `http://localhost:${new URL(b.url).port}`;
    const run = await connected(runAgent(dataDir, urlB, { previous: [urlA] }));
    let secondId: string;
    try {
      secondId = run.agent.status().endpointId as string;
      assert.notEqual(secondId, firstId);
      // B never learnt the old endpoint: it holds only the new enrollment.
      assert.deepEqual(await endpointIds(b), [secondId]);
      assert.deepEqual(messages(run, /does not know the endpoint moved/), [
        `the collector at ${urlB} does not know the endpoint moved from ${urlA}: it is not the same collector; enrolling with it anew`,
      ]);
      assert.equal(messages(run, /^enrolled$/).length, 1);
      const state = storedState(dataDir);
      assert.equal(state.collectorUrl, urlB);
      assert.equal(state.endpointId, secondId);
      assert.equal(state.movedFrom, undefined);
      assert.equal(run.agent.status().enrollmentMovedFrom, null);
    } finally {
      await run.stop();
    }
    // The next start keeps B's enrollment: no second move, no second enrollment.
    const again = await connected(runAgent(dataDir, urlB, { previous: [urlA] }));
    try {
      assert.equal(again.agent.status().endpointId, secondId);
      assert.deepEqual(messages(again, /enroll/), []);
      assert.deepEqual(await endpointIds(a), [firstId]);
    } finally {
      await again.stop();
    }
  });

  it("is refused as an unknown endpoint; another organisation's collector refusing the enrollment key leaves the agent stopped, refused", async () => {
    await setUp({ DEVTRUST_ENROLLMENT_KEY: 'dte_another-organisations-key-0123' });
    const urlB = `http://localhost:${new URL(b.url).port}`;
    const run = runAgent(dataDir, urlB, { previous: [urlA] });
    const statuses: LinkStatus[] = [];
    run.agent.link.on('status', (status: LinkStatus) => statuses.push(status));
    try {
      const error = await refused(run);
      assert.equal(error.code, 'ENROLLMENT_KEY_INVALID');
      assert.equal(run.agent.status().link, 'refused');
      // Two connections, the second at once: the moved identity (unknown there), then one
      // enrollment, refused for good. Never "offline": the collector answered each time.
      assert.deepEqual(statuses, ['connecting', 'refused']);
      assert.deepEqual(messages(run, /cannot reach/), []);
      assert.equal(messages(run, /does not know the endpoint moved/).length, 1);
      assert.deepEqual(await endpointIds(b), []);
      assert.equal(storedState(dataDir).collectorUrl, urlB);
      assert.equal(storedState(dataDir).endpointId, null);
    } finally {
      await run.stop();
    }
    // Restarted (a service manager, the next login): one enrollment attempt, refused again; the move is not retried.
    const again = runAgent(dataDir, urlB, { previous: [urlA] });
    try {
      assert.equal((await refused(again)).code, 'ENROLLMENT_KEY_INVALID');
      assert.deepEqual(messages(again, /moved/), []);
      assert.equal(messages(again, /not enrolled: enrolling/).length, 1);
      assert.deepEqual(await endpointIds(a), [firstId]);
    } finally {
      await again.stop();
    }
  });
});
