import type { SyncSchedule } from '../domain/integration.js';

const HOUR = 3_600_000;

/**
 * When an integration next syncs. Interval schedules (EDR every few minutes) repeat
 * from now; nightly ones run at the configured UTC hour (02:00 by default) plus a
 * per-run jitter of up to an hour, so a fleet of tenants does not hit vendors at once.
 */
export function nextSyncAt(
  schedule: SyncSchedule | null,
  defaultIntervalMinutes: number | null,
  now: number,
  random = Math.random,
): number | null {
  if (schedule?.enabled === false) return null;
  const interval = schedule?.intervalMinutes ?? (schedule?.hourUtc === undefined ? defaultIntervalMinutes : null);
  if (interval !== null && interval !== undefined) return now + interval * 60_000;
  const hour = schedule?.hourUtc ?? 2;
  const day = new Date(now);
  let at = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hour);
  if (at <= now) at += 24 * HOUR;
  return at + Math.floor(random() * HOUR);
}
