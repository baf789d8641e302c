/**
 * Reconnect delays: exponential with full jitter and a cap, so a collector restart does
 * not bring every agent back in the same second.
 */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(baseMs / 2 + random() * (ceiling - baseMs / 2));
}

/**
 * The wait the collector asked for (a database fault: close 1013 with `retry-after`),
 * spread over [asked, 2 × asked] so a fleet closed in the same second does not return in
 * the same second either.
 */
export function retryAfterDelay(retryAfterSec: number, random = Math.random): number {
  return Math.floor(retryAfterSec * 1000 * (1 + random()));
}
