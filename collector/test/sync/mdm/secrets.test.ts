import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { createLogger } from '@devtrust/collector/log';
import { startTestCollector, type TestCollector } from '../../../../test/support/collector.js';
import { ListInventory, type VendorTestServer } from '../../vendors/mdm/server-kit.js';
import { FAST_RETRY, createIntegration, range, syncAndWait } from './harness.js';
import { ALL_HARNESSES } from './harnesses.js';

/**
 * Every credential of every MDM kind, right or wrong, through every path an admin or a log
 * reader sees: create and list answers, the test button, run history (success, 401, 500s,
 * a vendor that dies), identifier lookups and debug logs. The test servers echo wrong
 * credentials back in their 401 bodies, so scrubbing is exercised too.
 */
describe('MDM credentials never appear in API answers, run history or logs', () => {
  let c: TestCollector;
  let restore: () => void;
  const logLines: string[] = [];
  const answers: string[] = [];
  const secrets = new Set<string>();
  const servers: VendorTestServer[] = [];

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await c.admin(method, path, body);
    answers.push(JSON.stringify(response.body));
    return response;
  };

  beforeAll(async () => {
    restore = overrideVendorClientForTests(FAST_RETRY);
    const log = createLogger('debug', { write: (line: string) => void logLines.push(line) });
    c = await startTestCollector({ log, scheduler: false });
  });
  afterAll(async () => {
    restore();
    await c.stop();
    await Promise.all(servers.map((s) => s.close()));
  });

  it('exercises every kind through success and failure', async () => {
    for (const h of ALL_HARNESSES) {
      const { server, config, badConfig } = await h.start(new ListInventory(range(0, 4).map((i) => h.make(i))), 'a');
      servers.push(server);
      for (const secret of [...h.secretsOf(config), ...h.secretsOf(badConfig)]) secrets.add(secret);
      const good = (await admin('POST', '/admin/v1/integrations', { kind: h.kind, name: `${h.kind} good`, platforms: h.platforms, config }))
        .body.id;
      const bad = await createIntegration(c, h, `${h.kind} bad`, badConfig);
      for (const id of [good, bad]) {
        await admin('POST', `/admin/v1/integrations/${id}/test`);
        await syncAndWait(c, id);
      }
      server.faults.serverErrors = 1000;
      await syncAndWait(c, good);
      server.reset();
      server.faults.dieAfterPages = 1;
      await syncAndWait(c, good);
      server.reset();
      await admin('PATCH', `/admin/v1/integrations/${good}`, { name: `${h.kind} renamed` });
      await admin('GET', `/admin/v1/integrations/${good}`);
      await admin('GET', `/admin/v1/integrations/${good}/syncs`);
      await admin('GET', `/admin/v1/integrations/${bad}/syncs`);
      await admin('GET', `/admin/v1/integrations/${good}/identifiers/${encodeURIComponent(h.identifier(0))}`);
    }
    await admin('GET', '/admin/v1/integrations');
    await admin('GET', '/admin/v1/findings');
    assert.ok(secrets.size >= ALL_HARNESSES.length * 2);
    assert.ok(
      logLines.some((l) => l.includes('"level":20')),
      'debug lines were captured',
    );
    assert.ok(
      answers.some((a) => a.includes('401 from')),
      'wrong credentials were reported',
    );
    assert.ok(
      answers.some((a) => a.includes('[redacted]')),
      'a vendor echoing a credential was scrubbed',
    );
  });

  it('finds none of the credentials anywhere', () => {
    const everything = [...answers, ...logLines].join('\n');
    for (const secret of secrets) assert.equal(everything.includes(secret), false, `a credential leaked: ${secret.slice(0, 6)}…`);
  });
});
