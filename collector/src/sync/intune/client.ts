import { ClientCredentialsToken, requireArray, VendorClient } from '../kit/index.js';
import type { SourceContext } from '../source.js';
import { INTUNE_SELECT, type IntuneManagedDevice } from './map.js';

export const INTUNE_VENDOR = 'Microsoft Intune';
const ENTRA_VENDOR = 'Microsoft Entra ID';
export const DEFAULT_LOGIN_URL = 'https://login.microsoftonline.com';
export const DEFAULT_GRAPH_URL = 'https://graph.microsoft.com';
export const INTUNE_MAX_PAGE_SIZE = 1000;
// Each device stores up to two MAC rows; 250 keeps a page within one SQLite insert (500 rows).
export const DEFAULT_PAGE_SIZE = 250;
const DEVICES_PATH = 'v1.0/deviceManagement/managedDevices';

export type IntuneConfig = {
  /** The Entra ID tenant (directory) ID or a verified domain. */
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Sovereign clouds (and tests) use other hosts. */
  loginUrl?: string;
  graphUrl?: string;
  pageSize?: number;
};

interface GraphPage {
  value?: unknown;
  '@odata.nextLink'?: unknown;
}

/**
 * Microsoft Graph client for Intune: an app registration's client secret buys a token from
 * Entra ID (client credentials, scope `<graph>/.default`); managed devices are listed with
 * `$select`/`$top` and followed through `@odata.nextLink`, only ever on the Graph host.
 * Graph throttles with 429 + Retry-After, which the shared client honours.
 */
export class IntuneClient {
  private readonly graph: VendorClient;
  private signal: AbortSignal = new AbortController().signal;

  constructor(
    private readonly config: IntuneConfig,
    deps: { fetch?: typeof fetch },
  ) {
    const graphUrl = config.graphUrl ?? DEFAULT_GRAPH_URL;
    const secrets = [config.clientSecret];
    const login = new VendorClient({
      vendor: ENTRA_VENDOR,
      baseUrl: config.loginUrl ?? DEFAULT_LOGIN_URL,
      secrets,
      hints: { 400: 'check the tenant ID, client ID and client secret', 401: 'check the client ID and client secret' },
      fetch: deps.fetch,
    });
    const token = new ClientCredentialsToken(login, {
      tokenPath: `${encodeURIComponent(config.tenantId)}/oauth2/v2.0/token`,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      form: { scope: `${new URL(graphUrl).origin}/.default` },
      signal: () => this.signal,
    });
    this.graph = new VendorClient({
      vendor: INTUNE_VENDOR,
      baseUrl: graphUrl,
      secrets,
      auth: (refresh) => token.header(refresh),
      hints: {
        401: 'check the client ID and client secret',
        403: 'grant the app registration the DeviceManagementManagedDevices.Read.All application permission, with admin consent',
      },
      fetch: deps.fetch,
    });
  }

  async probe(ctx: SourceContext): Promise<void> {
    this.signal = ctx.signal;
    const response = await this.graph.json<GraphPage | null>({ path: DEVICES_PATH, query: { $select: 'id', $top: 1 } }, ctx.signal);
    requireArray(response.body?.value, INTUNE_VENDOR, 'a value list');
  }

  async *pages(ctx: SourceContext): AsyncGenerator<IntuneManagedDevice[]> {
    this.signal = ctx.signal;
    const top = this.config.pageSize ?? DEFAULT_PAGE_SIZE;
    let request: { path: string; query?: Record<string, string | number> } = {
      path: DEVICES_PATH,
      query: { $select: INTUNE_SELECT.join(','), $top: top },
    };
    for (let index = 0; ; index++) {
      const response = await this.graph.json<GraphPage | null>(request, ctx.signal);
      const devices = requireArray<IntuneManagedDevice>(response.body?.value, INTUNE_VENDOR, 'a value list');
      ctx.log.debug({ vendor: INTUNE_VENDOR, page: index, devices: devices.length }, 'inventory page read');
      if (devices.length > 0) yield devices;
      const next = response.body?.['@odata.nextLink'];
      if (typeof next !== 'string' || next === '') return;
      // The link carries its own query; VendorClient refuses one that leaves the Graph host.
      request = { path: next };
    }
  }
}
