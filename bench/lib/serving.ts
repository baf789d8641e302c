import { now, sleep } from './timing.js';

/**
 * Polls `GET /healthz` back to back while `during` runs, and reports the slowest answer
 * and any that were not 200. The collector serves health from its database, so a write
 * that holds the database shows up here as a slow (or failed) health check.
 */
export async function healthDuring<T>(
  url: string,
  during: () => Promise<T>,
  gapMs = 5,
): Promise<{ result: T; maxMs: number; checks: number; failures: number }> {
  let running = true;
  let maxMs = 0;
  let checks = 0;
  let failures = 0;
  const poller = (async () => {
    while (running) {
      const start = now();
      try {
        const response = await fetch(`${url}/healthz`);
        await response.text();
        if (response.status !== 200) failures++;
      } catch {
        failures++;
      }
      maxMs = Math.max(maxMs, now() - start);
      checks++;
      await sleep(gapMs);
    }
  })();
  let result: T;
  try {
    result = await during();
  } finally {
    running = false;
    await poller;
  }
  return { result, maxMs, checks, failures };
}
