import { FakeVendorServer, intParam, type VendorReply, type VendorRequestInfo } from './kit.js';

/**
 * The SentinelOne Management API v2.1 as documented: `Authorization: ApiToken <token>`,
 * `GET /web/api/v2.1/agents?limit=&cursor=&uuids=` → `{data, pagination: {nextCursor,
 * totalItems}}` (nextCursor null on the last page), errors as
 * `{errors: [{code, detail, title}]}`.
 */
export const S1_API_TOKEN = 'eyJraWQiOiJ0ZXN0LXRva2VuIn0.s1-test-api-token';

/** An agent record shaped like the documented samples; override any field. */
export function s1Agent(uuid: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `22992435691666320${uuid.slice(0, 2).replace(/\D/g, '0')}`,
    uuid,
    accountId: '433241117337583618',
    accountName: 'Example',
    siteName: 'Default site',
    computerName: `DESKTOP-${uuid.slice(0, 6).toUpperCase()}`,
    agentVersion: '23.4.2.14',
    osType: 'windows',
    osName: 'Windows 11 Pro',
    osRevision: '22631',
    machineType: 'laptop',
    serialNumber: null,
    infected: false,
    activeThreats: 0,
    networkStatus: 'connected',
    networkQuarantineEnabled: false,
    isActive: true,
    isDecommissioned: false,
    isUninstalled: false,
    lastActiveDate: new Date().toISOString(),
    networkInterfaces: [{ id: '1569910606888014931', name: 'Ethernet', inet: ['10.1.2.4'], inet6: [], physical: '00:ff:49:4e:ab:f7' }],
    ...overrides,
  };
}

function error(status: number, code: number, title: string): VendorReply {
  return { status, body: { errors: [{ code, detail: null, title }] } };
}

export class FakeSentinelOne extends FakeVendorServer {
  agents: Record<string, unknown>[];
  private readonly pageSize: number;

  constructor(options: { agents?: Record<string, unknown>[]; pageSize?: number } = {}) {
    super();
    this.agents = options.agents ?? [];
    this.pageSize = options.pageSize ?? 1000;
  }

  protected route({ method, url, headers }: VendorRequestInfo): VendorReply {
    if (headers.authorization !== `ApiToken ${S1_API_TOKEN}`) return error(401, 4010010, 'Authentication Failed');
    if (url.pathname !== '/web/api/v2.1/agents' || method !== 'GET') return error(404, 4040010, 'Not Found');
    const uuids = url.searchParams.get('uuids')?.split(',');
    const matching = uuids ? this.agents.filter((a) => uuids.includes(String(a.uuid))) : this.agents;
    const limit = Math.min(intParam(url, 'limit', 10), this.pageSize);
    const cursor = url.searchParams.get('cursor');
    const start = cursor ? Number(Buffer.from(cursor, 'base64').toString('utf8').split(':')[1]) : 0;
    if (!Number.isInteger(start)) return error(400, 4000010, 'Validation Error');
    const data = matching.slice(start, start + limit);
    const nextCursor = start + limit < matching.length ? Buffer.from(`id:${start + limit}`).toString('base64') : null;
    return { status: 200, body: { data, pagination: { nextCursor, totalItems: matching.length } } };
  }
}

export async function startFakeSentinelOne(
  options: { agents?: Record<string, unknown>[]; pageSize?: number } = {},
): Promise<FakeSentinelOne> {
  return new FakeSentinelOne(options).start();
}
