import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest';
import { runBin } from '../support/bin.js';
import { ENROLLMENT_KEY, startTestCollector, type TestCollector } from '../support/collector.js';

/**
 * A headless agent enrolled with one collector, run once with `--collector` naming another URL
 * (the same collector spelt `localhost` for `127.0.0.1`, or another collector altogether): the
 * run is refused with exit 2 and the data directory is left as it was, so the agent's own URL
 * still finds its endpoint. `--previous-collector-url` moves it, `--re-enroll` replaces it.
 */

const dirs: string[] = [];
const tmp = (prefix: string): string => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const SERIAL = 'ELSEWHERE-SERIAL-1';

/** The device's files as bytes: a refused run must leave them exactly as they were. */
const files = (dataDir: string): { state: string; key: string } => ({
  state: readFileSync(path.join(dataDir, 'state.json'), 'utf8'),
  key: readFileSync(path.join(dataDir, 'device-key.pem'), 'utf8'),
});
const endpointIds = async (c: TestCollector): Promise<string[]> =>
  ((await c.admin('GET', '/admin/v1/endpoints')).body.endpoints as Array<{ id: string }>).map((e) => e.id).sort();
const reportedAs = (stdout: string): string | undefined => /as endpoint (ep_\S+)/.exec(stdout)?.[1];

describe('devtrust-agent --once --collector naming another URL than the enrollment', () => {
  let a: TestCollector;
  let dataDir: string;
  let identity: string;
  let urlA: string;
  let firstId: string;

  /** `devtrust-agent --once` on this device's data directory; `extra` are the flags under test. */
  const once = (collector: string, ...extra: string[]) => {
    const settings = { '--collector': collector, '--enrollment-key': ENROLLMENT_KEY, '--identity': identity, '--data-dir': dataDir };
    return runBin('devtrust-agent', [...Object.entries(settings).flat(), '--once', ...extra]);
  };

  beforeEach(async () => {
    a = await startTestCollector();
    urlA = `http://127.0.0.1:${new URL(a.url).port}`;
    dataDir = tmp('devtrust-elsewhere-agent-');
    identity = path.join(tmp('devtrust-elsewhere-id-'), 'identity.json');
    writeFileSync(identity, JSON.stringify({ platform: 'linux', serialNumber: SERIAL, hostname: 'elsewhere' }));
    const first = await once(urlA);
    assert.equal(first.code, 0, first.stderr);
    firstId = reportedAs(first.stdout) as string;
    assert.match(firstId, /^ep_/);
  });
  afterEach(async () => {
    await a.stop();
  });

  it('the same collector spelt localhost: refused, nothing changed, and the enrollment kept under both spellings', async () => {
    const before = files(dataDir);
    const urlLocalhost = `http://localhost:${new URL(a.url).port}`;
    const refused = await once(urlLocalhost);
    assert.equal(refused.code, 2, refused.stdout);
    assert.equal(refused.stdout, '');
    const line = refused.stderr.trim();
    assert.equal(line.split('\n').length, 1, line);
    assert.ok(line.includes(`enrolled as ${firstId} with ${urlA}, and --collector names ${urlLocalhost}`), line);
    assert.ok(line.includes(`add --previous-collector-url ${urlA}`), line);
    assert.ok(line.includes('add --re-enroll'), line);
    assert.deepEqual(files(dataDir), before);
    assert.deepEqual(await endpointIds(a), [firstId]);

    // Back to the agent's own URL: the same endpoint, no other one made.
    const back = await once(urlA);
    assert.equal(back.code, 0, back.stderr);
    assert.equal(reportedAs(back.stdout), firstId);
    assert.equal(files(dataDir).key, before.key);

    // The flag the message names: the other spelling keeps the endpoint id.
    const moved = await once(urlLocalhost, '--previous-collector-url', urlA);
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal(reportedAs(moved.stdout), firstId);
    assert.match(moved.stdout, /^trusted|not trusted/m);
    assert.equal(files(dataDir).key, before.key);
    // And back again, by the URL it moved from, still the same endpoint.
    const again = await once(urlA);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(reportedAs(again.stdout), firstId);
    assert.deepEqual(await endpointIds(a), [firstId]);
  });

  describe('another collector (another database)', () => {
    let b: TestCollector;
    beforeAll(async () => {
      b = await startTestCollector();
    });
    afterAll(async () => {
      await b.stop();
    });

    it('is refused without touching the first enrollment; going back reports as the first endpoint', async () => {
      const before = files(dataDir);
      const refused = await once(b.url);
      assert.equal(refused.code, 2, refused.stdout);
      assert.ok(refused.stderr.includes(`enrolled as ${firstId} with ${urlA}, and --collector names ${b.url}`), refused.stderr);
      assert.deepEqual(files(dataDir), before);
      assert.deepEqual(await endpointIds(b), [], 'the other collector saw no enrollment');

      const back = await once(urlA);
      assert.equal(back.code, 0, back.stderr);
      assert.equal(reportedAs(back.stdout), firstId);
      assert.deepEqual(await endpointIds(a), [firstId]);
    });

    it('a re-enrollment that never reaches its collector leaves files that agree: the first URL enrolls again, no BAD_SIGNATURE', async () => {
      // Nothing listens here: the attacker's mistyped --config / DEVTRUST_AGENT_COLLECTOR_URL / --re-enroll run.
      const nowhere = `http://127.0.0.1:${new URL(b.url).port === '1' ? 2 : 1}`;
      const before = files(dataDir);
      const failed = await once(nowhere, '--re-enroll');
      assert.notEqual(failed.code, 0);
      const after = files(dataDir);
      assert.notEqual(after.key, before.key, 'a new key was made for the new enrollment');
      assert.equal(
        (JSON.parse(after.state) as { endpointId: unknown }).endpointId,
        null,
        'state.json no longer names an endpoint the key is not for',
      );
      const back = await once(urlA);
      assert.equal(back.code, 0, back.stderr);
      assert.doesNotMatch(back.stderr, /BAD_SIGNATURE/);
      assert.match(reportedAs(back.stdout) ?? '', /^ep_/);
    });

    it('with --re-enroll, enrolls there in its place, as asked', async () => {
      const before = files(dataDir);
      const replaced = await once(b.url, '--re-enroll');
      assert.equal(replaced.code, 0, replaced.stderr);
      const [secondId] = await endpointIds(b);
      assert.equal(reportedAs(replaced.stdout), secondId);
      assert.notEqual(files(dataDir).key, before.key);
    });
  });
});
