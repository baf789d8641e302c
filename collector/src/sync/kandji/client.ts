import { requireArray } from '../http/source-kit.js';
import { VendorClient } from '../http/vendor-client.js';
import type { SourceContext } from '../source.js';
import type { KandjiDevice } from './map.js';

export const KANDJI_VENDOR = 'Kandji';
/** Kandji's documented maximum `limit`. */
export const KANDJI_MAX_PAGE_SIZE = 300;

export type KandjiConfig = {
  /** The tenant's API URL, e.g. https://acme.api.kandji.io (EU: acme.api.eu.kandji.io). */
  baseUrl: string;
  apiToken: string;
  pageSize?: number;
};

/**
 * Kandji API client: a bearer API token; `GET /api/v1/devices` answers a bare array paged
 * by `limit` and `offset`, with no total: a page shorter than `limit` is the last one.
 */
export class KandjiClient {
  private readonly http: VendorClient;

  constructor(
    private readonly config: KandjiConfig,
    deps: { fetch?: typeof fetch },
  ) {
    this.http = new VendorClient({
      vendor: KANDJI_VENDOR,
      baseUrl: config.baseUrl,
      secrets: [config.apiToken],
      hints: { 401: 'check the API token', 403: 'give the API token the "Device list" permission' },
      fetch: deps.fetch,
    });
  }

  async probe(ctx: SourceContext): Promise<void> {
    await this.page(0, 1, ctx.signal);
  }

  async *pages(ctx: SourceContext): AsyncGenerator<KandjiDevice[]> {
    const limit = this.config.pageSize ?? KANDJI_MAX_PAGE_SIZE;
    for (let offset = 0; ;) {
      const devices = await this.page(offset, limit, ctx.signal);
      ctx.log.debug({ vendor: KANDJI_VENDOR, offset, devices: devices.length }, 'inventory page read');
      if (devices.length > 0) yield devices;
      if (devices.length < limit) return;
      offset += devices.length;
    }
  }

  private async page(offset: number, limit: number, signal: AbortSignal): Promise<KandjiDevice[]> {
    const response = await this.http.json<unknown>(
      { path: 'api/v1/devices', query: { limit, offset }, headers: { authorization: `Bearer ${this.config.apiToken}` } },
      signal,
    );
    return requireArray<KandjiDevice>(response.body, KANDJI_VENDOR, 'a device list');
  }
}
