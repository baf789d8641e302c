import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { describeUnless } from '../../support/skip.js';
import { randomBytes } from 'node:crypto';
import { randomToken, seal } from '@devtrust/shared/crypto';
import { writePayloads } from '@devtrust/installers/payloads';
import { trustedEndpointSettings } from '@devtrust/installers/trusted-endpoints';
import { parseXml, plistValue } from '../../../installers/test/support/xml.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { ENROLLMENT_KEY, type TestCollector } from '../../support/collector.js';
import { collectorOn, DATABASES } from '../../../collector/test/sync/support/databases.js';
import { SimulatedMobileClient, type MobileAppConfig } from '../../support/mobile-client.js';
import { syncAndWait } from '../../../collector/test/sync/mdm/harness.js';
import { mobileIronHarness, workspaceOneHarness } from '../../../collector/test/sync/mdm/harnesses.js';
import { ListInventory } from '../../../collector/test/vendors/mdm/server-kit.js';

/**
 * The MDM-asserted path on phones: Workspace ONE and MobileIron Core list iOS and Android
 * devices, the integration's key and the MDM's variable go into the generated managed app
 * configurations (ios/managed-app-config.plist, android/managed-config.json), the "MDM"
 * delivers them with its device ID filled in, and a simulated mobile client reports the
 * asserted identity only and attests a sign-in.
 */

interface Mdm {
  harness: typeof workspaceOneHarness | typeof mobileIronHarness;
  /** Indexes of the sample inventory: an iOS and an Android device. */
  ios: number;
  android: number;
  deviceId: (device: any) => string;
}

const MDMS: Mdm[] = [
  { harness: workspaceOneHarness, ios: 2, android: 3, deviceId: (d) => d.Udid },
  { harness: mobileIronHarness, ios: 1, android: 0, deviceId: (d) => d['common.uuid'] },
];

/** The managed app configuration the app would read, from the generated file as the MDM delivers it. */
function appConfigOf(platform: 'ios' | 'android', text: string): MobileAppConfig {
  if (platform === 'ios') return plistValue(parseXml(text)) as MobileAppConfig;
  const json = JSON.parse(text) as { managedProperty: { key: string; valueString: string }[] };
  return Object.fromEntries(json.managedProperty.map((p) => [p.key, p.valueString]));
}

for (const { name: db, skip } of DATABASES)
  describeUnless(skip)(`MDM-asserted identity from a simulated iOS and Android client (${db})`, () => {
    let c: TestCollector;
    let app: TestApp;
    const servers: { close(): Promise<void> }[] = [];
    let out = '';
    const configs = new Map<string, MobileAppConfig>();
    const clients: SimulatedMobileClient[] = [];

    beforeAll(async () => {
      out = mkdtempSync(path.join(tmpdir(), 'devtrust-mobile-'));
      c = await collectorOn(db);
      for (const mdm of MDMS) {
        const devices = [0, 1, 2, 3].map((i) => mdm.harness.make(i));
        const { server, config } = await mdm.harness.start(new ListInventory<any>(devices), 'a');
        servers.push(server);
        const created = await c.admin('POST', '/admin/v1/integrations', {
          kind: mdm.harness.kind,
          name: `${mdm.harness.kind} phones`,
          platforms: ['ios', 'android'],
          config,
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const id = created.body.id as string;
        await c.admin('PUT', `/admin/v1/integrations/${id}/activation`, { mode: 'all-users' });
        assert.equal((await syncAndWait(c, id)).status, 'succeeded');
        const page = await c.admin('GET', `/admin/v1/trusted-endpoints/${id}`);
        assert.deepEqual(
          page.body.platforms.map((p: any) => p.platform),
          ['ios', 'android'],
          'the page gives instructions for the platforms the integration covers',
        );
        const dir = path.join(out, mdm.harness.kind);
        await writePayloads(
          dir,
          { collectorUrl: c.url, enrollmentKey: ENROLLMENT_KEY, ...trustedEndpointSettings(mdm.harness.kind, page.body.key)! },
          new URL(c.url).origin,
        );
        for (const platform of ['ios', 'android'] as const) {
          const file = platform === 'ios' ? 'ios/managed-app-config.plist' : 'android/managed-config.json';
          const device = devices[mdm[platform]];
          const delivered = readFileSync(path.join(dir, file), 'utf8').split(page.body.variable).join(mdm.deviceId(device));
          configs.set(`${mdm.harness.kind}/${platform}`, appConfigOf(platform, delivered));
        }
      }
      app = await createTestApp(c, { trustedEndpoints: 'require-trusted', requireAssurance: 'mdm_asserted' }, 'Mail');
    }, 60_000);

    afterAll(async () => {
      for (const client of clients) client.close();
      await c?.stop();
      for (const server of servers) await server.close();
      rmSync(out, { recursive: true, force: true });
    });

    async function client(platform: 'ios' | 'android'): Promise<SimulatedMobileClient> {
      const made = await SimulatedMobileClient.enroll(c.url, ENROLLMENT_KEY, platform);
      clients.push(made);
      return made;
    }

    async function signIn(mobile: SimulatedMobileClient, config: MobileAppConfig) {
      assert.equal((await mobile.report(mobile.reportFrom(config))).type, 'ack');
      const tx = await app.open('ivy');
      const verdict = await mobile.attest(tx);
      return { verdict, read: (await app.read(tx)).body };
    }

    for (const mdm of MDMS) {
      for (const platform of ['ios', 'android'] as const) {
        describe(`${mdm.harness.kind} ${platform}`, () => {
          it('the managed app configuration makes the sign-in "trusted, MDM-asserted"', async () => {
            const config = configs.get(`${mdm.harness.kind}/${platform}`)!;
            const mobile = await client(platform);
            const { verdict, read } = await signIn(mobile, config);
            assert.deepEqual(
              [verdict.verdict, verdict.access, verdict.assurance],
              ['trusted', 'allow', 'mdm_asserted'],
              JSON.stringify(verdict),
            );
            assert.deepEqual([read.verdict, read.access, read.assurance], ['trusted', 'allow', 'mdm_asserted']);
            assert.match(
              verdict.reasons[1],
              new RegExp(`^trusted: MDM device ID \\w+ matches record .* of integration "${mdm.harness.kind} phones"`),
            );
            const endpoint = (await c.admin('GET', `/admin/v1/endpoints/${mobile.channel.endpointId}`)).body;
            assert.deepEqual([endpoint.platform, endpoint.assurance, endpoint.matched.kind], [platform, 'mdm_asserted', 'mdmDeviceId']);
          });

          it("the integration page's identifier check finds the phone by its MDM device ID", async () => {
            const { body } = await c.admin('GET', '/admin/v1/integrations');
            const integration = body.integrations.find((i: any) => i.kind === mdm.harness.kind);
            const deviceId = configs.get(`${mdm.harness.kind}/${platform}`)!.trustedEndpointIdentifier!;
            const found = await c.admin(
              'GET',
              `/admin/v1/integrations/${integration.id}/identifiers/${encodeURIComponent(deviceId.toLowerCase())}`,
            );
            assert.deepEqual([found.body.found, found.body.device.platform], [true, platform]);
          });

          it('a wrong configuration key leaves the phone untrusted', async () => {
            const config = { ...configs.get(`${mdm.harness.kind}/${platform}`)!, trustedEndpointsKey: randomToken('dtc') };
            const { verdict } = await signIn(await client(platform), config);
            assert.deepEqual([verdict.verdict, verdict.access, verdict.assurance], ['untrusted', 'deny', null]);
            assert.match(verdict.reasons.join('\n'), /proof does not verify with that integration's configuration key/);
          });
        });
      }
    }

    it("another phone's device ID, proven with the right key but for this phone's device key, asserts only the named record", async () => {
      // The proof binds the device key: replaying the iOS phone's report from another client does not verify.
      const ios = await client('ios');
      const report = ios.reportFrom(configs.get('workspace-one/ios')!);
      const thief = await client('ios');
      assert.equal((await thief.report(report)).type, 'ack');
      const tx = await app.open('ivy');
      const verdict = await thief.attest(tx);
      assert.deepEqual([verdict.verdict, verdict.assurance], ['untrusted', null]);
    });

    it('the key: one per integration even when first asked for at once, sealed at rest, 404/400 for what has none', async () => {
      const created = await c.admin('POST', '/admin/v1/integrations', {
        kind: 'kandji',
        name: 'Fresh Kandji',
        platforms: ['macos'],
        config: { baseUrl: 'https://kandji.invalid', apiToken: 'kandji-token-0001' },
      });
      const id = created.body.id as string;
      const answers = await Promise.all([1, 2, 3, 4, 5].map(() => c.admin('GET', `/admin/v1/trusted-endpoints/${id}`)));
      const keys = new Set(answers.map((a) => a.body.key));
      assert.equal(keys.size, 1, 'concurrent first reads agree on one key');
      const key = [...keys][0] as string;
      const sealed = (await c.store.knex('integrations').where({ id }).first('trusted_endpoints_key')).trusted_endpoints_key as string;
      assert.match(sealed, /^v1\./);
      assert.ok(!sealed.includes(key) && !sealed.includes(key.slice(4)));
      const rotated = await c.admin('POST', `/admin/v1/trusted-endpoints/${id}/rotate`);
      assert.notEqual(rotated.body.key, key);
      const resealed = (await c.store.knex('integrations').where({ id }).first('trusted_endpoints_key')).trusted_endpoints_key;
      assert.notEqual(resealed, sealed);
      assert.equal((await c.admin('GET', '/admin/v1/trusted-endpoints/int_missing')).status, 404);
      // Restored from a backup under another master key: it says so, and a rotation mends it.
      await c.store
        .knex('integrations')
        .where({ id })
        .update({ trusted_endpoints_key: seal(randomBytes(32), 'dtc_x', `${id}/trustedEndpointsKey`) });
      const unreadable = await c.admin('GET', `/admin/v1/trusted-endpoints/${id}`);
      assert.deepEqual([unreadable.status, unreadable.body.error.code], [409, 'KEY_UNREADABLE']);
      assert.equal((await c.admin('POST', `/admin/v1/trusted-endpoints/${id}/rotate`)).status, 201);
      const summary = await c.admin('GET', `/admin/v1/integrations/${id}`);
      assert.ok(!JSON.stringify(summary.body).includes(rotated.body.key), 'the integration itself never shows the key');
    });

    it('a mobile report without the asserted identity is refused with 4400 MOBILE_REPORT_INVALID', async () => {
      const mobile = await client('android');
      const answer = await mobile.report(mobile.reportFrom({}));
      assert.deepEqual([answer.type, answer.code], ['error', 'MOBILE_REPORT_INVALID']);
      assert.equal((await mobile.channel.closed).code, 4400);
    });

    it('a mobile report carrying hardware identifiers is refused with 4400, naming them', async () => {
      const mobile = await client('ios');
      const answer = await mobile.report(
        mobile.reportFrom(configs.get('mobileiron-core/ios')!, { serialNumber: 'F2LXK0ABCDEF', macAddresses: ['02:00:00:00:00:01'] }),
      );
      assert.deepEqual([answer.type, answer.code], ['error', 'MOBILE_REPORT_INVALID']);
      assert.match(answer.message, /must not carry serialNumber, macAddresses/);
      assert.equal((await mobile.channel.closed).code, 4400);
    });

    it('a malformed proof is refused with 4400 INVALID_MESSAGE', async () => {
      const mobile = await client('android');
      const report = mobile.reportFrom(configs.get('workspace-one/android')!);
      const answer = await mobile.report({ ...report, mdmAssertion: { deviceId: report.mdmAssertion!.deviceId, proof: 'not-a-proof' } });
      assert.deepEqual([answer.type, answer.code], ['error', 'INVALID_MESSAGE']);
      assert.equal((await mobile.channel.closed).code, 4400);
    });
  });
