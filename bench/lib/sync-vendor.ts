import type { BenchContext } from './figure.js';
import { BenchChild } from './proc.js';

/**
 * The loopback Kandji a sync beside decisions reads (bench/children/kandji-vendor.ts), in a
 * process of its own. It keeps no state between syncs (each page is made from its number), so
 * one serves every database a group runs on.
 */
export interface SyncVendor {
  url: string;
  apiToken: string;
  /** Devices in its inventory. */
  count: number;
  pid: number;
  stop(): Promise<void>;
}

const API_TOKEN = 'bench-kandji-decision-token-0001';

/** Starts the vendor; it is stopped when the group ends. */
export async function startSyncVendor(ctx: BenchContext, count: number): Promise<SyncVendor> {
  const vendor = await BenchChild.start<{ url: string }>('kandji-vendor.ts', {
    env: { BENCH_DEVICES: String(count), BENCH_API_TOKEN: API_TOKEN },
  });
  ctx.defer(() => vendor.stop());
  return { url: vendor.ready.url, apiToken: API_TOKEN, count, pid: vendor.pid, stop: () => vendor.stop() };
}
