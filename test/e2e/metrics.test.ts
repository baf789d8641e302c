import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { DECISION_TABLE } from '@devtrust/collector/policy/decide';
import { reasonClass } from '@devtrust/collector/metrics/reason-class';
import { ListInventory } from '../../collector/test/vendors/mdm/server-kit.js';
import { kandjiDevice, startKandjiServer, type KandjiServer } from '../../collector/test/vendors/mdm/kandji.js';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { createTestApp, csvInventory, type TestApp } from '../support/app.js';
import { startTestCollector, type TestCollector } from '../support/collector.js';
import { parseExposition, samples, valueOf } from '../support/prometheus-text.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const KANDJI_TOKEN = 'kandji-api-token-metrics-0001';

const LAPTOP = {
  platform: 'windows' as const,
  hardwareUuid: '4C4C4544-0042-3510-8052-B4C04F4E4D99',
  serialNumber: 'PFMETRIC1',
  machineGuid: '6f1a2b3c-0000-4d5e-8f90-abcdef01aa99',
  hostname: 'LAPTOP-METRICS',
  osVersion: '10.0.22631',
  macAddresses: ['3C:22:FB:12:34:99'],
};
const UNKNOWN_LAPTOP = {
  ...LAPTOP,
  hardwareUuid: '4C4C4544-0042-3510-8052-B4C04F4E4D98',
  serialNumber: 'PFUNKNOWN',
  hostname: 'LAPTOP-HOME',
  machineGuid: '6f1a2b3c-0000-4d5e-8f90-abcdef01aa98',
  macAddresses: ['3C:22:FB:12:34:98'],
};

describe('Prometheus metrics', () => {
  let c: TestCollector;
  let kandji: KandjiServer;
  let app: TestApp;
  const agents: TestAgent[] = [];

  async function scrape(url: string, token: string | null = METRICS_TOKEN) {
    const response = await fetch(url, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  async function syncAndWait(id: string): Promise<string> {
    const started = await c.admin('POST', `/admin/v1/integrations/${id}/sync`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    for (;;) {
      const run = (await c.admin('GET', `/admin/v1/integrations/${id}/syncs/${started.body.syncId}`)).body;
      if (run.status !== 'running') return run.status as string;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function integration(name: string, apiToken: string): Promise<string> {
    const created = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'kandji',
      name,
      platforms: ['macos'],
      config: { baseUrl: kandji.url, apiToken, pageSize: 2 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id as string;
  }

  beforeAll(async () => {
    kandji = await startKandjiServer({ apiToken: KANDJI_TOKEN, inventory: new ListInventory([0, 1, 2, 3, 4].map(kandjiDevice)) });
    c = await startTestCollector({
      scheduler: false,
      env: { DEVTRUST_METRICS_TOKEN: METRICS_TOKEN, DEVTRUST_METRICS_LISTEN: '127.0.0.1:0' },
    });
    assert.equal(await syncAndWait(await integration('Kandji Macs', KANDJI_TOKEN)), 'succeeded');
    // A wrong token: Kandji answers 401, the run fails, and the vendor error is counted.
    assert.equal(await syncAndWait(await integration('Kandji wrong token', 'kandji-api-token-wrong-0001')), 'failed');
    await csvInventory(
      c,
      ['serial_number,hardware_uuid,device_name,platform', `${LAPTOP.serialNumber},${LAPTOP.hardwareUuid},LAPTOP-METRICS,windows`].join(
        '\n',
      ),
    );
    app = await createTestApp(c, { trustedEndpoints: 'require-trusted' }, 'Payroll');
    for (const identity of [LAPTOP, UNKNOWN_LAPTOP]) {
      const agent = await startTestAgent(c.url, identity);
      agents.push(agent);
      const tx = await app.open('alice@example.com');
      await agent.agent.attest(tx);
    }
  });
  afterAll(async () => {
    for (const agent of agents.splice(0)) await agent.stop();
    await c?.stop();
    await kandji?.close();
  });

  it('is not public: the main port wants the bearer token', async () => {
    const none = await scrape(`${c.url}/metrics`, null);
    assert.equal(none.status, 401);
    assert.equal(JSON.parse(none.text).error.code, 'UNAUTHENTICATED');
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await scrape(`${c.url}/metrics`, `${METRICS_TOKEN}x`)).status, 401);
    assert.equal((await scrape(`${c.url}/METRICS`)).status, 404);
    const ok = await scrape(`${c.url}/metrics`);
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  });

  it('the separate listener serves /metrics only, and wants the token too when one is set', async () => {
    assert.ok(c.metricsUrl);
    assert.notEqual(new URL(c.metricsUrl).port, new URL(c.url).port);
    assert.equal((await scrape(c.metricsUrl, null)).status, 401);
    assert.equal((await scrape(c.metricsUrl.replace('/metrics', '/healthz'))).status, 404);
    assert.equal((await scrape(c.metricsUrl.replace('/metrics', '/admin/v1/endpoints'))).status, 404);
    assert.equal((await scrape(c.metricsUrl)).status, 200);
  });

  it('counts verdicts by outcome and reason class, with their latency', async () => {
    const m = parseExposition((await scrape(c.metricsUrl as string)).text);
    assert.equal(valueOf(m, 'devtrust_verdicts_total', { verdict: 'trusted', access: 'allow', reason_class: 'trusted' }), 1);
    assert.equal(valueOf(m, 'devtrust_verdicts_total', { verdict: 'untrusted', access: 'deny', reason_class: 'not_trusted' }), 1);
    assert.equal(m.get('devtrust_decision_duration_seconds')?.type, 'histogram');
    assert.equal(valueOf(m, 'devtrust_decision_duration_seconds_count'), 2);
    assert.ok(valueOf(m, 'devtrust_decision_duration_seconds_sum') > 0);
    assert.equal(valueOf(m, 'devtrust_decision_duration_seconds_bucket', { le: '+Inf' }), 2);
  });

  it('counts reports, sessions, syncs, inventory sizes and vendor calls', async () => {
    const m = parseExposition((await scrape(`${c.url}/metrics`)).text);
    assert.ok(valueOf(m, 'devtrust_reports_ingested_total', { result: 'stored' }) >= 2);
    assert.equal(valueOf(m, 'devtrust_agent_sessions', { state: 'authenticated' }), 2);
    assert.equal(valueOf(m, 'devtrust_sync_runs_total', { integration: 'Kandji Macs', kind: 'kandji', result: 'succeeded' }), 1);
    assert.equal(valueOf(m, 'devtrust_sync_runs_total', { integration: 'Kandji wrong token', result: 'failed' }), 1);
    assert.equal(valueOf(m, 'devtrust_sync_runs_total', { integration: 'Corporate inventory', kind: 'csv', result: 'succeeded' }), 1);
    assert.equal(valueOf(m, 'devtrust_integration_devices', { integration: 'Kandji Macs' }), 5);
    assert.equal(valueOf(m, 'devtrust_integration_devices', { integration: 'Kandji wrong token' }), 0);
    assert.equal(valueOf(m, 'devtrust_integration_devices', { integration: 'Corporate inventory' }), 1);
    const lastSuccess = valueOf(m, 'devtrust_integration_last_success_timestamp_seconds', { integration: 'Kandji Macs' });
    assert.ok(Math.abs(lastSuccess - Date.now() / 1000) < 600, String(lastSuccess));
    assert.equal(samples(m, 'devtrust_integration_last_success_timestamp_seconds', { integration: 'Kandji wrong token' }).length, 0);
    // 5 devices in pages of 2: at least 3 list requests answered.
    assert.ok(valueOf(m, 'devtrust_vendor_request_duration_seconds_count', { kind: 'kandji', outcome: 'ok' }) >= 3);
    assert.ok(valueOf(m, 'devtrust_vendor_errors_total', { kind: 'kandji', error: 'http_4xx' }) >= 1);
    assert.equal(valueOf(m, 'devtrust_findings_open', { type: 'sync-failed' }), 1);
    assert.ok(valueOf(m, 'devtrust_http_requests_total', { status: '2xx' }) > 0);
    assert.equal(valueOf(m, 'devtrust_db_fault', { kind: 'read_only' }), 0);
    assert.equal(valueOf(m, 'devtrust_db_errors_total', { kind: 'read_only' }), 0);
  });

  it('has the process and event-loop metrics, and no secret anywhere', async () => {
    const text = (await scrape(`${c.url}/metrics`)).text;
    const m = parseExposition(text);
    for (const name of [
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      assert.ok(m.has(name), `${name} missing`);
    }
    for (const secret of [KANDJI_TOKEN, METRICS_TOKEN, app.clientSecret]) assert.equal(text.includes(secret), false);
  });

  it('the Grafana dashboard in docs/ asks only for metrics the collector exposes', async () => {
    const m = parseExposition((await scrape(`${c.url}/metrics`)).text);
    const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana/devtrust-collector.json', import.meta.url), 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr as string));
    assert.ok(exprs.length >= 16);
    const names = new Set(exprs.flatMap((e) => e.match(/\b(?:devtrust|nodejs|process)_[a-z0-9_]+/g) ?? []));
    for (const name of names) assert.doesNotThrow(() => samples(m, name), `${name} is not exposed`);
    for (const family of [...m.keys()].filter((n) => n.startsWith('devtrust_'))) {
      assert.ok(
        exprs.some((e) => e.includes(family)),
        `${family} has no panel`,
      );
    }
  });

  it('a collector without DEVTRUST_METRICS_TOKEN answers /metrics with a 404 that says how to turn it on', async () => {
    const plain = await startTestCollector({ scheduler: false });
    try {
      const answer = await scrape(`${plain.url}/metrics`, null);
      assert.equal(answer.status, 404);
      assert.equal(JSON.parse(answer.text).error.code, 'METRICS_NOT_ENABLED');
      assert.equal(plain.metricsUrl, null);
    } finally {
      await plain.stop();
    }
  });
});

describe('reason classes', () => {
  it('every row of the decision table has its own class', () => {
    const classes = DECISION_TABLE.map((row) => reasonClass({ reasons: [row.headline] }));
    assert.equal(classes.includes('other'), false, JSON.stringify(classes));
    // The two "allowed: trusted device" rows (allow-all and require-trusted) are one class.
    assert.equal(new Set(classes).size, DECISION_TABLE.length - 1);
  });
});

describe('the exposition reader the tests use', () => {
  it('refuses what Prometheus would refuse', () => {
    const bad = [
      'x 1', // no TYPE
      '# TYPE x gauge\nx{a="1} 1',
      '# TYPE x gauge\nx{a="1",a="2"} 1',
      '# TYPE x gauge\nx one',
      '# TYPE x gauge\n# TYPE x gauge',
      '# TYPE x gauge\nx_bucket{le="1"} 1',
    ];
    for (const text of bad) assert.throws(() => parseExposition(text), Error, text);
    const good = parseExposition('# HELP x a "help"\n# TYPE x histogram\nx_bucket{le="+Inf",k="a\\"b"} 2\nx_sum 0.5\nx_count 2\n');
    assert.equal(valueOf(good, 'x_bucket', { k: 'a"b' }), 2);
    assert.ok(Number.isNaN(valueOf(parseExposition('# TYPE y gauge\ny Nan'), 'y')));
  });
});
