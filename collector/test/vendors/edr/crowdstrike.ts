import { randomBytes } from 'node:crypto';
import { FakeVendorServer, intParam, type VendorReply, type VendorRequestInfo } from './kit.js';

/**
 * The CrowdStrike Falcon API as documented: `POST /oauth2/token` (client credentials,
 * form-encoded) → `{access_token, token_type, expires_in}`; Bearer on every call;
 * `GET /devices/queries/devices-scroll/v1?limit=&offset=` → host IDs with an opaque
 * offset token in `meta.pagination`; `POST /devices/entities/devices/v2 {ids}` → hosts;
 * `{meta, resources, errors: [{code, message}]}` everywhere; 429 with X-RateLimit-RetryAfter.
 */
export const FALCON_CLIENT_ID = '0123456789abcdef0123456789abcdef';
export const FALCON_CLIENT_SECRET = 'falcon-test-secret-Zm9vYmFyYmF6cXV4';

/** A host record shaped like the documented device details; override any field. */
export function falconHost(aid: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    device_id: aid,
    cid: 'c0ffee00c0ffee00c0ffee00c0ffee00',
    agent_version: '7.10.17706.0',
    hostname: `HOST-${aid.slice(0, 6).toUpperCase()}`,
    platform_name: 'Windows',
    os_version: 'Windows 11',
    product_type_desc: 'Workstation',
    serial_number: null,
    mac_address: '3c-22-fb-12-34-56',
    system_manufacturer: 'Dell Inc.',
    status: 'normal',
    reduced_functionality_mode: 'no',
    first_seen: '2026-01-02T10:00:00Z',
    last_seen: new Date().toISOString(),
    ...overrides,
  };
}

function envelope(resources: unknown[], errors: unknown[] = [], pagination?: Record<string, unknown>): Record<string, unknown> {
  return {
    meta: { query_time: 0.004, powered_by: 'device-api', trace_id: randomBytes(8).toString('hex'), ...(pagination ? { pagination } : {}) },
    resources,
    errors,
  };
}

export class FakeFalcon extends FakeVendorServer {
  hosts: Record<string, unknown>[];
  readonly tokens = new Set<string>();
  private readonly pageSize: number;

  constructor(options: { hosts?: Record<string, unknown>[]; pageSize?: number } = {}) {
    super();
    this.hosts = options.hosts ?? [];
    this.pageSize = options.pageSize ?? 5000;
  }

  /** Forgets every issued token, as an expiry would. */
  expireTokens(): void {
    this.tokens.clear();
  }

  protected route({ method, url, headers, body }: VendorRequestInfo): VendorReply {
    if (url.pathname === '/oauth2/token' && method === 'POST') {
      const form = new URLSearchParams(body);
      if (form.get('client_id') !== FALCON_CLIENT_ID || form.get('client_secret') !== FALCON_CLIENT_SECRET) {
        return { status: 403, body: envelope([], [{ code: 403, message: 'Failed to issue access token - Not Authorized' }]) };
      }
      const token = randomBytes(24).toString('base64url');
      this.tokens.add(token);
      return { status: 201, body: { access_token: token, token_type: 'bearer', expires_in: 1799 } };
    }
    const auth = headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !this.tokens.has(auth.slice(7))) {
      return { status: 401, body: envelope([], [{ code: 401, message: 'access denied, invalid bearer token' }]) };
    }
    if (url.pathname === '/devices/queries/devices-scroll/v1' && method === 'GET') {
      const limit = Math.min(intParam(url, 'limit', 100), this.pageSize);
      const token = url.searchParams.get('offset');
      const start = token ? Number(Buffer.from(token, 'base64url').toString('utf8').replace('scroll:', '')) : 0;
      const ids = this.hosts.slice(start, start + limit).map((h) => h.device_id);
      const next = Buffer.from(`scroll:${start + ids.length}`).toString('base64url');
      const expires = Math.floor(Date.now() / 1000) + 120;
      return { status: 200, body: envelope(ids, [], { offset: next, expires_at: expires, total: this.hosts.length, limit }) };
    }
    if (url.pathname === '/devices/entities/devices/v2' && method === 'POST') {
      let ids: unknown;
      try {
        ids = (JSON.parse(body) as { ids?: unknown }).ids;
      } catch {
        return { status: 400, body: envelope([], [{ code: 400, message: 'invalid JSON body' }]) };
      }
      if (!Array.isArray(ids) || ids.length === 0) return { status: 400, body: envelope([], [{ code: 400, message: 'ids is required' }]) };
      const found = this.hosts.filter((h) => ids.includes(h.device_id));
      const missing = ids
        .filter((id) => !found.some((h) => h.device_id === id))
        .map((id) => ({ code: 404, message: `No such device: ${String(id)}` }));
      return { status: found.length === 0 ? 404 : 200, body: envelope(found, missing) };
    }
    return { status: 404, body: envelope([], [{ code: 404, message: 'Not Found' }]) };
  }
}

export async function startFakeFalcon(options: { hosts?: Record<string, unknown>[]; pageSize?: number } = {}): Promise<FakeFalcon> {
  return new FakeFalcon(options).start();
}
