import { requireArray, VendorClient } from '../kit/index.js';
import type { SourceContext } from '../source.js';
import { KandjiDetails } from './details.js';
import type { KandjiDevice } from './map.js';

export const KANDJI_VENDOR = 'Kandji';
/** Kandji's documented maximum `limit`. */
export const KANDJI_MAX_PAGE_SIZE = 300;

export type KandjiConfig = {
  /** The tenant's API URL, e.g. https://acme.api.kandji.io (EU: acme.api.eu.kandji.io). */
  baseUrl: string;
  apiToken: string;
  pageSize?: number;
  /** Device-details calls allowed per hour (for the Macs' hardware UUIDs); 0 turns them off. */
  detailsPerHour?: number;
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
      hints: { 401: 'check the API token', 403: 'give the API token the "Device list" and "Device details" permissions' },
      fetch: deps.fetch,
    });
  }

  async probe(ctx: SourceContext): Promise<void> {
    await this.page(0, 1, ctx.signal);
  }

  /** Every device, page by page; Macs carry the hardware UUID from the details endpoint where read. */
  async *pages(ctx: SourceContext): AsyncGenerator<KandjiDevice[]> {
    const limit = this.config.pageSize ?? KANDJI_MAX_PAGE_SIZE;
    const details =
      this.config.detailsPerHour === 0
        ? null
        : new KandjiDetails(
            { baseUrl: this.config.baseUrl, apiToken: this.config.apiToken, perHour: this.config.detailsPerHour },
            (id, signal) => this.details(id, signal),
          );
    for (let offset = 0; ;) {
      const devices = await this.page(offset, limit, ctx.signal);
      ctx.log.debug({ vendor: KANDJI_VENDOR, offset, devices: devices.length }, 'inventory page read');
      if (devices.length > 0) yield details ? await details.enrich(devices, ctx) : devices;
      if (devices.length < limit) break;
      offset += devices.length;
    }
    if (details && (details.fetched > 0 || details.deferred > 0))
      ctx.log.info(
        {
          vendor: KANDJI_VENDOR,
          detailsRead: details.fetched,
          macsWithoutUuid: details.deferred,
          stoppedBecause: details.stopReason ?? undefined,
        },
        'Kandji device details read for new or changed Macs',
      );
  }

  /** `GET /api/v1/devices/{device_id}/details`: `hardware_overview.udid` is the Mac's hardware UUID. */
  private async details(deviceId: string, signal: AbortSignal): Promise<{ hardware_overview?: { udid?: unknown } | null } | null> {
    const response = await this.http.json<{ hardware_overview?: { udid?: unknown } | null } | null>(
      { path: `api/v1/devices/${encodeURIComponent(deviceId)}/details`, headers: { authorization: `Bearer ${this.config.apiToken}` } },
      signal,
    );
    return response.body;
  }

  private async page(offset: number, limit: number, signal: AbortSignal): Promise<KandjiDevice[]> {
    const response = await this.http.json<unknown>(
      { path: 'api/v1/devices', query: { limit, offset }, headers: { authorization: `Bearer ${this.config.apiToken}` } },
      signal,
    );
    return requireArray<KandjiDevice>(response.body, KANDJI_VENDOR, 'a device list');
  }
}
