import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BINS, runBin } from '../support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';
import { spawnProcess } from './spawned.js';

/** `devtrustctl admin-log` through the real binary against a real collector: filters, paging, errors. */
describe('devtrustctl admin-log', () => {
  let c: TestCollector;
  let opsKeyId: string;
  const env = (key = OWNER_TOKEN): Record<string, string> => ({ DEVTRUST_URL: c.url, DEVTRUST_API_KEY: key });
  const ctl = (...args: string[]) => runBin('devtrustctl', args, { env: env() });
  const ok = async (...args: string[]) => {
    const r = await ctl(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    // Changes made with devtrustctl itself, by two keys.
    const ops = JSON.parse(await ok('--json', 'key', 'create', '--name', 'ops desk', '--role', 'admin'));
    opsKeyId = ops.id;
    await runBin('devtrustctl', ['user', 'set', 'dora@example.com', '--groups', 'pilot'], { env: env(ops.key) });
    await ok('user', 'set', 'dora@example.com', '--groups', 'pilot,finance');
    await ok('user', 'set', 'eve@example.com', '--groups', 'pilot');
    await ok('integration', 'create', '--kind', 'csv', '--name', 'Lab', '--platforms', 'linux');
  });
  afterAll(() => c?.stop());

  it('prints a table of who changed what, newest first, and how many match', async () => {
    const out = await ok('admin-log');
    const [header, ...rows] = out.trimEnd().split('\n');
    assert.match(header as string, /^at\s+actor\s+from\s+resource\s+action\s+changed$/);
    assert.match(
      rows[0] as string,
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\s+bootstrap key_\S+\s+127\.0\.0\.1\s+integration int_\S+\s+create\s+/,
    );
    assert.ok(
      rows.some((r) => /ops desk key_\S+\s+127\.0\.0\.1\s+user dora@example\.com\s+create\s+groups, username/.test(r)),
      out,
    );
    assert.ok(
      rows.some((r) => /user dora@example\.com\s+update\s+groups$/.test(r)),
      out,
    );
    assert.ok(
      rows.some((r) => /collector configuration\s+-\s+api-key key_\S+\s+bootstrap-create/.test(r)),
      out,
    );
    assert.match(out, /^7 of 7 matching entries, newest first\.$/m);
    assert.doesNotMatch(out, /Next page/);
  });

  it('filters by resource, action and actor as the API does', async () => {
    const users = await ok('admin-log', '--resource-type', 'user', '--resource-id', 'dora@example.com', '--action', 'update');
    assert.match(users, /^1 of 1 matching entry, newest first\.$/m);
    const byOps = await ok('admin-log', '--actor-key-id', opsKeyId, '--json');
    const answer = JSON.parse(byOps);
    assert.deepEqual(
      answer.entries.map((e: any) => `${e.resourceType}:${e.action}:${e.actor.keyName}`),
      ['user:create:ops desk'],
    );
    const future = await ok('admin-log', '--since', new Date(Date.now() + 3_600_000).toISOString());
    assert.match(future, /^0 of 0 matching entries/m);
  });

  it('pages with the cursor it prints, neither skipping nor repeating', async () => {
    const seen: string[] = [];
    let args = ['admin-log', '--limit', '3'];
    for (let page = 0; page < 10; page++) {
      const out = await ok(...args);
      seen.push(...out.split('\n').filter((l) => /^\d{4}-/.test(l)));
      const next = /^Next page: devtrustctl (.+)$/m.exec(out);
      if (!next) break;
      // The suggested command, as a shell would split it.
      args = [...(next[1] as string).matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? (m[2] as string));
      assert.deepEqual(args.slice(0, 3), ['admin-log', '--limit', '3']);
    }
    const all = (await ok('admin-log')).split('\n').filter((l) => /^\d{4}-/.test(l));
    assert.equal(seen.length, 7);
    assert.deepEqual(
      seen.map((l) => l.replace(/\s+/g, ' ')),
      all.map((l) => l.replace(/\s+/g, ' ')),
    );
  });

  it('bad input is one line and exit 1 (refused by the collector) or 2 (bad command line)', async () => {
    const type = await ctl('admin-log', '--resource-type', 'secrets');
    assert.equal(type.code, 1);
    assert.match(type.stderr, /^devtrustctl: 400 INVALID_REQUEST: .*\(field resourceType\)\n$/);
    const cursor = await ctl('admin-log', '--cursor', 'abc');
    assert.equal(cursor.code, 1);
    assert.match(cursor.stderr, /^devtrustctl: 400 INVALID_CURSOR: /);
    const flag = await ctl('admin-log', '--user', 'x');
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /unknown flag --user for "admin-log"/);
    const readOnly = JSON.parse(await ok('--json', 'key', 'create', '--name', 'help desk', '--role', 'read-only'));
    const refused = await runBin('devtrustctl', ['admin-log'], { env: env(readOnly.key) });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^devtrustctl: 403 FORBIDDEN: the read-only role may not read admin-log\n$/);
  });

  it("an upload is shown as the rows it put into the integration, not as the run's fields", async () => {
    const created = JSON.parse(await ok('--json', 'integration', 'create', '--kind', 'csv', '--name', 'Kiosks', '--platforms', 'linux'));
    const id = created.id as string;
    const answer = await c.admin('PUT', `/admin/v1/integrations/${id}/inventory`, 'serial_number,device_name,platform\nK-1,K1,linux\n', {
      contentType: 'text/csv',
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const out = await ok('admin-log', '--resource-id', id, '--action', 'upload');
    assert.match(out, new RegExp(`integration ${id}\\s+upload\\s+uploaded 1 row: succeeded, 1 device$`, 'm'));
  });

  it('--help explains it', async () => {
    const help = await ok('admin-log', '--help');
    assert.match(help, /--resource-type TYPE/);
    assert.match(help, /--cursor C/);
  });
});

/** Output piped into a reader that stops early (`| head`): devtrustctl ends quietly, not with an EPIPE stack. */
describe('devtrustctl piped into head', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    // Enough entries that the listing outgrows a pipe's buffer (64 kB) before head has quit.
    await Promise.all(
      Array.from({ length: 400 }, (_, i) => c.admin('PUT', `/admin/v1/users/${'u'.repeat(150)}${i}@example.com`, { groups: ['pilot'] })),
    );
  });
  afterAll(async () => c?.stop());

  it('exits 0 with nothing on stderr', async () => {
    // Not spawnSync: the collector answers from this process's event loop.
    const run = spawnProcess(
      'bash',
      [
        '-c',
        `set -o pipefail; "${process.execPath}" "${BINS.devtrustctl}" admin-log --limit 400 | head -c 100 >/dev/null; echo "ctl:\${PIPESTATUS[0]}" >&2`,
      ],
      { env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN } },
    );
    await run.waitForExit();
    assert.match(run.stderr(), /ctl:0\s*$/);
    assert.doesNotMatch(run.stderr(), /EPIPE|Error/);
  });
});
