import { basicAuth, requireArray, VendorClient } from '../kit/index.js';
import type { SourceContext } from '../source.js';
import { MOBILEIRON_FIELDS, type MobileIronDevice } from './map.js';

export const MOBILEIRON_VENDOR = 'MobileIron Core';
export const MOBILEIRON_MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 200;

export type MobileIronCoreConfig = {
  baseUrl: string;
  username: string;
  password: string;
  /** The admin device space (1 is the global space). */
  spaceId: number;
  pageSize?: number;
};

interface DevicesPage {
  results?: unknown;
  totalCount?: number;
  resultCount?: number;
  hasMore?: boolean;
}

/**
 * MobileIron Core (Ivanti EPMM) v2 API client: HTTP Basic with an admin that holds the API
 * role; `GET /api/v2/devices` within one admin device space, paged by `limit` and `offset`.
 */
export class MobileIronCoreClient {
  private readonly http: VendorClient;
  private readonly authorization: string;

  constructor(
    private readonly config: MobileIronCoreConfig,
    deps: { fetch?: typeof fetch },
  ) {
    this.authorization = basicAuth(config.username, config.password);
    this.http = new VendorClient({
      vendor: MOBILEIRON_VENDOR,
      baseUrl: config.baseUrl,
      // A vendor that echoes the request header would echo the encoded form.
      secrets: [config.password, this.authorization.slice('Basic '.length)],
      hints: {
        401: 'check the username and password',
        403: 'give the admin account the "API" role in this device space',
        404: 'check the base URL and the device space ID',
      },
      fetch: deps.fetch,
    });
  }

  async count(ctx: SourceContext): Promise<number> {
    const page = await this.page(0, 1, ctx.signal);
    return typeof page.totalCount === 'number' ? page.totalCount : requireArray(page.results, MOBILEIRON_VENDOR, 'a results list').length;
  }

  async *pages(ctx: SourceContext): AsyncGenerator<MobileIronDevice[]> {
    const limit = this.config.pageSize ?? DEFAULT_PAGE_SIZE;
    for (let offset = 0; ;) {
      const page = await this.page(offset, limit, ctx.signal);
      const results = requireArray<MobileIronDevice>(page.results, MOBILEIRON_VENDOR, 'a results list');
      ctx.log.debug({ vendor: MOBILEIRON_VENDOR, offset, devices: results.length, total: page.totalCount }, 'inventory page read');
      if (results.length > 0) yield results;
      offset += results.length;
      const more =
        typeof page.hasMore === 'boolean'
          ? page.hasMore
          : typeof page.totalCount === 'number'
            ? offset < page.totalCount
            : results.length >= limit;
      if (results.length === 0 || !more) return;
    }
  }

  private async page(offset: number, limit: number, signal: AbortSignal): Promise<DevicesPage> {
    const response = await this.http.json<DevicesPage | null>(
      {
        path: 'api/v2/devices',
        query: { adminDeviceSpaceId: this.config.spaceId, query: '', fields: MOBILEIRON_FIELDS.join(','), limit, offset },
        headers: { authorization: this.authorization },
      },
      signal,
    );
    return response.body ?? {};
  }
}
