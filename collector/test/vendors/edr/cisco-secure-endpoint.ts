import { basicCredentials, FakeVendorServer, intParam, type VendorReply, type VendorRequestInfo } from './kit.js';

/**
 * A Cisco Secure Endpoint API v1 as documented: HTTP Basic (API client ID : API key),
 * `GET /v1/computers?limit=&offset=` in the `{version, metadata: {links, results}, data}`
 * envelope with an absolute `metadata.links.next`, `GET /v1/computers/{guid}`, errors as
 * `{version, data: {}, errors: [{error_code, description, details}]}`, and 429 with
 * X-RateLimit-Reset. `pageSize` caps `limit` like the real API's maximum (500).
 */
export interface AmpServerOptions {
  clientId?: string;
  apiKey?: string;
  computers?: Record<string, unknown>[];
  pageSize?: number;
}

export const AMP_CLIENT_ID = 'a1b2c3d4e5f6a7b8c9d0';
export const AMP_API_KEY = 'e7d1b2a3-0000-4c5d-9e8f-amp-test-key';

const VERSION = 'v1.2.0';

function error(status: number, description: string, detail: string): VendorReply {
  return { status, body: { version: VERSION, data: {}, errors: [{ error_code: status, description, details: [detail] }] } };
}

/** A computer record shaped like the documented samples; override any field. */
export function ampComputer(guid: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    connector_guid: guid,
    hostname: `host-${guid.slice(0, 8)}`,
    windows_processor_id: '3e0527a4d8916bf',
    active: true,
    connector_version: '8.0.1.21164',
    operating_system: 'Windows 10',
    os_version: '10.0.19044.1466',
    internal_ips: ['10.1.2.3'],
    external_ip: '203.0.113.7',
    group_guid: 'bb5a9f90-d6fa-4fe7-99c8-e91060b49a98',
    install_date: '2026-09-25T13:04:53Z',
    is_compromised: false,
    isolation: { available: true, status: 'not_isolated' },
    last_seen: new Date().toISOString(),
    network_addresses: [{ ip: '10.1.2.3', mac: 'e6:80:50:1e:e5:20' }],
    policy: { guid: '91c7894d-dd69-4a21-8cf6-5ebfc57ef4df', name: 'Protect' },
    faults: [],
    ...overrides,
  };
}

export class FakeSecureEndpoint extends FakeVendorServer {
  computers: Record<string, unknown>[];
  private readonly clientId: string;
  private readonly apiKey: string;
  private readonly pageSize: number;

  constructor(options: AmpServerOptions = {}) {
    super();
    this.computers = options.computers ?? [];
    this.clientId = options.clientId ?? AMP_CLIENT_ID;
    this.apiKey = options.apiKey ?? AMP_API_KEY;
    this.pageSize = options.pageSize ?? 500;
  }

  protected route({ method, url, headers }: VendorRequestInfo): VendorReply {
    const creds = basicCredentials(headers);
    if (!creds || creds[0] !== this.clientId || creds[1] !== this.apiKey) return error(401, 'Unauthorized', 'Unknown API key or Client ID');
    if (method !== 'GET') return error(405, 'Method Not Allowed', method);
    if (url.pathname === '/v1/computers') {
      const limit = Math.min(intParam(url, 'limit', this.pageSize), this.pageSize);
      const offset = intParam(url, 'offset', 0);
      const data = this.computers.slice(offset, offset + limit);
      const links: Record<string, string> = { self: url.toString() };
      if (offset + limit < this.computers.length) links.next = `${this.url}/v1/computers?limit=${limit}&offset=${offset + limit}`;
      if (offset > 0) links.prev = `${this.url}/v1/computers?limit=${limit}&offset=${Math.max(0, offset - limit)}`;
      const results = { total: this.computers.length, current_item_count: data.length, index: offset, items_per_page: limit };
      return { status: 200, body: { version: VERSION, metadata: { links, results }, data } };
    }
    const one = /^\/v1\/computers\/([^/]+)$/.exec(url.pathname);
    if (one) {
      const computer = this.computers.find((c) => c.connector_guid === decodeURIComponent(one[1] as string));
      return computer
        ? { status: 200, body: { version: VERSION, metadata: { links: { self: url.toString() } }, data: computer } }
        : error(404, 'Not Found', 'Resource not found');
    }
    return error(404, 'Not Found', 'Resource not found');
  }
}

export async function startFakeSecureEndpoint(options: AmpServerOptions = {}): Promise<FakeSecureEndpoint> {
  return new FakeSecureEndpoint(options).start();
}
