import assert from 'node:assert/strict';
import fc from 'fast-check';
import { afterAll, beforeAll, it } from 'vitest';
import WebSocket from 'ws';
import { generateDeviceKey } from '@devtrust/shared/crypto';
import { adminRouter } from '@devtrust/collector/admin/router';
import { keyAdminRouter } from '@devtrust/collector/oidc/key-admin';
import { verdictRouter } from '@devtrust/collector/verdict/routes';
import { createTestApp, csvInventory, type TestApp } from '../support/app.js';
import { ENROLLMENT_KEY, OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';
import { DATABASES, freshPostgresDatabase } from '../support/postgres.js';
import { RawChannel } from '../support/raw-channel.js';
import { describeUnless } from '../support/skip.js';
import { hostileJsonText, hostileKey, hostileText, mutatedRecordText } from './hostile.js';

/**
 * A sample of the hostile input of the other fuzz tests sent to a real collector, on
 * SQLite and PostgreSQL: frames over a real WebSocket (every close a protocol close code,
 * never 1011), signed reports with hostile values from an enrolled agent (acknowledged or
 * refused, never an internal error), and requests to every admin and transaction API
 * route with hostile ids, queries and bodies (a 4xx with a stable code, never a 5xx).
 */

const HTTP_RUNS = 1500;
const FRAME_RUNS = 150;
const REPORT_RUNS = 300;
/** The close codes of the protocol's errors (shared/src/protocol/errors.ts), 1011 excepted. */
const PROTOCOL_CLOSES = [4400, 4401, 4403, 4408, 4409, 4429, 1009];

interface Route {
  method: string;
  pattern: string;
}
function routesOf(stack: { methods: string[]; path: string | RegExp }[]): Route[] {
  return stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((method) => ({ method, pattern: String(layer.path) })));
}

/** Percent-encodes the UTF-8 bytes of any string, lone surrogates included (as U+FFFD, as a client would send them). */
const encoded = (text: string): string =>
  [...Buffer.from(text, 'utf8')]
    .map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`))
    .join('');

const SAMPLE_BODY: Record<string, unknown> = {
  '/admin/v1/api-keys': { name: 'ops', role: 'read-only' },
  '/admin/v1/applications': { name: 'Payroll', redirectUris: ['https://pay.example/cb'] },
  '/admin/v1/integrations': { kind: 'csv', name: 'Laptops', platforms: ['windows'], config: {} },
  '/admin/v1/policy': { trustedEndpoints: 'require-trusted' },
  '/api/v1/transactions': { username: 'alice@example.com' },
};

const REPORT = {
  agentVersion: '1.0.0',
  collectedAt: '2026-11-30T08:00:00Z',
  identity: { platform: 'windows', serialNumber: 'FUZZ-SERIAL-1', hostname: 'fuzz', macAddresses: ['02:fc:00:00:00:09'] },
  posture: { diskEncryption: true, osBuild: '22631' },
  user: 'alice',
};

for (const database of DATABASES) {
  describeUnless(database.skip)(`a live collector against hostile input (${database.name})`, () => {
    let c: TestCollector;
    let app: TestApp;
    let drop: (() => Promise<void>) | null = null;
    let routes: Route[];
    let integrationId: string;

    beforeAll(async () => {
      let databaseUrl: string | null = null;
      if (database.name === 'postgres') {
        const fresh = await freshPostgresDatabase();
        databaseUrl = fresh.url;
        drop = fresh.drop;
      }
      c = await startTestCollector({
        scheduler: false,
        databaseUrl,
        env: {
          DEVTRUST_ENROLLMENT_RATE_LIMIT: 'off',
          DEVTRUST_LIMIT_SIGNINS_PER_ADDRESS: '0',
          DEVTRUST_LIMIT_SIGNINS_PER_APPLICATION: '0',
          DEVTRUST_LIMIT_ADMIN_AUTH_FAILURES_PER_ADDRESS: '0',
        },
      });
      app = await createTestApp(c, {});
      integrationId = await csvInventory(c, 'serial_number\nFUZZ-SERIAL-1\n');
      routes = [
        ...routesOf(adminRouter(c.services, c.channel).stack),
        ...routesOf(keyAdminRouter(c.services, () => undefined).stack),
        ...routesOf(verdictRouter(c.services).stack),
      ];
    });
    afterAll(async () => {
      await c?.stop();
      await drop?.();
    });

    it(`${FRAME_RUNS} hostile frames, each on its own socket: every close is a protocol close code`, async () => {
      const frame = fc.oneof(
        hostileJsonText,
        mutatedRecordText({ type: 'enroll', v: 1, enrollmentKey: ENROLLMENT_KEY, publicKey: 'A'.repeat(43), signature: 's' }),
        mutatedRecordText({ type: 'report', seq: 1, report: REPORT, signature: 's' }),
        fc.string({ unit: 'binary', maxLength: 50 }),
      );
      await fc.assert(
        fc.asyncProperty(frame, fc.boolean(), async (text, binary) => {
          const ch = await RawChannel.open(c.url);
          ch.sendRaw(binary ? Buffer.from(text, 'utf8') : text);
          const { code } = await ch.closed;
          assert.ok(PROTOCOL_CLOSES.includes(code), `closed with ${code}`);
        }),
        { numRuns: FRAME_RUNS },
      );
      // Past the frame limit: 1009 from ws itself, before any parsing.
      const ch = await RawChannel.open(c.url);
      ch.sendRaw('x'.repeat(70 * 1024));
      assert.equal((await ch.closed).code, 1009);
    });

    it(`${REPORT_RUNS} signed reports with hostile values: acknowledged, or refused with 4400; never an internal error`, async () => {
      let ch = await RawChannel.open(c.url);
      const { keys, endpointId } = await ch.enroll(ENROLLMENT_KEY, generateDeviceKey());
      let seq = 0;
      let acked = 0;
      // Some reports whose only hostile part is text in the fields that take free text, so some are stored.
      const texts = fc
        .record({ user: hostileText, hostname: hostileText, serialNumber: hostileText })
        .map(({ user, hostname, serialNumber }) =>
          JSON.stringify({ ...REPORT, user, identity: { ...REPORT.identity, hostname, serialNumber } }),
        );
      await fc.assert(
        fc.asyncProperty(fc.oneof(mutatedRecordText(REPORT), texts, fc.constant(JSON.stringify(REPORT))), async (text) => {
          if (ch.ws.readyState !== WebSocket.OPEN) {
            ch = await RawChannel.open(c.url);
            ch.endpointId = endpointId;
            ch.send(ch.signed({ type: 'auth', v: 1, endpointId } as never, keys));
            await ch.next((m) => m.type === 'authenticated');
          }
          let report: unknown;
          try {
            report = JSON.parse(text);
          } catch {
            return;
          }
          let frame: Record<string, unknown>;
          try {
            frame = ch.signed({ type: 'report', seq: seq + 1, report } as never, keys);
            JSON.stringify(frame);
          } catch {
            return; // no agent could sign or send it (1e400 is Infinity; 2,000 levels overflow the encoders)
          }
          seq++;
          ch.send(frame);
          const answer = await Promise.race([ch.next((m) => m.type === 'ack' || m.type === 'error', 10_000), ch.closed]);
          if ('type' in answer && answer.type === 'ack') {
            acked++;
            return;
          }
          const closed = await ch.closed;
          assert.ok(PROTOCOL_CLOSES.includes(closed.code), `closed with ${closed.code} ${closed.reason}`);
        }),
        { numRuns: REPORT_RUNS },
      );
      assert.ok(acked > 0, 'no report was acknowledged at all: the property tested nothing stored');
      ch.close();
    });

    it(`${HTTP_RUNS} requests to every API route with hostile ids, queries and bodies: never a 5xx`, async () => {
      const request = fc.record({
        route: fc.nat({ max: routes.length - 1 }),
        ids: fc.array(fc.oneof(fc.constant(null), hostileText), { minLength: 3, maxLength: 3 }),
        query: fc.array(fc.tuple(hostileKey, hostileText), { maxLength: 3 }),
        body: fc.oneof(hostileJsonText, ...Object.values(SAMPLE_BODY).map((b) => mutatedRecordText(b))),
        type: fc.constantFrom(
          'application/json',
          'application/json',
          'application/json',
          'text/csv',
          'text/plain',
          'application/x-www-form-urlencoded',
        ),
      });
      const failures: string[] = [];
      await fc.assert(
        fc.asyncProperty(request, async ({ route: index, ids, query, body, type }) => {
          const route = routes[index]!;
          let n = 0;
          const path = route.pattern.replace(/:(\w+)/g, (_m, name: string) => {
            const id = ids[n++ % ids.length];
            if (id !== null && id !== undefined) return encoded(id);
            return name === 'id' && route.pattern.startsWith('/admin/v1/integrations') ? integrationId : name === 'id' ? app.clientId : 'x';
          });
          const qs = query.map(([k, v]) => `${encoded(k)}=${encoded(v)}`).join('&');
          const hasBody = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
          const auth = route.pattern.startsWith('/api/')
            ? `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`
            : `Bearer ${OWNER_TOKEN}`;
          const response = await fetch(`${c.url}${path}${qs ? `?${qs}` : ''}`, {
            method: route.method,
            headers: { authorization: auth, ...(hasBody ? { 'content-type': type } : {}) },
            ...(hasBody ? { body } : {}),
          });
          const text = await response.text();
          if (response.status >= 500) failures.push(`${route.method} ${path}?${qs} → ${response.status} ${text.slice(0, 200)}`);
          else if (response.status >= 400) {
            const code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? '';
            assert.match(code, /^[A-Z][A-Z0-9_]+$/, `${route.method} ${path}: ${text.slice(0, 200)}`);
          }
          assert.deepEqual(failures, []);
        }),
        { numRuns: HTTP_RUNS },
      );
      // Still serving (the requests may well have deleted the integration: they had the owner key).
      assert.equal((await c.admin('GET', '/admin/v1/policy')).status, 200);
    });
  });
}
