import { createHash } from 'node:crypto';
import { RateLimiter } from '../../limits/rate-limiter.js';
import { VendorError } from '../kit/index.js';
import type { SourceContext } from '../source.js';
import type { KandjiDevice } from './map.js';

/**
 * The Mac's hardware UUID, which Kandji's device list does not carry: it is the `udid` of
 * the per-device details endpoint's `hardware_overview`. One call per Mac would spend
 * Kandji's API budget (10,000 requests per hour per customer, shared with every other
 * integration and script) on every nightly sync, so details are fetched only for Macs that
 * are new or changed since the last sync, within an hourly budget; the rest keep the UUID
 * read before (or match on serial until a later sync reads it).
 */

/** Default share of Kandji's 10,000 requests/hour the details calls may use: half, leaving room for others. */
export const KANDJI_DETAILS_PER_HOUR = 5_000;
const HOUR_MS = 60 * 60_000;
/** Detail requests in flight at once: loopback-fast tests and a polite load on Kandji. */
const CONCURRENCY = 4;

interface Known {
  fingerprint: string;
  udid: string | null;
}

/** What each tenant's Macs looked like at the last sync, in this process. */
const tenants = new Map<string, Map<string, Known>>();
const budgets = new Map<string, RateLimiter>();
const MAX_TENANTS = 1_000;

/** The list fields whose change may mean another machine behind the same record (wiped, swapped board). */
function fingerprintOf(device: KandjiDevice): string {
  return JSON.stringify([device.serial_number ?? null, device.model ?? null, device.platform ?? null, device.device_name ?? null]);
}

const isMac = (device: KandjiDevice) => (device.platform ?? '').toLowerCase() === 'mac';

export type FetchDetails = (deviceId: string, signal: AbortSignal) => Promise<{ hardware_overview?: { udid?: unknown } | null } | null>;

export class KandjiDetails {
  private readonly known: Map<string, Known>;
  private readonly budget: RateLimiter;
  private stopped: string | null = null;
  fetched = 0;
  deferred = 0;

  constructor(
    tenant: { baseUrl: string; apiToken: string; perHour?: number },
    private readonly fetchDetails: FetchDetails,
  ) {
    // The tenant is the API URL and token: no token is kept, only a digest of it.
    const key = `${tenant.baseUrl}#${createHash('sha256').update(tenant.apiToken).digest('hex').slice(0, 16)}`;
    if (!tenants.has(key) && tenants.size >= MAX_TENANTS) tenants.delete(tenants.keys().next().value as string);
    this.known = tenants.get(key) ?? new Map();
    tenants.set(key, this.known);
    const perHour = tenant.perHour ?? KANDJI_DETAILS_PER_HOUR;
    const budgetKey = `${key}@${perHour}`;
    this.budget = budgets.get(budgetKey) ?? new RateLimiter({ limit: perHour, windowMs: HOUR_MS });
    budgets.set(budgetKey, this.budget);
  }

  /** Adds `hardware_overview.udid` to the page's Macs: remembered, fetched, or left out (deferred). */
  async enrich(devices: KandjiDevice[], ctx: SourceContext): Promise<KandjiDevice[]> {
    const todo: KandjiDevice[] = [];
    for (const device of devices) {
      if (!isMac(device) || !device.device_id) continue;
      const known = this.known.get(device.device_id);
      if (known && known.fingerprint === fingerprintOf(device)) continue;
      todo.push(device);
    }
    let next = 0;
    const worker = async () => {
      while (next < todo.length && this.stopped === null && !ctx.signal.aborted) {
        const device = todo[next++] as KandjiDevice;
        if (!this.budget.take('details').ok) {
          this.stopped = 'the hourly budget for Kandji device details is spent';
          break;
        }
        try {
          const details = await this.fetchDetails(device.device_id as string, ctx.signal);
          const udid = details?.hardware_overview?.udid;
          this.known.set(device.device_id as string, {
            fingerprint: fingerprintOf(device),
            udid: typeof udid === 'string' && udid.trim() !== '' ? udid.trim() : null,
          });
          this.fetched++;
        } catch (error) {
          // Details only add the UUID: a failure (429 past its Retry-After, 5xx) ends them for this run, not the sync.
          if (!(error instanceof VendorError) || ctx.signal.aborted) throw error;
          this.stopped = error.message;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, todo.length) }, worker));
    return devices.map((device) => {
      if (!isMac(device) || !device.device_id) return device;
      const known = this.known.get(device.device_id);
      if (!known || known.fingerprint !== fingerprintOf(device)) {
        this.deferred++;
        // A changed record keeps no stale UUID: it matches on serial until its details are read.
        return device;
      }
      return known.udid ? { ...device, hardware_overview: { udid: known.udid } } : device;
    });
  }

  /** Why details stopped early this run (budget, Kandji's own rate limit), if they did. */
  get stopReason(): string | null {
    return this.stopped;
  }
}
