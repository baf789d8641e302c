import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { mapKandjiDevice, type KandjiDevice } from '@devtrust/collector/sync/kandji/map';
import { startTestCollector, type TestCollector } from '../../../../test/support/collector.js';
import { kandjiDevice, kandjiUdid, startKandjiServer, type KandjiServer } from '../../vendors/mdm/kandji.js';
import { ListInventory } from '../../vendors/mdm/server-kit.js';
import { describeSyncContract } from './contract.js';
import { loadFixture } from './fixtures.js';
import { FAST_RETRY, createIntegration, lookup, range, syncAndWait } from './harness.js';
import { kandjiHarness } from './harnesses.js';

describe('kandji: mapping documented device-list records', () => {
  const [mac, ipad, appleTv, removed] = loadFixture<KandjiDevice[]>('kandji-devices.json').map(mapKandjiDevice);

  it('reads the serial, platform, owner and MDM state of a Mac', () => {
    assert.deepEqual(mac, {
      externalId: '5b5f3aa4-9fd7-4c0b-a40b-58f8c2a62b71',
      serialNumber: 'C02FK3YRMD6T',
      mdmDeviceId: '5b5f3aa4-9fd7-4c0b-a40b-58f8c2a62b71',
      deviceName: "Bao's MacBook Pro",
      platform: 'macos',
      owner: 'bao.nguyen@accuhive.io',
      managed: true,
      posture: { osVersion: '14.4.1' },
      raw: { model: 'MacBook Pro (16-inch, 2021)', osVersion: '14.4.1', lastCheckIn: '2024-04-22T17:42:07.593299Z', agentInstalled: true },
    });
    assert.equal(mac?.hardwareUuid, undefined, 'the list endpoint carries no hardware UUID');
  });

  it("a Mac's UDID from the details endpoint is its hardware UUID; an iPad's is not", () => {
    const udid = { hardware_overview: { udid: 'CE3A2773-AF9E-515B-918B-5EE5C09372D7' } };
    const [macRecord, ipadRecord] = loadFixture<KandjiDevice[]>('kandji-devices.json');
    assert.equal(mapKandjiDevice({ ...macRecord, ...udid }).hardwareUuid, 'CE3A2773-AF9E-515B-918B-5EE5C09372D7');
    assert.equal(mapKandjiDevice({ ...ipadRecord, ...udid }).hardwareUuid, undefined);
  });

  it('takes an unassigned device ("user": "") as ownerless and an iPad as iOS', () => {
    assert.equal(ipad?.owner, null);
    assert.equal(ipad?.platform, 'ios');
  });

  it('states no platform for an Apple TV', () => {
    assert.equal(appleTv?.platform, null);
    assert.equal(appleTv?.serialNumber, 'GY6XK2L9Q4');
  });

  it('marks a removed device unmanaged and falls back to the user name', () => {
    assert.equal(removed?.managed, false);
    assert.equal(removed?.owner, 'Former Employee');
    assert.equal(removed?.platform, 'ios');
  });
});

describe('kandji: Macs match on the hardware UUID from the device-details endpoint', () => {
  let c: TestCollector;
  let restoreClient: () => void;
  const servers: KandjiServer[] = [];
  beforeAll(async () => {
    restoreClient = overrideVendorClientForTests(FAST_RETRY);
    c = await startTestCollector({ scheduler: false });
  });
  afterAll(async () => {
    restoreClient();
    await c.stop();
    for (const server of servers) await server.close();
  });

  /** A tenant of its own (a token of its own), so what one test's syncs remembered does not leak into another. */
  async function tenant(
    name: string,
    devices: KandjiDevice[],
    options: { rateLimit?: { requests: number; windowMs: number }; detailsPerHour?: number; pageSize?: number } = {},
  ) {
    const apiToken = `kandji-token-${name}-0001`;
    const server = await startKandjiServer({
      apiToken,
      inventory: new ListInventory(devices),
      ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    });
    servers.push(server);
    devices.forEach((device, i) => server.udids.set(device.device_id as string, kandjiUdid(i)));
    const config = {
      baseUrl: server.url,
      apiToken,
      pageSize: options.pageSize ?? 3,
      ...(options.detailsPerHour !== undefined ? { detailsPerHour: options.detailsPerHour } : {}),
    };
    const id = await createIntegration(c, kandjiHarness, `Kandji ${name}`, config);
    return { server, id };
  }
  const macs = (n: number) => range(0, n).map((i) => ({ ...kandjiDevice(i), platform: 'Mac' }));

  it("reads each Mac's details once, then only for Macs that are new or changed", async () => {
    const devices = [...macs(4), { ...kandjiDevice(4), platform: 'iPhone' }];
    const { server, id } = await tenant('incremental', devices);
    assert.equal((await syncAndWait(c, id)).status, 'succeeded');
    assert.deepEqual(
      [...server.detailRequests].sort(),
      devices
        .slice(0, 4)
        .map((d) => d.device_id)
        .sort(),
      'every Mac, no iPhone',
    );
    for (const i of range(0, 4)) assert.equal((await lookup(c, id, kandjiUdid(i))).found, true, `Mac ${i} by hardware UUID`);
    assert.equal((await lookup(c, id, kandjiUdid(4))).found, false, "an iPhone's UDID is not a Mac hardware UUID");

    server.detailRequests.length = 0;
    assert.equal((await syncAndWait(c, id)).status, 'succeeded');
    assert.deepEqual(server.detailRequests, [], 'nothing new or changed: no details calls');
    assert.equal((await lookup(c, id, kandjiUdid(2))).found, true, 'the remembered UUID is still synced');

    // One Mac renamed, one new: details for those two only.
    (server.inventory as ListInventory<KandjiDevice>).items[1] = { ...devices[1], device_name: 'renamed-mac' } as KandjiDevice;
    const added = { ...kandjiDevice(5), platform: 'Mac' };
    (server.inventory as ListInventory<KandjiDevice>).items.push(added);
    server.udids.set(added.device_id as string, kandjiUdid(5));
    assert.equal((await syncAndWait(c, id)).status, 'succeeded');
    assert.deepEqual([...server.detailRequests].sort(), [devices[1]?.device_id, added.device_id].sort());
    assert.equal((await lookup(c, id, kandjiUdid(5))).found, true);
  });

  it('stays within an hourly details budget: the rest match on serial until a later sync', async () => {
    const devices = macs(5);
    const { server, id } = await tenant('budget', devices, { detailsPerHour: 2 });
    assert.equal((await syncAndWait(c, id)).status, 'succeeded');
    assert.equal(server.detailRequests.length, 2);
    const withUuid = range(0, 5).filter((i) => server.detailRequests.includes(devices[i]?.device_id as string));
    for (const i of range(0, 5)) {
      assert.equal((await lookup(c, id, devices[i]?.serial_number as string)).found, true, `Mac ${i} by serial`);
      assert.equal((await lookup(c, id, kandjiUdid(i))).found, withUuid.includes(i), `Mac ${i} by UUID`);
    }
    server.detailRequests.length = 0;
    assert.equal((await syncAndWait(c, id)).status, 'succeeded');
    assert.deepEqual(server.detailRequests, [], "the hour's budget is spent");
  });

  it("Kandji's own rate limit: a 429 on details ends them for this run, never the sync", async () => {
    const devices = macs(3);
    // Room for the list and one details call this hour; Kandji then answers 429 with a Retry-After far past what the client waits.
    const { server, id } = await tenant('throttled', devices, { rateLimit: { requests: 2, windowMs: 60 * 60_000 }, pageSize: 300 });
    const run = await syncAndWait(c, id);
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    assert.ok(server.rateLimited > 0, 'Kandji refused details calls');
    assert.equal(server.detailRequests.length, 1);
    const read = devices.findIndex((d) => d.device_id === server.detailRequests[0]);
    for (const i of range(0, 3)) {
      assert.equal((await lookup(c, id, devices[i]?.serial_number as string)).found, true, `Mac ${i} by serial`);
      assert.equal((await lookup(c, id, kandjiUdid(i))).found, i === read, `Mac ${i} by UUID`);
    }
  });
});

describeSyncContract(kandjiHarness);
