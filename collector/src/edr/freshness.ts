import type { Integration } from '../domain/integration.js';
import { DEFAULT_EDR_INTERVAL_MINUTES } from '../sync/kit/edr.js';

const MINUTE = 60_000;

/** How many sync intervals an EDR integration's data stays usable by default. */
export const FRESHNESS_INTERVALS = 3;

/**
 * The freshness bound of an EDR integration (ms): `config.freshnessMinutes` when set,
 * else three sync intervals (the integration's schedule, or the kind's default), so one
 * or two failed syncs do not turn every verdict "unknown", but an outage does.
 */
export function freshnessBoundMs(integration: Integration, defaultIntervalMinutes: number | null): number {
  const configured = integration.config.freshnessMinutes;
  if (typeof configured === 'number' && configured > 0) return configured * MINUTE;
  const interval = integration.schedule?.intervalMinutes ?? defaultIntervalMinutes ?? DEFAULT_EDR_INTERVAL_MINUTES;
  return FRESHNESS_INTERVALS * interval * MINUTE;
}

/** "just now", "4 min", "3 h 5 min", "2 d" — for reasons an admin reads. */
export function describeDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / MINUTE);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d`;
}

export interface Freshness {
  fresh: boolean;
  /** "synced 4 min ago, within the 15 min bound" / "never synced successfully". */
  description: string;
}

export function freshnessOf(syncedAt: number | null, boundMs: number, now: number): Freshness {
  const bound = describeDuration(boundMs);
  if (syncedAt === null) return { fresh: false, description: `never synced successfully (freshness bound ${bound})` };
  const age = now - syncedAt;
  return age <= boundMs
    ? { fresh: true, description: `synced ${describeDuration(age)} ago, within the ${bound} freshness bound` }
    : { fresh: false, description: `last synced ${describeDuration(age)} ago, beyond the ${bound} freshness bound` };
}
