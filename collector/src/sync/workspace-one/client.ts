import { basicAuth, ClientCredentialsToken, requireArray, VendorClient } from '../kit/index.js';
import type { SourceContext } from '../source.js';
import type { WorkspaceOneDevice } from './map.js';

export const WS1_VENDOR = 'Workspace ONE UEM';
export const WS1_MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 500;
const SEARCH_PATH = 'API/mdm/devices/search';

type Common = {
  baseUrl: string;
  /** The REST API key (`aw-tenant-code`) from Groups & Settings → System → Advanced → API → REST API. */
  tenantCode: string;
  pageSize?: number;
};
export type WorkspaceOneConfig = Common &
  ({ username: string; password: string } | { clientId: string; clientSecret: string; tokenUrl: string });

interface SearchPage {
  Devices?: unknown;
  Total?: number;
  Page?: number;
  PageSize?: number;
}

/**
 * Workspace ONE UEM REST client: every call carries the `aw-tenant-code` API key plus either
 * an admin's Basic credentials or an OAuth client-credentials token from the regional token
 * URL. Devices are searched with 0-based `page` and `pagesize`; a search that matches no
 * device answers 204 with no body.
 */
export class WorkspaceOneClient {
  private readonly http: VendorClient;
  private readonly headers: Record<string, string>;
  private signal: AbortSignal = new AbortController().signal;

  constructor(
    private readonly config: WorkspaceOneConfig,
    deps: { fetch?: typeof fetch },
  ) {
    this.headers = { 'aw-tenant-code': config.tenantCode, accept: 'application/json;version=1' };
    const secrets = [config.tenantCode];
    let auth: ((refresh: boolean) => Promise<Record<string, string>>) | undefined;
    if ('username' in config) {
      this.headers.authorization = basicAuth(config.username, config.password);
      secrets.push(config.password, this.headers.authorization.slice('Basic '.length));
    } else {
      secrets.push(config.clientSecret);
      const hints = { 400: 'check the client ID and secret', 401: 'check the client ID and secret' };
      const tokenClient = new VendorClient({ vendor: WS1_VENDOR, baseUrl: config.tokenUrl, secrets, hints, fetch: deps.fetch });
      const token = new ClientCredentialsToken(tokenClient, {
        tokenPath: config.tokenUrl,
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        signal: () => this.signal,
      });
      auth = (refresh) => token.header(refresh);
    }
    const credentials = 'username' in config ? 'the username, password' : 'the OAuth client';
    this.http = new VendorClient({
      vendor: WS1_VENDOR,
      baseUrl: config.baseUrl,
      secrets,
      ...(auth ? { auth } : {}),
      hints: {
        401: `check ${credentials} and the tenant code (API key)`,
        403: 'give the admin role REST API access to devices in this organization group',
      },
      fetch: deps.fetch,
    });
  }

  async count(ctx: SourceContext): Promise<number> {
    this.signal = ctx.signal;
    const page = await this.page(0, 1, ctx.signal);
    return typeof page.Total === 'number'
      ? page.Total
      : page.Devices === undefined
        ? 0
        : requireArray(page.Devices, WS1_VENDOR, 'a Devices list').length;
  }

  async *pages(ctx: SourceContext): AsyncGenerator<WorkspaceOneDevice[]> {
    this.signal = ctx.signal;
    const size = this.config.pageSize ?? DEFAULT_PAGE_SIZE;
    let seen = 0;
    for (let index = 0; ; index++) {
      const page = await this.page(index, size, ctx.signal);
      // 204 (no body) means no device matched: an empty page, not a broken answer.
      const devices = page.Devices === undefined ? [] : requireArray<WorkspaceOneDevice>(page.Devices, WS1_VENDOR, 'a Devices list');
      seen += devices.length;
      ctx.log.debug({ vendor: WS1_VENDOR, page: index, devices: devices.length, total: page.Total }, 'inventory page read');
      if (devices.length > 0) yield devices;
      const total = typeof page.Total === 'number' ? page.Total : null;
      if (devices.length === 0 || (total !== null ? seen >= total : devices.length < size)) return;
    }
  }

  private async page(index: number, size: number, signal: AbortSignal): Promise<SearchPage> {
    const response = await this.http.json<SearchPage | null>(
      { path: SEARCH_PATH, query: { page: index, pagesize: size }, headers: this.headers },
      signal,
    );
    return response.body ?? {};
  }
}
