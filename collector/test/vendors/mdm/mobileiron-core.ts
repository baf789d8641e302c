import type { MobileIronDevice } from '@devtrust/collector/sync/mobileiron-core/map';
import {
  ListInventory,
  VendorTestServer,
  basicCredentials,
  intParam,
  sampleIds,
  type Inventory,
  type Reply,
  type ServerRequest,
} from './server-kit.js';

/**
 * MobileIron Core's v2 API, as documented: `GET /api/v2/devices?adminDeviceSpaceId=&fields=
 * &query=&limit=&offset=` with HTTP Basic, answering flat records holding only the requested
 * `fields`, plus `totalCount`, `resultCount` and `hasMore`.
 */
export interface MobileIronServerOptions {
  username?: string;
  password?: string;
  spaceId?: number;
  inventory?: Inventory<MobileIronDevice>;
}

export interface MobileIronServer extends VendorTestServer {
  inventory: Inventory<MobileIronDevice>;
}

const PLATFORMS = ['Android', 'iOS', 'Windows', 'macOS'];

/** Device number `i`, shaped like the documented example. */
export function mobileIronDevice(i: number): MobileIronDevice {
  const ids = sampleIds('MI', i);
  return {
    'common.id': i + 1,
    'common.uuid': `9b0da853-${i.toString(16).padStart(4, '0')}-4000-8000-f4b5457299cf`,
    'common.SerialNumber': ids.serial,
    'common.platform': PLATFORMS[i % PLATFORMS.length],
    'common.os_version': '14.0',
    'common.model': 'Pixel 8',
    'common.status': 'ACTIVE',
    'common.wifi_mac_address': ids.mac,
    'common.ethernet_mac': '',
    'common.last_connected_at': '2024-05-01T08:00:00.000Z',
    'common.compliant': true,
    'user.email_address': ids.email,
    'user.user_id': `user${i}`,
  };
}

export async function startMobileIronCoreServer(options: MobileIronServerOptions = {}): Promise<MobileIronServer> {
  const username = options.username ?? 'api-admin';
  const password = options.password ?? 'mobileiron-password-0001';
  const spaceId = options.spaceId ?? 1;
  const inventory = options.inventory ?? new ListInventory<MobileIronDevice>();

  const devices = (request: ServerRequest): Reply => {
    const credentials = basicCredentials(request.headers.authorization);
    if (credentials?.user !== username || credentials.password !== password) {
      return { status: 401, text: `<html><body>401 Unauthorized for ${credentials?.user}:${credentials?.password}</body></html>` };
    }
    if (request.url.searchParams.get('adminDeviceSpaceId') !== String(spaceId)) {
      return {
        status: 400,
        json: {
          messages: [{ type: 'Error', messageKey: 'com.mobileiron.vsp.messages.http.400', localizedMessage: 'Invalid adminDeviceSpaceId' }],
        },
      };
    }
    const fields = (request.url.searchParams.get('fields') ?? '').split(',').filter((f) => f !== '');
    const limit = Math.min(intParam(request.url, 'limit', 50), 1000);
    const offset = intParam(request.url, 'offset', 0);
    const results = inventory
      .slice(offset, offset + limit)
      .map((device) => Object.fromEntries(fields.filter((f) => f in device).map((f) => [f, device[f]])));
    const totalCount = inventory.size();
    return {
      status: 200,
      json: { results, totalCount, resultCount: results.length, searchTimeMillis: 1, hasMore: offset + results.length < totalCount },
    };
  };

  const server = new VendorTestServer([{ method: 'GET', path: '/api/v2/devices', inventory: true, handle: devices }]) as MobileIronServer;
  server.inventory = inventory;
  return server.start();
}
