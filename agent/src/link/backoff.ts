/**
 * Reconnect delays: exponential with full jitter and a cap, so a collector restart does
 * not bring every agent back in the same second.
 */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(baseMs / 2 + random() * (ceiling - baseMs / 2));
}
