import { ClientCredentialsToken, requireArray, VendorClient } from '../kit/index.js';
import type { SourceContext } from '../source.js';
import type { JamfComputer, JamfMobileDevice } from './map.js';

export const JAMF_VENDOR = 'Jamf Pro';
export const JAMF_MAX_PAGE_SIZE = 2000;
// Each computer stores up to two MAC rows; 250 keeps a page within one SQLite insert (500 rows).
export const DEFAULT_PAGE_SIZE = 250;
// `section` repeats, which a query object cannot express; paging parameters are added per call.
const INVENTORY_PATH = 'api/v1/computers-inventory?section=GENERAL&section=HARDWARE&section=USER_AND_LOCATION';
const MOBILE_PATH = 'api/v2/mobile-devices/detail?section=GENERAL&section=HARDWARE&section=USER_AND_LOCATION';

export type JamfProConfig = {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  pageSize?: number;
  /** Also sync mobile devices (iPhones, iPads): needs the "Read Mobile Devices" privilege. */
  mobileDevices?: boolean;
};

interface InventoryPage {
  totalCount?: number;
  results?: unknown;
}

/**
 * Jamf Pro API client: an API client's ID and secret buy a short-lived bearer token at
 * `POST /api/oauth/token` (renewed before expiry, and on a 401); the computer inventory is
 * read with 0-based `page` and `page-size`, sorted by id so pages stay stable.
 */
export class JamfProClient {
  private readonly http: VendorClient;
  private signal: AbortSignal = new AbortController().signal;

  constructor(
    private readonly config: JamfProConfig,
    deps: { fetch?: typeof fetch },
  ) {
    const secrets = [config.clientSecret];
    const hints = { 400: 'check the client ID and secret', 401: 'check the client ID and secret' };
    const tokenClient = new VendorClient({ vendor: JAMF_VENDOR, baseUrl: config.baseUrl, secrets, hints, fetch: deps.fetch });
    const token = new ClientCredentialsToken(tokenClient, {
      tokenPath: 'api/oauth/token',
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      signal: () => this.signal,
    });
    this.http = new VendorClient({
      vendor: JAMF_VENDOR,
      baseUrl: config.baseUrl,
      secrets,
      auth: (refresh) => token.header(refresh),
      hints: {
        401: 'check the client ID and secret',
        403: config.mobileDevices
          ? 'give the API client a role with the "Read Computers" and "Read Mobile Devices" privileges'
          : 'give the API client a role with the "Read Computers" privilege',
      },
      fetch: deps.fetch,
    });
  }

  async count(ctx: SourceContext): Promise<number> {
    this.signal = ctx.signal;
    const page = await this.page(0, 1, ctx.signal);
    return typeof page.totalCount === 'number' ? page.totalCount : requireArray(page.results, JAMF_VENDOR, 'a results list').length;
  }

  async *pages(ctx: SourceContext): AsyncGenerator<JamfComputer[]> {
    yield* this.listed<JamfComputer>(ctx, INVENTORY_PATH, 'id:asc');
  }

  /** `GET /api/v2/mobile-devices/detail`: the same paging, sorted by mobileDeviceId. */
  async *mobilePages(ctx: SourceContext): AsyncGenerator<JamfMobileDevice[]> {
    yield* this.listed<JamfMobileDevice>(ctx, MOBILE_PATH, 'mobileDeviceId:asc');
  }

  private async *listed<T>(ctx: SourceContext, listPath: string, sort: string): AsyncGenerator<T[]> {
    this.signal = ctx.signal;
    const size = this.config.pageSize ?? DEFAULT_PAGE_SIZE;
    let seen = 0;
    for (let index = 0; ; index++) {
      const page = await this.page(index, size, ctx.signal, listPath, sort);
      const results = requireArray<T>(page.results, JAMF_VENDOR, 'a results list');
      seen += results.length;
      ctx.log.debug(
        { vendor: JAMF_VENDOR, list: listPath.split('?')[0], page: index, devices: results.length, total: page.totalCount },
        'inventory page read',
      );
      if (results.length > 0) yield results;
      const total = typeof page.totalCount === 'number' ? page.totalCount : null;
      if (results.length === 0 || (total !== null ? seen >= total : results.length < size)) return;
    }
  }

  private async page(index: number, size: number, signal: AbortSignal, listPath = INVENTORY_PATH, sort = 'id:asc'): Promise<InventoryPage> {
    const response = await this.http.json<InventoryPage | null>(
      { path: listPath, query: { page: index, 'page-size': size, sort } },
      signal,
    );
    return response.body ?? {};
  }
}
