import type { JamfComputer, JamfMobileDevice } from '@devtrust/collector/sync/jamf-pro/map';
import { ListInventory, VendorTestServer, intParam, sampleIds, type Inventory, type Reply, type ServerRequest } from './server-kit.js';

/**
 * Jamf Pro, as its API documents: `POST /api/oauth/token` (form-encoded client credentials)
 * and `GET /api/v1/computers-inventory` with 0-based `page`, `page-size` (max 2000) and the
 * requested `section`s only, answering `{totalCount, results}`.
 */
export interface JamfProServerOptions {
  clientId?: string;
  clientSecret?: string;
  inventory?: Inventory<JamfComputer>;
  /** `GET /api/v2/mobile-devices/detail`: iPhones, iPads and Apple TVs. */
  mobileDevices?: Inventory<JamfMobileDevice>;
  tokenLifetimeSeconds?: number;
}

export interface JamfProServer extends VendorTestServer {
  inventory: Inventory<JamfComputer>;
  mobileDevices: Inventory<JamfMobileDevice>;
  /** Requests to the mobile-devices list, answered or not. */
  mobileRequests: number;
}

const MOBILE_SECTIONS: Record<string, keyof JamfMobileDevice> = {
  GENERAL: 'general',
  HARDWARE: 'hardware',
  USER_AND_LOCATION: 'userAndLocation',
};

/** Mobile device number `i` (even: an iPhone, odd: an iPad), shaped like the documented example. */
export function jamfMobileDevice(i: number): JamfMobileDevice {
  const ids = sampleIds('DMPJ', i);
  return {
    mobileDeviceId: String(i + 1),
    deviceType: 'iOS',
    general: {
      udid: `00008110-${(0x1a2b0000 + i).toString(16).toUpperCase().padStart(16, '0')}`,
      displayName: i % 2 === 0 ? `iPhone ${i}` : `iPad ${i}`,
      osVersion: '17.4.1',
      managed: true,
      lastInventoryUpdateDate: '2024-05-01T08:00:00.000Z',
    },
    hardware: {
      serialNumber: ids.serial,
      wifiMacAddress: ids.mac,
      bluetoothMacAddress: ids.altMac,
      model: i % 2 === 0 ? 'iPhone 15' : 'iPad Air (5th generation)',
    },
    userAndLocation: { emailAddress: ids.email, username: `user${i}` },
  };
}

const SECTIONS: Record<string, keyof JamfComputer> = { GENERAL: 'general', HARDWARE: 'hardware', USER_AND_LOCATION: 'userAndLocation' };

/** Computer number `i`, shaped like the documented example. */
export function jamfComputer(i: number): JamfComputer {
  const ids = sampleIds('C02J', i);
  return {
    id: String(i + 1),
    udid: ids.uuid,
    general: { name: `mac-${i}`, platform: 'Mac', lastContactTime: '2024-05-01T08:00:00.000Z', remoteManagement: { managed: true } },
    hardware: { serialNumber: ids.serial, macAddress: ids.mac, altMacAddress: ids.altMac, model: 'MacBook Pro (14-inch, 2023)' },
    userAndLocation: { email: ids.email, username: `user${i}` },
  };
}

export async function startJamfProServer(options: JamfProServerOptions = {}): Promise<JamfProServer> {
  const clientId = options.clientId ?? 'jamf-client-id';
  const clientSecret = options.clientSecret ?? 'jamf-client-secret-0001';
  const inventory = options.inventory ?? new ListInventory<JamfComputer>();

  const token = (request: ServerRequest): Reply => {
    const form = new URLSearchParams(request.body);
    if (form.get('grant_type') !== 'client_credentials') return { status: 400, json: { error: 'unsupported_grant_type' } };
    if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
      // Echoes what it was sent, as careless vendors do: the collector must scrub it.
      return {
        status: 401,
        json: { error: 'invalid_client', error_description: `client ${form.get('client_id')} / ${form.get('client_secret')} rejected` },
      };
    }
    return {
      status: 200,
      json: {
        access_token: server.tokens.issue(),
        scope: 'api-role:1',
        token_type: 'Bearer',
        expires_in: options.tokenLifetimeSeconds ?? 60,
      },
    };
  };

  const computers = (request: ServerRequest): Reply => {
    if (!server.tokens.accepts(request.headers.authorization))
      return { status: 401, json: { httpStatus: 401, errors: [{ code: 'INVALID_TOKEN', description: 'Unauthorized' }] } };
    const page = intParam(request.url, 'page', 0);
    const size = Math.min(intParam(request.url, 'page-size', 100), 2000);
    const sections = request.url.searchParams.getAll('section').map((s) => SECTIONS[s]);
    const results = inventory.slice(page * size, (page + 1) * size).map((computer) => {
      const out: JamfComputer = { id: computer.id, udid: computer.udid };
      for (const section of sections) if (section) Object.assign(out, { [section]: computer[section] });
      return out;
    });
    return { status: 200, json: { totalCount: inventory.size(), results } };
  };

  const mobileDevices = options.mobileDevices ?? new ListInventory<JamfMobileDevice>();
  const mobile = (request: ServerRequest): Reply => {
    server.mobileRequests++;
    if (!server.tokens.accepts(request.headers.authorization))
      return { status: 401, json: { httpStatus: 401, errors: [{ code: 'INVALID_TOKEN', description: 'Unauthorized' }] } };
    const page = intParam(request.url, 'page', 0);
    const size = Math.min(intParam(request.url, 'page-size', 100), 2000);
    const sections = request.url.searchParams.getAll('section').map((s) => MOBILE_SECTIONS[s]);
    const results = mobileDevices.slice(page * size, (page + 1) * size).map((device) => {
      const out: JamfMobileDevice = { mobileDeviceId: device.mobileDeviceId, deviceType: device.deviceType };
      for (const section of sections) if (section) Object.assign(out, { [section]: device[section] });
      return out;
    });
    return { status: 200, json: { totalCount: mobileDevices.size(), results } };
  };

  const server = new VendorTestServer([
    { method: 'POST', path: '/api/oauth/token', handle: token },
    { method: 'GET', path: '/api/v1/computers-inventory', inventory: true, handle: computers },
    { method: 'GET', path: '/api/v2/mobile-devices/detail', inventory: true, handle: mobile },
  ]) as JamfProServer;
  server.inventory = inventory;
  server.mobileDevices = mobileDevices;
  server.mobileRequests = 0;
  return server.start();
}
