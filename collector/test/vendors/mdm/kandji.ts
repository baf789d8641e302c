import type { KandjiDevice } from '@devtrust/collector/sync/kandji/map';
import { ListInventory, VendorTestServer, intParam, sampleIds, type Inventory, type Reply, type ServerRequest } from './server-kit.js';

/**
 * Kandji, as its API documents: `GET /api/v1/devices?limit=&offset=` with a bearer API
 * token, answering a bare array (`limit` at most 300); there is no total. Each device's
 * `GET /api/v1/devices/{device_id}/details` answers sections (`general`, `mdm`,
 * `hardware_overview` with the `udid`, …). Kandji limits a customer to 10,000 requests an
 * hour and answers 429 past it; `rateLimit` scales that down for tests.
 */
export interface KandjiServerOptions {
  apiToken?: string;
  inventory?: Inventory<KandjiDevice>;
  /** Requests (list and details alike) per window before 429 with Retry-After. */
  rateLimit?: { requests: number; windowMs: number };
}

export interface KandjiServer extends VendorTestServer {
  inventory: Inventory<KandjiDevice>;
  /** device_id → the UDID its details report (Macs: the hardware UUID). */
  udids: Map<string, string>;
  /** Details requests answered 200, by device_id, in order. */
  detailRequests: string[];
  /** Requests refused with 429 by the rate limit. */
  rateLimited: number;
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

/** The UDID Kandji's details report for device number `i`: a Mac's is its hardware UUID. */
export function kandjiUdid(i: number): string {
  return `${(0x7a000000 + i).toString(16).toUpperCase()}-1C2D-5E3F-8A4B-${i.toString(16).toUpperCase().padStart(12, '0')}`;
}

export async function startKandjiServer(options: KandjiServerOptions = {}): Promise<KandjiServer> {
  const apiToken = options.apiToken ?? 'kandji-api-token-0001';
  const inventory = options.inventory ?? new ListInventory<KandjiDevice>();
  const window: number[] = [];

  /** Kandji's per-customer limit: a sliding window over every API request. */
  const limited = (): Reply | null => {
    if (!options.rateLimit) return null;
    const now = Date.now();
    while (window.length > 0 && (window[0] as number) <= now - options.rateLimit.windowMs) window.shift();
    if (window.length >= options.rateLimit.requests) {
      server.rateLimited++;
      const retryAfter = Math.ceil(((window[0] as number) + options.rateLimit.windowMs - now) / 1000);
      return { status: 429, headers: { 'retry-after': String(retryAfter) }, json: { detail: 'Request was throttled.' } };
    }
    window.push(now);
    return null;
  };
  const unauthorized = (request: ServerRequest): Reply | null =>
    request.headers.authorization === `Bearer ${apiToken}`
      ? null
      : { status: 401, json: { detail: `Invalid token ${request.headers.authorization ?? ''}.` } };

  const devices = (request: ServerRequest): Reply => {
    const refused = unauthorized(request) ?? limited();
    if (refused) return refused;
    const limit = Math.min(intParam(request.url, 'limit', 300), 300);
    const offset = intParam(request.url, 'offset', 0);
    return { status: 200, json: inventory.slice(offset, offset + limit) };
  };

  const DETAILS = /^\/api\/v1\/devices\/([^/]+)\/details$/;
  const details = (request: ServerRequest): Reply => {
    const refused = unauthorized(request) ?? limited();
    if (refused) return refused;
    const id = decodeURIComponent(DETAILS.exec(request.url.pathname)?.[1] ?? '');
    const device = inventory.slice(0, inventory.size()).find((d) => d.device_id === id);
    if (!device) return { status: 404, json: { detail: 'Not found.' } };
    server.detailRequests.push(id);
    return {
      status: 200,
      json: {
        general: { device_id: device.device_id, device_name: device.device_name, platform: device.platform, model: device.model },
        mdm: { mdm_enabled: device.mdm_enabled ? 'True' : 'False', supervised: 'True' },
        hardware_overview: {
          model_name: device.model,
          serial_number: device.serial_number,
          udid: server.udids.get(id) ?? null,
        },
      },
    };
  };

  const server = new VendorTestServer([
    { method: 'GET', path: '/api/v1/devices', inventory: true, handle: devices },
    { method: 'GET', path: DETAILS, handle: details },
  ]) as KandjiServer;
  server.inventory = inventory;
  server.udids = new Map();
  server.detailRequests = [];
  server.rateLimited = 0;
  return server.start();
}
