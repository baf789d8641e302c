import { setTimeout as sleep } from 'node:timers/promises';
import type { TestCollector } from '../../../../test/support/collector.js';
import type { Inventory, VendorTestServer } from '../../vendors/mdm/server-kit.js';

/** Backoff short enough for loopback servers; attempts stay at the production default. */
export const FAST_RETRY = { retry: { baseDelayMs: 2, maxDelayMs: 10 } };

/** What the shared sync contract needs to know about one vendor. */
export interface VendorHarness<T> {
  kind: string;
  vendorName: string;
  platforms: string[];
  /** Vendor record number `i`, in the vendor's shape. */
  make(i: number): T;
  /** The identifier of record `i` an admin would look up (its serial number). */
  identifier(i: number): string;
  /** Starts the vendor's test server for tenant `tenant`; configs point an integration at it. */
  start(
    inventory: Inventory<T>,
    tenant: string,
  ): Promise<{ server: VendorTestServer; config: Record<string, unknown>; badConfig: Record<string, unknown> }>;
  /** The "Test Configuration" message for wrong credentials. */
  badCredentials: RegExp;
  /** The credential values of a config, to prove none leaks. */
  secretsOf(config: Record<string, unknown>): string[];
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

export async function createIntegration(
  c: TestCollector,
  h: VendorHarness<unknown>,
  name: string,
  config: Record<string, unknown>,
): Promise<string> {
  const created = await c.admin('POST', '/admin/v1/integrations', { kind: h.kind, name, platforms: h.platforms, config });
  if (created.status !== 201) throw new Error(`creating the ${h.kind} integration failed: ${JSON.stringify(created.body)}`);
  return created.body.id as string;
}

/**
 * Starts a sync through the admin API and polls run history until it finishes; `allowEmpty`
 * confirms that this run may empty or shrink the inventory (`?allowEmpty=true`).
 */
export async function syncAndWait(c: TestCollector, integrationId: string, options: { allowEmpty?: boolean } = {}): Promise<any> {
  const confirm = options.allowEmpty ? '?allowEmpty=true' : '';
  const started = await c.admin('POST', `/admin/v1/integrations/${integrationId}/sync${confirm}`);
  if (started.status !== 202) throw new Error(`starting the sync failed: ${started.status} ${JSON.stringify(started.body)}`);
  return waitForRun(c, integrationId, started.body.syncId as string);
}

/**
 * Polls the run history until the run ends: soon at first (most test syncs end in
 * milliseconds), then a few times a second, as an admin's console does. Polled every 20 ms
 * throughout, the admin calls alone made the store count as busy (store/background-writes.ts),
 * so every long sync paced itself as if users were waiting: a 60,000-device sync took 4 times
 * as long.
 */
export async function waitForRun(c: TestCollector, integrationId: string, syncId: string): Promise<any> {
  for (let pause = 20; ; pause = Math.min(2 * pause, 250)) {
    const { body } = await c.admin('GET', `/admin/v1/integrations/${integrationId}/syncs`);
    const run = (body.syncs as any[]).find((s) => s.id === syncId);
    if (run && run.status !== 'running') return run;
    await sleep(pause);
  }
}

export async function lookup(c: TestCollector, integrationId: string, identifier: string): Promise<any> {
  const { status, body } = await c.admin('GET', `/admin/v1/integrations/${integrationId}/identifiers/${encodeURIComponent(identifier)}`);
  if (status !== 200) throw new Error(`lookup failed: ${status} ${JSON.stringify(body)}`);
  return body;
}
