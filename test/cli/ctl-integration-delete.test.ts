import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runBin } from '../support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';

/**
 * `devtrustctl integration delete ID` deleted an active integration at once and printed `ok`,
 * where the console asks first and `endpoint forget`/`release` ask for --yes: devices trusted
 * only through it stopped being trusted without a question. It now asks for --yes when the
 * integration is active or holds devices, and says what would stop.
 */
describe('devtrustctl integration delete asks for --yes when something is at stake', () => {
  let c: TestCollector;
  const ctl = (...args: string[]) => runBin('devtrustctl', args, { env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN } });
  const create = async (name: string): Promise<string> => {
    const created = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name, platforms: ['macos'], config: {} });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id as string;
  };
  const fill = async (id: string, rows: string): Promise<void> => {
    const put = await c.admin('PUT', `/admin/v1/integrations/${id}/inventory`, `serial_number,platform\n${rows}`, {
      contentType: 'text/csv',
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
  };
  const exists = async (id: string): Promise<boolean> => (await c.admin('GET', `/admin/v1/integrations/${id}`)).status === 200;

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
  });
  afterAll(() => c?.stop());

  it('an integration active for all users is kept without --yes, and the refusal says what would stop', async () => {
    const id = await create('Laptops');
    await fill(id, 'C02A,macos\nC02B,macos\n');
    assert.equal((await c.admin('PUT', `/admin/v1/integrations/${id}/activation`, { mode: 'all-users' })).status, 200);

    const refused = await ctl('integration', 'delete', id);
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(refused.stdout, '');
    assert.equal(
      refused.stderr,
      `devtrustctl: nothing done: integration ${id} "Laptops" is active for all users and holds 2 devices: devices trusted only through it stop being trusted at once. To delete it anyway, run it again with --yes.\n`,
    );
    assert.equal(await exists(id), true);

    const deleted = await ctl('integration', 'delete', id, '--yes');
    assert.deepEqual([deleted.code, deleted.stdout, deleted.stderr], [0, 'ok\n', '']);
    assert.equal(await exists(id), false);
  });

  it('test groups, or a disabled one that still holds devices, are asked about too', async () => {
    const grouped = await create('Pilot');
    const activated = await c.admin('PUT', `/admin/v1/integrations/${grouped}/activation`, { mode: 'test-groups', groups: ['pilot'] });
    assert.equal(activated.status, 200, JSON.stringify(activated.body));
    const pilot = await ctl('integration', 'delete', grouped);
    assert.equal(pilot.code, 1);
    assert.match(pilot.stderr, /is active for the test groups pilot and holds 0 devices: devices trusted only through it stop/);
    assert.equal(await exists(grouped), true);

    const held = await create('Old sheet');
    await fill(held, 'C02C,macos\n');
    const disabled = await ctl('integration', 'delete', held);
    assert.equal(disabled.code, 1);
    assert.match(disabled.stderr, /"Old sheet" is disabled and holds 1 device: its inventory is removed/);
    assert.equal(await exists(held), true);
  });

  it('a disabled, empty integration is deleted as before; an unknown one is 404', async () => {
    const id = await create('Unused');
    const deleted = await ctl('integration', 'delete', id);
    assert.deepEqual([deleted.code, deleted.stdout], [0, 'ok\n']);
    assert.equal(await exists(id), false);
    const missing = await ctl('integration', 'delete', 'int_nope');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^devtrustctl: 404 NOT_FOUND: /);
  });

  it('--help names --yes', async () => {
    const help = await ctl('integration', 'delete', '--help');
    assert.match(help.stdout, /devtrustctl integration delete ID \[--yes\]/);
    assert.match(help.stdout, /asks for --yes when it is active or holds devices/);
  });
});
