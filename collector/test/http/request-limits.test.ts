import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { LIMITS } from '@devtrust/shared/protocol';
import { createTestApp, csvInventory, type TestApp } from '../../../test/support/app.js';
import { ENROLLMENT_KEY, OWNER_TOKEN, startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { RawChannel } from '../../../test/support/raw-channel.js';

/** Sends only the request head with a declared Content-Length; resolves with the status the server answers before any body. */
function declaredOnly(url: string, method: string, path: string, headers: Record<string, string>, length: number): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      const head = Object.entries({ ...headers, host: 'collector', 'content-length': String(length) })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.write(`${method} ${path} HTTP/1.1\r\n${head}\r\n`);
    });
    let text = '';
    socket.on('data', (data) => {
      text += String(data);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (status) {
        socket.destroy();
        resolve(Number(status[1]));
      }
    });
    socket.on('error', reject);
  });
}

/** Streams `total` bytes chunked (no Content-Length), so the limit is met while reading. */
function streamed(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  total: number,
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${url}${path}`,
      { method, agent: false, headers: { ...headers, 'transfer-encoding': 'chunked' } },
      (response) => {
        let text = '';
        response.on('data', (d) => (text += String(d)));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    request.on('error', (error) => reject(new Error(`${method} ${path}: ${error.message}`)));
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        sent += chunk.length;
        if (!request.write(chunk)) {
          request.once('drain', pump);
          return;
        }
      }
      request.end();
    };
    pump();
  });
}

describe('request limits: over-long bodies, identifiers and credentials are 4xx, never 500', () => {
  let c: TestCollector;
  let app: TestApp;
  let csvId: string;
  const owner = { authorization: `Bearer ${OWNER_TOKEN}` };
  const basic = () => ({ authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}` });

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    csvId = await csvInventory(c, 'serial_number\nKEEP-1\n');
    app = await createTestApp(c, {});
  });
  afterAll(() => c.stop());

  it('a declared body over the limit is a 413 before it is sent: admin JSON, transaction API, CSV', async () => {
    const json = { 'content-type': 'application/json' };
    assert.equal(await declaredOnly(c.url, 'POST', '/admin/v1/applications', { ...owner, ...json }, LIMITS.maxHttpBodyBytes + 1), 413);
    assert.equal(await declaredOnly(c.url, 'PUT', '/admin/v1/policy', { ...owner, ...json }, LIMITS.maxHttpBodyBytes + 1), 413);
    assert.equal(await declaredOnly(c.url, 'POST', '/api/v1/transactions', { ...basic(), ...json }, LIMITS.maxHttpBodyBytes + 1), 413);
    const csv = { 'content-type': 'text/csv' };
    assert.equal(
      await declaredOnly(c.url, 'PUT', `/admin/v1/integrations/${csvId}/inventory`, { ...owner, ...csv }, LIMITS.maxCsvBytes + 1),
      413,
    );
  });

  it('JSON nested thousands deep is a 400 on every JSON route, and an agent frame like it a protocol error', async () => {
    for (const depth of [LIMITS.maxJsonDepth + 1, 5_000, 100_000]) {
      const body = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      for (const [method, path, headers] of [
        ['PUT', '/admin/v1/policy', owner],
        ['POST', '/admin/v1/applications', owner],
        ['POST', '/api/v1/transactions', basic()],
      ] as const) {
        const answer = await fetch(`${c.url}${path}`, { method, headers: { ...headers, 'content-type': 'application/json' }, body });
        assert.equal(answer.status, 400, `${method} ${path} at depth ${depth}`);
        assert.equal(((await answer.json()) as any).error.code, 'MALFORMED_JSON');
      }
    }
    assert.equal((await fetch(`${c.url}/healthz`)).status, 200);
    const ch = await RawChannel.open(c.url);
    ch.sendRaw(`{"type":"enroll","v":1,"enrollmentKey":"${ENROLLMENT_KEY}","deep":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'MALFORMED_FRAME');
  });

  it('a streamed body over the limit is a 413 once the limit is passed', async () => {
    const tooBig = await streamed(
      c.url,
      'POST',
      '/admin/v1/applications',
      { ...owner, 'content-type': 'application/json' },
      LIMITS.maxHttpBodyBytes + 70_000,
    );
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.body.error.code, 'BODY_TOO_LARGE');
    const tx = await streamed(
      c.url,
      'POST',
      '/api/v1/transactions',
      { ...basic(), 'content-type': 'application/json' },
      LIMITS.maxHttpBodyBytes + 70_000,
    );
    assert.equal(tx.status, 413);
    const csv = await streamed(
      c.url,
      'PUT',
      `/admin/v1/integrations/${csvId}/inventory`,
      { ...owner, 'content-type': 'text/csv' },
      LIMITS.maxCsvBytes + 70_000,
    );
    assert.equal(csv.status, 413);
    assert.equal((await c.admin('GET', `/admin/v1/integrations/${csvId}/identifiers/KEEP-1`)).body.found, true);
  });

  describe('agent reports hold identifiers and hostnames to LIMITS', () => {
    const report = (identity: Record<string, unknown>) => ({
      agentVersion: 'test',
      collectedAt: new Date().toISOString(),
      identity: { platform: 'linux', ...identity },
    });
    const cases: [string, Record<string, unknown>][] = [
      [
        `a hostname of ${LIMITS.maxHostnameLength + 1} characters`,
        { serialNumber: 'LONG-HOST', hostname: 'h'.repeat(LIMITS.maxHostnameLength + 1) },
      ],
      [`a serial number of ${LIMITS.maxIdentifierLength + 1} characters`, { serialNumber: 'S'.repeat(LIMITS.maxIdentifierLength + 1) }],
      ['an over-long MAC address', { macAddresses: ['0'.repeat(LIMITS.maxIdentifierLength + 1)] }],
    ];
    for (const [name, identity] of cases) {
      it(`${name} → INVALID_MESSAGE, close 4400, nothing stored`, async () => {
        const ch = await RawChannel.open(c.url);
        const { endpointId, keys } = await ch.enroll(ENROLLMENT_KEY);
        ch.send(ch.signed({ type: 'report', seq: 1, report: report(identity) as never }, keys));
        const error = await ch.next((m) => m.type === 'error');
        assert.equal(error.code, 'INVALID_MESSAGE');
        assert.equal((await ch.closed).code, 4400);
        assert.equal((await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body.identity, null);
      });
    }

    it(`identifiers of ${LIMITS.maxIdentifierLength} and a hostname of ${LIMITS.maxHostnameLength} characters are accepted`, async () => {
      const ch = await RawChannel.open(c.url);
      const { keys } = await ch.enroll(ENROLLMENT_KEY);
      const identity = { serialNumber: 'S'.repeat(LIMITS.maxIdentifierLength), hostname: 'h'.repeat(LIMITS.maxHostnameLength) };
      ch.send(ch.signed({ type: 'report', seq: 1, report: report(identity) as never }, keys));
      assert.equal((await ch.next((m) => m.type === 'ack')).seq, 1);
      ch.close();
    });
  });
});
