import {
  ClientCredentialsToken,
  clientOptions,
  VendorClient,
  type VendorClientOptions,
  VendorError,
  withVendorRetryAfter,
} from '../kit/index.js';
import type { SourceDeps } from '../source.js';
import type { FalconHost } from './map.js';

export interface FalconConfig {
  /** Cloud API host: https://api.crowdstrike.com (US-1), api.us-2…, api.eu-1…, api.laggar.gcw…. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

/** Falcon's envelope: `{meta: {pagination?: {offset, total, limit}}, resources, errors}`. */
interface FalconEnvelope<T> {
  meta?: { pagination?: { offset?: unknown; total?: unknown } };
  resources?: T[];
}

const PAGE_SIZE = 1_000; // both the scroll query and the entities POST take up to 5000
const MAX_PAGES = 10_000;

/** Falcon answers 429 with X-RateLimit-RetryAfter: the epoch second when calls may resume. */
function rateLimitWait(headers: Headers, now: number): number | null {
  const value = headers.get('x-ratelimit-retryafter');
  return value !== null && /^\d+$/.test(value.trim()) ? Number(value) - now / 1000 : null;
}

/** Agent IDs (AIDs) as the API spells them: 32 lower-case hex digits. */
export function canonicalAid(raw: string): string {
  return raw.replace(/[\s{}-]/g, '').toLowerCase();
}

/** A client whose requests carry a client-credentials token from the same host. */
function oauthClient(options: VendorClientOptions, config: FalconConfig, signal: () => AbortSignal): VendorClient {
  let token: ClientCredentialsToken | null = null;
  const client = new VendorClient({ ...options, auth: async (refresh) => (token as ClientCredentialsToken).header(refresh) });
  token = new ClientCredentialsToken(client, {
    tokenPath: 'oauth2/token',
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    signal,
  });
  return client;
}

/**
 * Falcon Hosts API: OAuth 2.0 client credentials, host IDs from the scroll query
 * (`/devices/queries/devices-scroll/v1`, an offset token), details from
 * `POST /devices/entities/devices/v2`.
 */
export class FalconClient {
  private readonly sync: VendorClient;
  private readonly quick: VendorClient;
  /** The signal of the call in progress; a token request it triggers shares it. */
  private signal: AbortSignal = new AbortController().signal;

  constructor(config: FalconConfig, deps: SourceDeps) {
    const options = clientOptions({
      vendor: 'CrowdStrike Falcon',
      baseUrl: config.baseUrl,
      secrets: [config.clientSecret],
      hints: {
        401: 'check the API client ID and secret',
        403: 'check the API client ID and secret, and that the API client has the Hosts: Read scope',
        404: 'check the base URL (the API host of your Falcon cloud)',
      },
      fetch: withVendorRetryAfter(deps.fetch ?? fetch, rateLimitWait),
    });
    this.sync = oauthClient(options.sync, config, () => this.signal);
    this.quick = oauthClient(options.lookup, config, () => this.signal);
  }

  private async query(offset: string | undefined, limit: number, signal: AbortSignal): Promise<FalconEnvelope<string>> {
    this.signal = signal;
    const response = await this.sync.json<FalconEnvelope<string>>(
      { path: 'devices/queries/devices-scroll/v1', query: { limit, offset } },
      signal,
    );
    if (!Array.isArray(response.body?.resources))
      throw new VendorError('VENDOR_BAD_RESPONSE', 'CrowdStrike Falcon answered without a list of host IDs');
    return response.body as FalconEnvelope<string>;
  }

  private async details(client: VendorClient, ids: string[], signal: AbortSignal): Promise<FalconHost[]> {
    this.signal = signal;
    const response = await client.json<FalconEnvelope<FalconHost>>(
      {
        method: 'POST',
        path: 'devices/entities/devices/v2',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ids }),
      },
      signal,
    );
    const hosts = response.body?.resources ?? [];
    if (!Array.isArray(hosts)) throw new VendorError('VENDOR_BAD_RESPONSE', 'CrowdStrike Falcon answered without host details');
    return hosts;
  }

  async count(signal: AbortSignal): Promise<number | null> {
    const total = Number((await this.query(undefined, 1, signal)).meta?.pagination?.total);
    return Number.isFinite(total) ? total : null;
  }

  async *hosts(signal: AbortSignal): AsyncIterable<FalconHost[]> {
    let offset: string | undefined;
    let fetched = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await this.query(offset, PAGE_SIZE, signal);
      const ids = (result.resources ?? []).filter((id): id is string => typeof id === 'string');
      if (ids.length === 0) return;
      yield await this.details(this.sync, ids, signal);
      fetched += ids.length;
      const next = result.meta?.pagination?.offset;
      const total = Number(result.meta?.pagination?.total);
      if (typeof next !== 'string' || next === '' || (Number.isFinite(total) && fetched >= total)) return;
      if (next === offset) throw new VendorError('VENDOR_BAD_RESPONSE', 'CrowdStrike Falcon returned the same scroll offset twice');
      offset = next;
    }
    throw new VendorError('VENDOR_BAD_RESPONSE', `CrowdStrike Falcon listed more than ${MAX_PAGES} pages`);
  }

  /** The host with this AID; null when Falcon does not know it. */
  async host(aid: string, signal: AbortSignal): Promise<FalconHost | null> {
    try {
      const [host] = await this.details(this.quick, [canonicalAid(aid)], signal);
      return host ?? null;
    } catch (error) {
      if (error instanceof VendorError && error.code === 'VENDOR_NOT_FOUND') return null;
      throw error;
    }
  }
}
