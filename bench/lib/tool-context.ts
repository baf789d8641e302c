import type { BenchContext } from './figure.js';
import { dropMigratedTemplate, type DbKind } from './targets.js';

/**
 * What a tool under bench/tools/ runs figures' helpers with, outside `npm run bench`: one
 * database, every figure wanted, logs to stderr. `cleanup()` runs what was deferred, last
 * first, whatever fails.
 */
export function toolContext(kind: DbKind, scale: 'small' | 'full' = 'small'): { ctx: BenchContext; cleanup(): Promise<void> } {
  const deferred: (() => unknown)[] = [];
  const ctx = {
    scale,
    factor: scale === 'small' ? 0.1 : 1,
    databases: [kind],
    postgresUnavailable: null,
    soakMinutes: null,
    wants: () => true,
    log: (message: string) => console.error(message),
    defer: (cleanup: () => unknown) => void deferred.push(cleanup),
  } as unknown as BenchContext;
  return {
    ctx,
    async cleanup() {
      for (const cleanup of deferred.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
      await dropMigratedTemplate().catch(() => undefined);
    },
  };
}
