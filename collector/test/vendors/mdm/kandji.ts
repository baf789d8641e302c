import type { KandjiDevice } from '@devtrust/collector/sync/kandji/map';
import { ListInventory, VendorTestServer, intParam, sampleIds, type Inventory, type Reply, type ServerRequest } from './server-kit.js';

/**
 * Kandji, as its API documents: `GET /api/v1/devices?limit=&offset=` with a bearer API
 * token, answering a bare array (`limit` at most 300); there is no total.
 */
export interface KandjiServerOptions {
  apiToken?: string;
  inventory?: Inventory<KandjiDevice>;
}

export interface KandjiServer extends VendorTestServer {
  inventory: Inventory<KandjiDevice>;
}

const PLATFORMS = ['Mac', 'iPhone', 'iPad'];

/** Device number `i`, shaped like the documented example. */
export function kandjiDevice(i: number): KandjiDevice {
  const ids = sampleIds('K0', i);
  return {
    device_id: `d${i.toString(16).padStart(7, '0')}-kand-4jid-8dev-000000000000`,
    device_name: `kandji-${i}`,
    model: 'MacBook Air (M2, 2022)',
    serial_number: ids.serial,
    platform: PLATFORMS[i % PLATFORMS.length] as string,
    os_version: '14.4.1',
    last_check_in: '2024-05-01T08:00:00.000000Z',
    user: { email: ids.email, name: `User ${i}` },
    mdm_enabled: true,
    agent_installed: true,
    is_removed: false,
  };
}

export async function startKandjiServer(options: KandjiServerOptions = {}): Promise<KandjiServer> {
  const apiToken = options.apiToken ?? 'kandji-api-token-0001';
  const inventory = options.inventory ?? new ListInventory<KandjiDevice>();

  const devices = (request: ServerRequest): Reply => {
    if (request.headers.authorization !== `Bearer ${apiToken}`) {
      return { status: 401, json: { detail: `Invalid token ${request.headers.authorization ?? ''}.` } };
    }
    const limit = Math.min(intParam(request.url, 'limit', 300), 300);
    const offset = intParam(request.url, 'offset', 0);
    return { status: 200, json: inventory.slice(offset, offset + limit) };
  };

  const server = new VendorTestServer([{ method: 'GET', path: '/api/v1/devices', inventory: true, handle: devices }]) as KandjiServer;
  server.inventory = inventory;
  return server.start();
}
