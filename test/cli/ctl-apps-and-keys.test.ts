import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runBin } from '../support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';

/** devtrustctl for an admin's daily work on applications, the auth log and the OIDC signing keys. */
describe('devtrustctl: applications, references and signing keys', () => {
  let c: TestCollector;
  const ctl = (...args: string[]) => runBin('devtrustctl', args, { env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN } });
  const json = async (...args: string[]) => {
    const r = await ctl('--json', ...args);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    await c.admin('PUT', '/admin/v1/policy', { requireFirewall: false, minOsVersion: { macos: '14.0' } });
  });
  afterAll(() => c?.stop());

  it('app create, show, update (--inherit puts the global value back), rotate-secret and delete', async () => {
    const created = await json(
      'app',
      'create',
      '--name',
      'Wiki',
      '--redirect-uris',
      'https://wiki.example/cb',
      '--policy',
      '{"requireFirewall":true,"minOsVersion":{},"trustedEndpoints":"require-trusted"}',
    );
    assert.equal(created.reasonDetail, 'summary');
    const shown = await ctl('app', 'show', created.id);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^reasonDetail: summary$/m);
    assert.match(shown.stdout, /^ {2}requireFirewall: true$/m);
    // Times carry their zone.
    assert.match(shown.stdout, /^createdAt: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/m);
    assert.doesNotMatch(shown.stdout, /clientSecret/);

    const updated = await json('app', 'update', created.id, '--inherit', 'requireFirewall,minOsVersion', '--reason-detail', 'full');
    assert.deepEqual(updated.policy, { trustedEndpoints: 'require-trusted' });
    assert.equal(updated.reasonDetail, 'full');
    const renamed = await json('app', 'update', created.id, '--name', 'Team wiki', '--policy', '{"edrUnknown":"deny"}');
    assert.deepEqual([renamed.name, renamed.policy], ['Team wiki', { trustedEndpoints: 'require-trusted', edrUnknown: 'deny' }]);

    const nothing = await ctl('app', 'update', created.id);
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /nothing to change/);
    const badDetail = await ctl('app', 'update', created.id, '--reason-detail', 'all');
    assert.equal(badDetail.code, 1);
    assert.match(badDetail.stderr, /400 INVALID_REQUEST: .*\(field reasonDetail\)/);

    const rotated = await ctl('app', 'rotate-secret', created.id);
    assert.equal(rotated.code, 0, rotated.stderr);
    const secret = /^clientSecret: (dts_\S+)$/m.exec(rotated.stdout)?.[1];
    assert.ok(secret, rotated.stdout);
    const auth = (s: string) => `Basic ${Buffer.from(`${created.clientId}:${s}`).toString('base64')}`;
    const open = (s: string) =>
      fetch(`${c.url}/api/v1/transactions`, {
        method: 'POST',
        headers: { authorization: auth(s), 'content-type': 'application/json' },
        body: '{"username":"a@example.com"}',
      });
    assert.equal((await open(created.clientSecret)).status, 401);
    assert.equal((await open(secret)).status, 201);

    const deleted = await ctl('app', 'delete', created.id);
    assert.deepEqual([deleted.code, deleted.stdout], [0, 'ok\n']);
    const gone = await ctl('app', 'show', created.id);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /404 NOT_FOUND: application not found/);
  });

  it('log --reference finds the sign-in a user quotes', async () => {
    const app = await json('app', 'create', '--name', 'Log app', '--redirect-uris', 'https://log.example/cb');
    const opened = await fetch(`${c.url}/api/v1/transactions`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: '{"username":"quoted@example.com"}',
    });
    const tx = ((await opened.json()) as { id: string }).id;
    // Not decided yet: nothing in the log under it.
    assert.deepEqual((await json('log', '--reference', tx)).entries, []);
    const table = await ctl('log', '--reference', 'tx_unknown');
    assert.equal(table.code, 0, table.stderr);
    // An empty listing says so in words (it printed the table's header alone).
    assert.equal(table.stdout, 'No sign-ins match these filters.\n');
  });

  it('oidc keys, rotate-keys (--immediate, --withdraw-previous) and withdraw-key', async () => {
    // The provider makes its first key on first use; an immediate rotation makes sure one signs.
    assert.ok((await json('oidc', 'rotate-keys', '--immediate')).active);
    const staged = await json('oidc', 'rotate-keys');
    assert.ok(staged.next, 'a staged rotation names the next key');
    const listed = await ctl('oidc', 'keys');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^kid\s+alg\s+state\s+createdAt\s+activatesAt$/m);
    assert.match(listed.stdout, /\bnext\b.* UTC/);

    const now = await json('oidc', 'rotate-keys', '--immediate');
    assert.notEqual(now.active, staged.active);
    const refused = await ctl('oidc', 'rotate-keys', '--withdraw-previous');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--withdraw-previous needs --immediate/);
    const switchValue = await ctl('oidc', 'rotate-keys', '--immediate', 'yes');
    assert.equal(switchValue.code, 2, 'a switch takes no value');

    const retired = now.keys.find((k: { state: string }) => k.state === 'retired').kid as string;
    const withdrawn = await json('oidc', 'withdraw-key', retired);
    assert.deepEqual(withdrawn.withdrawn, [retired]);
    const inUse = await ctl('oidc', 'withdraw-key', now.active);
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, /409 KEY_IN_USE/);
    // The way out, as the command line spells it (the API's JSON body beside it).
    assert.match(inUse.stderr, /devtrustctl oidc rotate-keys --immediate --withdraw-previous/);

    const compromised = await json('oidc', 'rotate-keys', '--immediate', '--withdraw-previous');
    assert.ok(compromised.withdrawn.length >= 1);
    assert.equal((await json('oidc', 'keys')).keys.length, 1);
  });

  it("a CSV integration's sync and test name the command that uploads its inventory", async () => {
    const csv = await json('integration', 'create', '--kind', 'csv', '--name', 'Lab boxes', '--platforms', 'linux');
    const sync = await ctl('integration', 'sync', csv.id);
    assert.equal(sync.code, 1);
    assert.match(sync.stderr, /400 NOT_SYNCABLE/);
    assert.match(sync.stderr, /devtrustctl integration upload ID FILE/);
    const tested = await ctl('--json', 'integration', 'test', csv.id);
    assert.match(tested.stdout + tested.stderr, /devtrustctl integration upload ID FILE/);
  });

  it('kinds lists the vendor kinds and their config fields', async () => {
    const r = await ctl('kinds');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^jamf-pro\s+mdm\s+Jamf Pro/m);
    assert.match(r.stdout, /baseUrl; clientId; clientSecret/);
    // One kind: its fields, which are secret and which are required.
    const one = await ctl('kind', 'workspace-one');
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^name\s+label\s+type\s+required\s+secret\s+default$/m);
    assert.match(one.stdout, /^password\s+Password\s+text\s+true\s+true\s+-$/m);
    assert.match(one.stdout, /^baseUrl\s+API base URL\s+url\s+true\s+false\s+-$/m);
    const unknown = await ctl('kind', 'airwatch');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^devtrustctl: no integration kind "airwatch" \(known: csv, .*workspace-one/);
  });
});
