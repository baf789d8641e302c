import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { kandjiDevice, startKandjiServer, type KandjiServer } from '../../collector/test/vendors/mdm/kandji.js';
import { ListInventory } from '../../collector/test/vendors/mdm/server-kit.js';
import { range, waitForRun } from '../../collector/test/sync/mdm/harness.js';
import { runBin } from '../support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';

const TOKEN = 'kandji-token-ctl-confirm-0001';

/** `devtrustctl integration sync ID --allow-empty`, through the real binary, a real collector and a Kandji-shaped vendor. */
describe('devtrustctl integration sync --allow-empty', () => {
  let c: TestCollector;
  let kandji: KandjiServer;
  let inventory: ListInventory<ReturnType<typeof kandjiDevice>>;
  let id: string;
  const ctl = (...args: string[]) => runBin('devtrustctl', args, { env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN } });
  const devices = async () => (await c.admin('GET', `/admin/v1/integrations/${id}`)).body.devices as number;
  /** Runs `integration sync` and waits for the run it started to end. */
  const sync = async (...flags: string[]) => {
    let started = await ctl('integration', 'sync', id, ...flags);
    // The last run is recorded as ended a moment before it lets go of the integration.
    for (let tries = 0; started.code !== 0 && /409 SYNC_RUNNING/.test(started.stderr) && tries < 50; tries++)
      started = await ctl('integration', 'sync', id, ...flags);
    assert.equal(started.code, 0, started.stderr);
    const syncId = /^syncId: (sync_\S+)$/m.exec(started.stdout)?.[1];
    assert.ok(syncId, started.stdout);
    return { stdout: started.stdout, run: await waitForRun(c, id, syncId) };
  };

  beforeAll(async () => {
    inventory = new ListInventory(range(0, 4).map(kandjiDevice));
    kandji = await startKandjiServer({ apiToken: TOKEN, inventory });
    c = await startTestCollector({ scheduler: false });
    const created = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'kandji',
      name: 'Kandji to retire',
      platforms: ['macos'],
      config: { baseUrl: kandji.url, apiToken: TOKEN },
    });
    id = created.body.id;
  });
  afterAll(async () => {
    await c?.stop();
    await kandji?.close();
  });

  it('an empty listing is refused and says how to confirm; --allow-empty empties the inventory, and `integration syncs` shows it', async () => {
    assert.equal((await sync()).run.status, 'succeeded');
    assert.equal(await devices(), 4);
    inventory.items.splice(0);

    const refused = await sync();
    assert.match(refused.stdout, /^allowEmpty: false$/m);
    assert.equal(refused.run.status, 'failed');
    assert.match(refused.run.error, /devtrustctl integration sync ID --allow-empty\)$/);
    assert.equal(await devices(), 4);

    const confirmed = await sync('--allow-empty');
    assert.match(confirmed.stdout, /^allowEmpty: true$/m);
    assert.equal(confirmed.run.status, 'succeeded', confirmed.run.error);
    assert.equal(await devices(), 0);

    const history = await ctl('integration', 'syncs', id);
    assert.equal(history.code, 0, history.stderr);
    const [header, newest, older] = history.stdout.split('\n');
    assert.match(header!, /^id\s+status\s+trigger\s+allowEmpty\s+pages\s+devices\s+error$/);
    assert.match(newest!, /\ssucceeded\s+manual\s+true\s+\d+\s+0\s/);
    assert.match(older!, /\sfailed\s+manual\s+false\s/);
  });

  // For scripts (newcomer r6): the finished run, and an exit code that says whether it succeeded.
  it('--wait prints the finished run and exits 1 unless it succeeded', async () => {
    const waitFor = async (...flags: string[]) => {
      let done = await ctl('integration', 'sync', id, '--wait', ...flags);
      for (let tries = 0; /409 SYNC_RUNNING/.test(done.stderr) && tries < 50; tries++)
        done = await ctl('integration', 'sync', id, '--wait', ...flags);
      return done;
    };
    inventory.items.splice(0, inventory.items.length, ...range(0, 3).map(kandjiDevice));
    const ok = await waitFor();
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^status: succeeded$/m);
    assert.match(ok.stdout, /^devices: 3$/m);
    inventory.items.splice(0);
    const refused = await waitFor();
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stdout, /^status: failed$/m);
    assert.match(refused.stderr, /^devtrustctl: the sync failed: the sync found no devices/m);
    assert.equal(await devices(), 3);
  });

  it('--allow-empty is a switch: a value after it is refused, and the help names it', async () => {
    const help = await runBin('devtrustctl', ['integration', 'sync', '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^devtrustctl integration sync ID \[--allow-empty \[--min-devices N\]\] \[--wait\]/);
    const extra = await ctl('integration', 'sync', id, '--allow-empty', 'yes');
    assert.equal(extra.code, 2, extra.stderr);
    const csv = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Sheet', platforms: ['macos'], config: {} });
    const notSyncable = await ctl('integration', 'sync', csv.body.id, '--allow-empty');
    assert.equal(notSyncable.code, 1);
    assert.match(notSyncable.stderr, /^devtrustctl: 400 NOT_SYNCABLE: /);
    // A floor is only ever part of a confirmation.
    const floorAlone = await ctl('integration', 'sync', id, '--min-devices', '5');
    assert.equal(floorAlone.code, 1);
    assert.match(floorAlone.stderr, /^devtrustctl: 400 INVALID_REQUEST: minDevices: only with allowEmpty=true/);
  });
});
