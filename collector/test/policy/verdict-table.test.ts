import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES, freshPostgresDatabase } from '../../../test/support/postgres.js';
import { createTestApp, csvInventory, type TestApp } from '../../../test/support/app.js';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { startPostureAgent, type PostureAgent } from '../support/posture-agent.js';
import { createEdrIntegration, syncAndWait } from '../support/edr-integrations.js';
import {
  ampComputer,
  AMP_API_KEY,
  AMP_CLIENT_ID,
  startFakeSecureEndpoint,
  type FakeSecureEndpoint,
} from '../vendors/edr/cisco-secure-endpoint.js';

/**
 * The Cisco Secure Endpoint table (SPEC "Trust verdicts"), all 24 cells, through the real
 * transaction API: a real collector, real agents over the WebSocket protocol, a CSV
 * inventory for trust and a Secure Endpoint integration synced from a loopback server.
 */
type EdrStatus = 'compromised' | 'clean' | 'unknown';
const STATUSES: EdrStatus[] = ['compromised', 'clean', 'unknown'];
const guid = (trusted: boolean, status: EdrStatus) =>
  `${trusted ? 'aaaa' : 'bbbb'}${STATUSES.indexOf(status)}000-1732-4f8b-9a6f-18f172fe7af0`;
const serial = (trusted: boolean, status: EdrStatus) => `${trusted ? 'TRUST' : 'STRANGER'}-${status.toUpperCase()}`;

function expectedAccess(mode: string, blockCompromised: boolean, trusted: boolean, status: EdrStatus): 'allow' | 'deny' {
  if (mode === 'allow-all') return 'allow';
  if (!trusted) return 'deny'; // never identified as trusted: denied whatever its EDR status
  return blockCompromised && status === 'compromised' ? 'deny' : 'allow'; // unknown: edrUnknown defaults to allow
}

for (const db of DATABASES) {
  describeUnless(db.skip)(`the Cisco Secure Endpoint verdict table through the transaction API (${db.name})`, () => {
    let drop: (() => Promise<void>) | null = null;
    const database = async (): Promise<{ databaseUrl?: string }> => {
      if (db.name !== 'postgres') return {};
      const pg = await freshPostgresDatabase();
      drop = pg.drop;
      return { databaseUrl: pg.url };
    };
    afterAll(async () => {
      await drop?.();
    });
    let c: TestCollector;
    let amp: FakeSecureEndpoint;
    const apps = new Map<string, TestApp>();
    const agents = new Map<string, PostureAgent>();

    beforeAll(async () => {
      c = await startTestCollector({ scheduler: false, ...(await database()) });
      const rows = STATUSES.map((s) => `${serial(true, s)},LAPTOP-${s},windows`);
      await csvInventory(c, ['serial_number,device_name,platform', ...rows].join('\n'));
      // The EDR knows the compromised and clean connectors; the "unknown" ones it has never seen.
      amp = await startFakeSecureEndpoint({
        computers: [true, false].flatMap((trusted) =>
          (['compromised', 'clean'] as const).map((s) =>
            ampComputer(guid(trusted, s), { is_compromised: s === 'compromised', hostname: serial(trusted, s) }),
          ),
        ),
      });
      const edrId = await createEdrIntegration(
        c,
        'cisco-secure-endpoint',
        { baseUrl: amp.url, clientId: AMP_CLIENT_ID, apiKey: AMP_API_KEY },
        { name: 'Secure Endpoint' },
      );
      assert.equal((await syncAndWait(c, edrId)).status, 'succeeded');
      for (const mode of ['allow-all', 'require-trusted'] as const) {
        for (const blockCompromised of [false, true]) {
          apps.set(
            `${mode}/${blockCompromised}`,
            await createTestApp(c, { trustedEndpoints: mode, blockCompromised }, `${mode} ${blockCompromised}`),
          );
        }
      }
      for (const trusted of [true, false]) {
        for (const status of STATUSES) {
          const agent = await startPostureAgent(c.url, {
            platform: 'windows',
            serialNumber: serial(trusted, status),
            hostname: serial(trusted, status),
            osVersion: '10.0.22631',
            edr: [{ vendor: 'cisco-secure-endpoint', installed: true, running: true, connectorId: guid(trusted, status).toUpperCase() }],
          });
          agents.set(`${trusted}/${status}`, agent);
        }
      }
    });
    afterAll(async () => {
      for (const agent of agents.values()) await agent.stop();
      await c.stop();
      await amp.stop();
    });

    for (const mode of ['allow-all', 'require-trusted'] as const) {
      for (const blockCompromised of [false, true]) {
        for (const trusted of [true, false]) {
          for (const status of STATUSES) {
            const access = expectedAccess(mode, blockCompromised, trusted, status);
            it(`${mode}, blockCompromised ${blockCompromised ? 'on' : 'off'}, ${trusted ? 'trusted' : 'untrusted'}, EDR ${status} → ${access}`, async () => {
              const app = apps.get(`${mode}/${blockCompromised}`) as TestApp;
              const agent = agents.get(`${trusted}/${status}`) as PostureAgent;
              const tx = await app.open('alice@example.com');
              await agent.attest(tx);
              const result = (await app.read(tx)).body;
              assert.equal(result.state, 'decided');
              assert.equal(result.access, access, result.reasons.join('\n'));
              assert.equal(result.verdict, trusted && !(blockCompromised && status === 'compromised') ? 'trusted' : 'untrusted');
              assert.equal(result.endpointId, agent.endpointId);
              const reasons = result.reasons.join('\n');
              // Every verdict says which EDR said what, how fresh, and what the rule did.
              assert.match(reasons, new RegExp(`^EDR status: ${status}$`, 'm'));
              assert.match(reasons, /EDR "Secure Endpoint" \(cisco-secure-endpoint\): /);
              assert.match(
                reasons,
                status === 'unknown' ? /does not know connector/ : /synced (under a minute|\d+ min) ago, within the 15 min freshness bound/,
              );
              assert.match(reasons, new RegExp(`rule blockCompromised=${blockCompromised ? 'on' : 'off'}`));
              if (mode === 'require-trusted' && blockCompromised && trusted && status === 'unknown') {
                assert.match(reasons, /edrUnknown=allow, so an unknown status does not deny a trusted device/);
              }
              const log = (await c.admin('GET', '/admin/v1/auth-log?user=alice@example.com&limit=1000')).body.entries as {
                transactionId: string;
                access: string;
                reasons: string[];
              }[];
              const entry = log.find((e) => e.transactionId === tx);
              assert.equal(entry?.access, access);
              assert.deepEqual(entry?.reasons, result.reasons);
            });
          }
        }
      }
    }
  });
}

/**
 * MAC addresses match only where the integration allows it. A device whose MAC is in the
 * inventory of an integration with MAC matching off is untrusted, and the reason must say
 * why, not that no record holds its MAC.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`a record holding the device MAC, with MAC matching off and on (${db.name})`, () => {
    let drop: (() => Promise<void>) | null = null;
    const database = async (): Promise<{ databaseUrl?: string }> => {
      if (db.name !== 'postgres') return {};
      const pg = await freshPostgresDatabase();
      drop = pg.drop;
      return { databaseUrl: pg.url };
    };
    afterAll(async () => {
      await drop?.();
    });
    let c: TestCollector;
    let app: TestApp;
    let agent: PostureAgent;
    let integrationId: string;
    const MAC = '02:fc:00:00:00:42';

    beforeAll(async () => {
      c = await startTestCollector({ scheduler: false, ...(await database()) });
      integrationId = await csvInventory(c, `mac_addresses,device_name,platform\n${MAC},linux-box,linux\n`, { name: 'Lab' });
      app = await createTestApp(c, { trustedEndpoints: 'require-trusted' }, 'Lab app');
      agent = await startPostureAgent(c.url, { platform: 'linux', hostname: 'linux-box', macAddresses: [MAC] });
    });
    afterAll(async () => {
      await agent.stop();
      await c.stop();
    });

    async function verdict(): Promise<{ access: string; verdict: string; reasons: string[] }> {
      const tx = await app.open('alice@example.com');
      await agent.attest(tx);
      return (await app.read(tx)).body;
    }

    it('off: untrusted, and the reason says MAC matching is off for this integration', async () => {
      const result = await verdict();
      assert.equal(result.verdict, 'untrusted');
      assert.equal(result.access, 'deny');
      assert.match(
        result.reasons.join('\n'),
        /^untrusted: no record in "Lab" \(csv\) matches this device's MAC address \(MAC matching is off for this integration: record "linux-box" holds MAC address 02FC00000042; set matchMacAddresses to match on it\)$/m,
      );
    });

    it('on: trusted on the MAC address', async () => {
      const patched = await c.admin('PATCH', `/admin/v1/integrations/${integrationId}`, { config: { matchMacAddresses: true } });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      const result = await verdict();
      assert.equal(result.verdict, 'trusted', result.reasons.join('\n'));
      assert.match(
        result.reasons.join('\n'),
        /^trusted: MAC address 02FC00000042 matches record "linux-box" of integration "Lab" \(csv\)$/m,
      );
    });

    it('on, then blocked: the block is the only reason; the MAC match reads as a passing check, not as a reason', async () => {
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${agent.endpointId}/block`)).status, 200);
      try {
        const result = await verdict();
        assert.deepEqual([result.verdict, result.access], ['untrusted', 'deny']);
        const passing = 'identifier match: MAC address 02FC00000042 matches record "linux-box" of integration "Lab" (csv) (pass)';
        assert.deepEqual(result.reasons.slice(0, 2), [
          'denied: an administrator blocked this endpoint',
          'rule endpoint block: an administrator blocked this endpoint (fail)',
        ]);
        assert.ok(result.reasons.slice(2).includes(passing), result.reasons.join('\n'));
        assert.ok(!result.reasons.some((r) => r.startsWith('trusted: ')), result.reasons.join('\n'));
        // The endpoint as the admin API (and the console) shows it says the same.
        const endpoint = (await c.admin('GET', `/admin/v1/endpoints/${agent.endpointId}`)).body;
        assert.equal(endpoint.trusted, false);
        assert.match(endpoint.matchReasons[0], /^untrusted: an administrator blocked this endpoint/);
        assert.equal(endpoint.matchReasons[1], passing);
        assert.ok(!endpoint.matchReasons.some((r: string) => r.startsWith('trusted: ')), endpoint.matchReasons.join('\n'));
        assert.deepEqual(endpoint.lastVerdict.reasons, result.reasons);
      } finally {
        assert.equal((await c.admin('DELETE', `/admin/v1/endpoints/${agent.endpointId}/block`)).status, 200);
      }
    });
  });
}
