import { clientOptions, VendorClient, VendorError, type VendorRequest, type VendorResponse, withVendorRetryAfter } from '../kit/index.js';
import type { SourceDeps } from '../source.js';
import type { AmpComputer } from './map.js';

export interface SecureEndpointConfig {
  /** Regional API host: https://api.amp.cisco.com, https://api.eu.amp.cisco.com or https://api.apjc.amp.cisco.com. */
  baseUrl: string;
  clientId: string;
  apiKey: string;
}

/** The v1 envelope: `{version, metadata: {links: {self, next?}, results: {total, …}}, data}`. */
interface AmpEnvelope<T> {
  metadata?: { links?: { next?: unknown }; results?: { total?: unknown } };
  data?: T;
}

const PAGE_SIZE = 500; // the API's documented maximum for /v1/computers
const MAX_PAGES = 10_000;

/** Cisco answers 429 with X-RateLimit-Reset: seconds until the hourly window resets. */
function rateLimitWait(headers: Headers): number | null {
  const value = headers.get('x-ratelimit-reset') ?? headers.get('x-rate-limit-reset');
  return value !== null && /^\d+$/.test(value.trim()) ? Number(value) : null;
}

/** Connector GUIDs as the API spells them: lower case, dashed. */
export function canonicalGuid(raw: string): string {
  const hex = raw.replace(/[\s{}-]/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex)
    ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    : raw.trim();
}

/**
 * Secure Endpoint API v1: HTTP Basic with the API client ID and key, offset paging
 * followed through `metadata.links.next`.
 */
export class SecureEndpointClient {
  private readonly sync: VendorClient;
  private readonly quick: VendorClient;
  /** Static credentials: the header goes on every request, and a 401 is final. */
  private readonly headers: Record<string, string>;

  constructor(config: SecureEndpointConfig, deps: SourceDeps) {
    const basic = `Basic ${Buffer.from(`${config.clientId}:${config.apiKey}`).toString('base64')}`;
    const options = clientOptions({
      vendor: 'Cisco Secure Endpoint',
      baseUrl: config.baseUrl,
      secrets: [config.apiKey, basic],
      hints: {
        401: 'check the API client ID and API key',
        403: 'the API credentials lack read access to computers',
        404: 'check the base URL (api.amp.cisco.com, api.eu.amp.cisco.com or api.apjc.amp.cisco.com)',
      },
      fetch: withVendorRetryAfter(deps.fetch ?? fetch, rateLimitWait),
    });
    this.sync = new VendorClient(options.sync);
    this.quick = new VendorClient(options.lookup);
    this.headers = { authorization: basic };
  }

  /** One computer, to check the credentials; returns the total the API reports. */
  async count(signal: AbortSignal): Promise<number | null> {
    const response = await this.sync.json<AmpEnvelope<AmpComputer[]>>(
      { path: 'v1/computers', query: { limit: 1 }, headers: this.headers },
      signal,
    );
    const total = Number(response.body?.metadata?.results?.total);
    return Number.isFinite(total) ? total : null;
  }

  async *computers(signal: AbortSignal): AsyncIterable<AmpComputer[]> {
    let next: string | null = null;
    const seen = new Set<string>();
    for (let page = 0; page < MAX_PAGES; page++) {
      const request: VendorRequest = next === null ? { path: 'v1/computers', query: { limit: PAGE_SIZE, offset: 0 } } : { path: next };
      const response: VendorResponse<AmpEnvelope<AmpComputer[]>> = await this.sync.json({ ...request, headers: this.headers }, signal);
      const data = response.body?.data;
      if (!Array.isArray(data)) throw new VendorError('VENDOR_BAD_RESPONSE', 'Cisco Secure Endpoint answered without a list of computers');
      if (data.length > 0) yield data;
      const link: unknown = response.body?.metadata?.links?.next;
      if (typeof link !== 'string' || link === '' || data.length === 0) return;
      if (seen.has(link)) throw new VendorError('VENDOR_BAD_RESPONSE', 'Cisco Secure Endpoint returned the same next page twice');
      seen.add(link);
      next = link;
    }
    throw new VendorError('VENDOR_BAD_RESPONSE', `Cisco Secure Endpoint listed more than ${MAX_PAGES} pages`);
  }

  /** `GET /v1/computers/{connector_guid}`; null when Secure Endpoint does not know it. */
  async computer(connectorId: string, signal: AbortSignal): Promise<AmpComputer | null> {
    try {
      const response = await this.quick.json<AmpEnvelope<AmpComputer>>(
        { path: `v1/computers/${encodeURIComponent(canonicalGuid(connectorId))}`, headers: this.headers },
        signal,
      );
      const data = response.body?.data;
      if (data === null || typeof data !== 'object' || Array.isArray(data)) {
        throw new VendorError('VENDOR_BAD_RESPONSE', 'Cisco Secure Endpoint answered without a computer');
      }
      return data;
    } catch (error) {
      if (error instanceof VendorError && error.code === 'VENDOR_NOT_FOUND') return null;
      throw error;
    }
  }
}
