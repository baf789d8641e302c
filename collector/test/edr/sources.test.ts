import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { pino } from 'pino';
import { sourceKind } from '@devtrust/collector/sync/registry';
import type { InventorySource, SourceDevice } from '@devtrust/collector/sync/source';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { VendorError } from '@devtrust/collector/sync/kit/vendor-error';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { connectorId, EDR_VENDORS, type EdrDevice } from '../vendors/edr/cases.js';
import { createEdrIntegration, syncAndWait } from '../support/edr-integrations.js';

const ctx = () => ({ signal: new AbortController().signal, log: pino({ level: 'silent' }) });
const FAST = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 5_000 };

async function drain(source: InventorySource): Promise<SourceDevice[]> {
  const out: SourceDevice[] = [];
  for await (const page of source.pages(ctx())) out.push(...page);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<VendorError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof VendorError, `expected a VendorError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('EDR sources against their vendor-shaped servers', () => {
  let c: TestCollector;
  let restore: () => void;
  beforeAll(async () => {
    restore = overrideVendorClientForTests({ retry: FAST });
    c = await startTestCollector({ scheduler: false });
  });
  afterAll(async () => {
    await c.stop();
    restore();
  });

  for (const vendor of EDR_VENDORS) {
    describe(vendor.vendorName, () => {
      const devices: EdrDevice[] = [1, 2, 3, 4, 5].map((n) => ({
        connectorId: connectorId(vendor.kind, n),
        status: n === 2 ? 'compromised' : 'clean',
        serialNumber: `SER${vendor.kind.length}${n}`,
        hostname: `PC-${n}`,
      }));

      it('syncs the whole inventory through real HTTP, page by page, into the collector', async () => {
        const fake = await vendor.start({ pageSize: 2, devices });
        try {
          const id = await createEdrIntegration(c, vendor.kind, fake.config, { name: `${vendor.vendorName} sync` });
          const run = await syncAndWait(c, id);
          assert.equal(run.status, 'succeeded', run.error ?? '');
          assert.deepEqual([run.pages, run.devices], [3, 5]);
          const found = await c.admin(
            'GET',
            `/admin/v1/integrations/${id}/identifiers/${encodeURIComponent(connectorId(vendor.kind, 2).toUpperCase())}`,
          );
          assert.equal(found.body.found, true);
          assert.equal(found.body.device.edr.status, 'compromised');
          assert.equal(found.body.device.deviceName, 'PC-2');
          assert.ok(found.body.syncedAt > 0);
          const listed = (await c.admin('GET', `/admin/v1/integrations/${id}`)).body;
          assert.equal(listed.devices, 5);
          assert.equal(listed.schedule, null);
          assert.ok(listed.nextSyncAt > Date.now(), 'an EDR integration is scheduled every few minutes');
          assert.equal(JSON.stringify(listed).includes(fake.secrets[0]), false, 'a credential was returned');
        } finally {
          await fake.server.stop();
        }
      });

      it('the test button says when the credentials are wrong, and when they work', async () => {
        const fake = await vendor.start({ devices });
        try {
          const bad = await createEdrIntegration(c, vendor.kind, fake.badConfig, { name: `${vendor.vendorName} bad` });
          const result = await c.admin('POST', `/admin/v1/integrations/${bad}/test`);
          assert.equal(result.body.ok, false);
          assert.match(result.body.message, vendor.badCredentials);
          assert.equal(result.body.message.includes(fake.secrets[1]), false, 'the message holds the secret');
          const good = await createEdrIntegration(c, vendor.kind, fake.config, { name: `${vendor.vendorName} good` });
          const ok = await c.admin('POST', `/admin/v1/integrations/${good}/test`);
          assert.deepEqual(ok.body, {
            ok: true,
            message: `connected to ${vendor.vendorName}: 5 ${vendor.kind === 'crowdstrike' ? 'hosts' : vendor.kind === 'sentinelone' ? 'agents' : 'computers'}`,
          });
        } finally {
          await fake.server.stop();
        }
      });

      it("honours a 429 with the vendor's wait header, and gives up on a wait longer than allowed", async () => {
        const fake = await vendor.start({ devices });
        try {
          const source = sourceKind(vendor.kind)?.create(fake.config, {}) as InventorySource;
          fake.server.fail({ times: 1, path: vendor.listPath, status: 429, headers: vendor.rateLimitHeaders(1) });
          assert.equal((await drain(source)).length, 5);
          const [limited, retried] = fake.server.requests.filter((r) => vendor.listPath.test(r.path));
          assert.equal(limited?.status, 429);
          assert.equal(retried?.status, 200);
          assert.ok((retried?.at ?? 0) - (limited?.at ?? 0) >= 900, "the retry came before the vendor's wait was over");
          fake.server.fail({ times: 1, path: vendor.listPath, status: 429, headers: vendor.rateLimitHeaders(3600) });
          const error = await failure(drain(source));
          assert.equal(error.code, 'VENDOR_RATE_LIMITED');
          assert.match(error.message, new RegExp(`429 from ${vendor.vendorName}`));
        } finally {
          await fake.server.stop();
        }
      });

      it('retries a 500, then fails with a message that names the vendor and status', async () => {
        const fake = await vendor.start({ devices });
        try {
          const source = sourceKind(vendor.kind)?.create(fake.config, {}) as InventorySource;
          fake.server.fail({ times: 2, path: vendor.listPath, status: 500 });
          assert.equal((await drain(source)).length, 5, 'two 500s then a success is a success');
          fake.server.fail({ times: 99, path: vendor.listPath, status: 500 });
          const before = fake.server.count(vendor.listPath);
          const error = await failure(drain(source));
          assert.equal(error.code, 'VENDOR_UNAVAILABLE');
          assert.match(error.message, new RegExp(`^500 from ${vendor.vendorName}`));
          assert.equal(fake.server.count(vendor.listPath) - before, FAST.attempts);
        } finally {
          await fake.server.stop();
        }
      });

      it('refuses garbage and a vendor that is down, without crashing', async () => {
        const fake = await vendor.start({ devices });
        const source = sourceKind(vendor.kind)?.create(fake.config, {}) as InventorySource;
        fake.server.fail({ times: 1, path: vendor.listPath, garbage: true });
        assert.equal((await failure(drain(source))).code, 'VENDOR_BAD_RESPONSE');
        await fake.server.down();
        const down = await failure(drain(source));
        assert.equal(down.code, 'VENDOR_UNREACHABLE');
        assert.match(down.message, new RegExp(`cannot reach ${vendor.vendorName}`));
      });

      it('looks one connector up on demand, in any spelling the agent reports', async () => {
        const fake = await vendor.start({ devices });
        try {
          const source = sourceKind(vendor.kind)?.create(fake.config, {}) as InventorySource;
          const raw = connectorId(vendor.kind, 2);
          const spelled = vendor.kind === 'cisco-secure-endpoint' ? `{${raw.toUpperCase()}}` : raw.toUpperCase();
          const hit = await source.lookup?.(spelled, ctx());
          assert.equal(hit?.edr?.status, 'compromised');
          assert.equal(await source.lookup?.(connectorId(vendor.kind, 999), ctx()), null);
        } finally {
          await fake.server.stop();
        }
      });
    });
  }
});
