import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { pino } from 'pino';
import { randomToken } from '@devtrust/shared/crypto';
import type { DeviceIdentity } from '@devtrust/shared/identity';
import { sanitizeManaged } from '@devtrust/agent/config/managed/index';
import { settingsFromRegValues } from '@devtrust/agent/config/managed/windows';
import type { ManagedSettings } from '@devtrust/agent/config/managed/types';
import { writePayloads } from '@devtrust/installers/payloads';
import { trustedEndpointSettings } from '@devtrust/installers/trusted-endpoints';
import { parseXml, plistValue, walk, type Plist } from '../../../installers/test/support/xml.js';
import { startTestAgent } from '../../support/agent.js';
import { standingText } from '@devtrust/agent/cli';
import { runBin } from '../../support/bin.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { ENROLLMENT_KEY, OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { syncAndWait } from '../../../collector/test/sync/mdm/harness.js';
import { ALL_HARNESSES } from '../../../collector/test/sync/mdm/harnesses.js';
import { ListInventory } from '../../../collector/test/vendors/mdm/server-kit.js';
import { kandjiUdid } from '../../../collector/test/vendors/mdm/kandji.js';

/**
 * The MDM-asserted path on the desktop, for every MDM: its vendor-shaped server lists the
 * device, the integration page gives the configuration key and the MDM's variable,
 * `devtrust-installers payloads --mdm` writes the profile (macOS) or install.cmd (Windows),
 * the "MDM" delivers it with its variable replaced by its own device ID, the agent's
 * managed-settings layer reads it, and a real agent signs in. A wrong or missing key never
 * yields the asserted level.
 */

interface Desktop {
  kind: string;
  /** Which device of the vendor's sample inventory, and what the agent reads from it. */
  index: number;
  platform: 'macos' | 'windows';
  mdmDeviceId: (device: any) => string;
  identity: (device: any) => DeviceIdentity;
}

const DESKTOPS: Desktop[] = [
  {
    kind: 'workspace-one',
    index: 0, // WinRT
    platform: 'windows',
    mdmDeviceId: (d) => d.Udid,
    identity: (d) => ({ platform: 'windows', serialNumber: d.SerialNumber, hostname: 'ws1-pc' }),
  },
  {
    kind: 'mobileiron-core',
    index: 3, // macOS
    platform: 'macos',
    mdmDeviceId: (d) => d['common.uuid'],
    identity: (d) => ({ platform: 'macos', serialNumber: d['common.SerialNumber'], hostname: 'core-mac' }),
  },
  {
    kind: 'intune',
    index: 0, // Windows
    platform: 'windows',
    mdmDeviceId: (d) => d.id,
    identity: (d) => ({ platform: 'windows', serialNumber: d.serialNumber, hostname: 'intune-pc' }),
  },
  {
    kind: 'jamf-pro',
    index: 0,
    platform: 'macos',
    mdmDeviceId: (d) => d.udid,
    identity: (d) => ({ platform: 'macos', hardwareUuid: d.udid, serialNumber: d.hardware.serialNumber, hostname: 'jamf-mac' }),
  },
  {
    kind: 'kandji',
    index: 0, // Mac
    platform: 'macos',
    mdmDeviceId: (d) => d.device_id,
    identity: (d) => ({ platform: 'macos', hardwareUuid: kandjiUdid(0), serialNumber: d.serial_number, hostname: 'kandji-mac' }),
  },
];

/** What the MDM does when it delivers a payload: its variable becomes its ID for the device. */
const deliver = (text: string, variable: string, deviceId: string): string => text.split(variable).join(deviceId);

/** macOS: the agent's managed preferences, as the profile installs them (read back by the agent's sanitizer). */
function macManagedSettings(profileXml: string): ManagedSettings {
  const profile = plistValue(parseXml(profileXml)) as Record<string, Plist>;
  const agent = (profile.PayloadContent as Record<string, Plist>[]).find(
    (p) => p.PayloadIdentifier === 'com.devtrust.agent.profile.com.devtrust.agent',
  );
  const forced = (agent!.PayloadContent as Record<string, Record<string, Record<string, Plist>[]>>)['com.devtrust.agent']!.Forced![0]!;
  return sanitizeManaged(forced.mcx_preference_settings as Record<string, unknown>);
}

/**
 * Windows: install.cmd's MSI properties land in the policy key under the value names the
 * ADMX declares; the agent's registry reader maps those names back to settings.
 */
function windowsManagedSettings(installCmd: string, admx: string): ManagedSettings {
  const property = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(installCmd)?.[1];
  const policies = [...walk(parseXml(admx))].filter((n) => n.name === 'policy');
  const valueName = (policy: string) =>
    [...walk(policies.find((p) => p.attributes.name === policy)!)].find((n) => n.attributes.valueName)!.attributes.valueName!;
  const values = new Map([
    [valueName('TrustedEndpointsKey'), { type: 'REG_SZ', value: property('TRUSTEDENDPOINTSKEY') }],
    [valueName('TrustedEndpointIdentifier'), { type: 'REG_SZ', value: property('TRUSTEDENDPOINTIDENTIFIER') }],
  ]);
  return sanitizeManaged(settingsFromRegValues(values as never));
}

describe('MDM-asserted identity on macOS and Windows, for every MDM', () => {
  let c: TestCollector;
  let strict: TestApp;
  /** The agent's own view of its standing after the last sign-in (devtrust-agent --once). */
  let standing = '';
  let lenient: TestApp;
  const servers: { close(): Promise<void> }[] = [];
  const outDirs: string[] = [];
  /** Every line the collector logs, at debug: no configuration key may be in one. */
  const logLines: string[] = [];
  const setups = new Map<string, { integrationId: string; device: any; key: string; variable: string; managed: ManagedSettings }>();

  beforeAll(async () => {
    c = await startTestCollector({
      scheduler: false,
      log: pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }),
    });
    for (const desktop of DESKTOPS) {
      const harness = ALL_HARNESSES.find((h) => h.kind === desktop.kind)!;
      const device = harness.make(desktop.index);
      const { server, config } = await harness.start(new ListInventory([device, harness.make(desktop.index + 4)]), 'a');
      if (desktop.kind === 'kandji') (server as any).udids.set(device.device_id, kandjiUdid(0));
      servers.push(server);
      const created = await c.admin('POST', '/admin/v1/integrations', {
        kind: desktop.kind,
        name: `${desktop.kind} fleet`,
        platforms: harness.platforms,
        config,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const integrationId = created.body.id as string;
      assert.equal((await c.admin('PUT', `/admin/v1/integrations/${integrationId}/activation`, { mode: 'all-users' })).status, 200);
      assert.equal((await syncAndWait(c, integrationId)).status, 'succeeded');

      // The integration page: the key and the MDM's own variable.
      const page = await c.admin('GET', `/admin/v1/trusted-endpoints/${integrationId}`);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      const { key, variable } = page.body as { key: string; variable: string };

      // The payload generated for this MDM, delivered by it to this one device.
      const out = mkdtempSync(path.join(tmpdir(), 'devtrust-asserted-'));
      outDirs.push(out);
      const trusted = trustedEndpointSettings(desktop.kind, key)!;
      assert.equal(trusted.trustedEndpointIdentifier, variable, 'the payload carries the variable the page shows');
      await writePayloads(out, { collectorUrl: c.url, enrollmentKey: ENROLLMENT_KEY, ...trusted }, new URL(c.url).origin);
      const read = (file: string) => deliver(readFileSync(path.join(out, file), 'utf8'), variable, desktop.mdmDeviceId(device));
      const managed =
        desktop.platform === 'macos'
          ? macManagedSettings(read('macos/devtrust.mobileconfig'))
          : windowsManagedSettings(read('windows/install.cmd'), read('windows/DevTrust.admx'));
      assert.equal(managed.trustedEndpointIdentifier, desktop.mdmDeviceId(device));
      assert.equal(managed.trustedEndpointsKey, key);
      setups.set(desktop.kind, { integrationId, device, key, variable, managed });
    }
    strict = await createTestApp(c, { trustedEndpoints: 'require-trusted', requireAssurance: 'mdm_asserted' }, 'Payroll');
    lenient = await createTestApp(c, { trustedEndpoints: 'require-trusted' }, 'Wiki');
  }, 60_000);

  afterAll(async () => {
    await c?.stop();
    for (const server of servers) await server.close();
    for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * One sign-in by the device's agent with these managed settings. The agent keeps its data
   * dir, so every run is the same enrolled endpoint (a second endpoint reporting the same
   * identifiers would wait for an admin's approval).
   */
  async function signIn(desktop: Desktop, managed: ManagedSettings, app: TestApp) {
    const setup = setups.get(desktop.kind)!;
    const dataDir = path.join(outDirs[0]!, `agent-${desktop.kind}`);
    const agent = await startTestAgent(c.url, desktop.identity(setup.device), { managed, dataDir });
    try {
      const tx = await app.open('ivy');
      await agent.agent.attest(tx);
      // What `devtrust-agent --once` prints asks the same question under the global policy.
      standing = standingText({ standing: await agent.agent.link.check() });
      return (await app.read(tx)).body;
    } finally {
      await agent.stop();
    }
  }

  for (const desktop of DESKTOPS) {
    describe(`${desktop.kind} (${desktop.platform})`, () => {
      it('the pushed ID and key make the verdict "trusted, MDM-asserted", which the strict application allows', async () => {
        const setup = setups.get(desktop.kind)!;
        const result = await signIn(desktop, setup.managed, strict);
        assert.deepEqual(
          [result.verdict, result.access, result.assurance],
          ['trusted', 'allow', 'mdm_asserted'],
          JSON.stringify(result.reasons),
        );
        assert.equal(result.assurance, 'mdm_asserted');
        assert.match(
          result.reasons.join('\n'),
          new RegExp(`assurance: trusted, MDM-asserted: MDM device ID .* of integration "${desktop.kind} fleet"`),
        );
        assert.match(result.reasons.join('\n'), /rule requireAssurance=mdm_asserted: device trusted MDM-asserted \(pass\)/);
        assert.match(standing, /^trusted, MDM-asserted: this device meets the collector's policy \(access allow\)/);
      });

      it('a wrong configuration key: trusted by identifiers only, denied where the application requires the asserted level', async () => {
        const setup = setups.get(desktop.kind)!;
        const wrong = { ...setup.managed, trustedEndpointsKey: randomToken('dtc') };
        const denied = await signIn(desktop, wrong, strict);
        assert.deepEqual([denied.verdict, denied.access, denied.assurance], ['untrusted', 'deny', null]);
        assert.equal(
          denied.reasons[0],
          'denied: the policy requires an MDM-asserted identity and this device is trusted by identifiers only',
        );
        assert.match(denied.reasons.join('\n'), /proof does not verify with that integration's configuration key/);
        const allowed = await signIn(desktop, wrong, lenient);
        assert.deepEqual([allowed.verdict, allowed.access, allowed.assurance], ['trusted', 'allow', 'identifiers']);
      });

      it('no configuration pushed: trusted by identifiers only, never asserted', async () => {
        const denied = await signIn(desktop, {}, strict);
        assert.deepEqual([denied.verdict, denied.access, denied.assurance], ['untrusted', 'deny', null]);
        const allowed = await signIn(desktop, {}, lenient);
        assert.deepEqual([allowed.verdict, allowed.access, allowed.assurance], ['trusted', 'allow', 'identifiers']);
        assert.match(standing, /^trusted: this device meets the collector's policy/);
      });

      it('an identifier pushed without its key is not reported as an assertion: identifiers only', async () => {
        const setup = setups.get(desktop.kind)!;
        const { trustedEndpointsKey: _key, ...identifierOnly } = setup.managed;
        const result = await signIn(desktop, identifierOnly, lenient);
        assert.equal(result.assurance, 'identifiers');
      });
    });
  }

  it('the key of another integration never asserts a device of this one', async () => {
    const jamf = DESKTOPS.find((d) => d.kind === 'jamf-pro')!;
    const other = setups.get('kandji')!.key;
    const result = await signIn(jamf, { ...setups.get('jamf-pro')!.managed, trustedEndpointsKey: other }, strict);
    assert.deepEqual([result.access, result.assurance], ['deny', null]);
  });

  it('an identifier the MDM did not fill in is named as such, and never asserts', async () => {
    const intune = DESKTOPS.find((d) => d.kind === 'intune')!;
    const setup = setups.get('intune')!;
    const result = await signIn(intune, { ...setup.managed, trustedEndpointIdentifier: setup.variable }, strict);
    assert.equal(result.access, 'deny');
    assert.match(result.reasons.join('\n'), /trusted endpoint identifier "\{\{DeviceId\}\}" is an MDM variable the MDM did not fill in/);
  });

  it('no configuration key is ever stored in a report, logged, or in an auth log entry', async () => {
    const keys = [...setups.values()].map((s) => s.key);
    const reports = (await c.store.knex('report_history').pluck('body')) as string[];
    assert.ok(
      reports.some((body) => body.includes('"mdmAssertion"')),
      'reports carry the assertion',
    );
    const entries = JSON.stringify((await c.admin('GET', '/admin/v1/auth-log?limit=1000')).body);
    assert.ok(logLines.length > 0 && logLines.some((line) => line.includes('trusted endpoints configuration key created')));
    for (const key of keys) {
      for (const [where, texts] of [
        ['reports', reports],
        ['logs', logLines],
        ['auth log', [entries]],
      ] as const)
        assert.ok(!texts.some((text) => text.includes(key) || text.includes(key.slice(4))), `the key is in the ${where}`);
    }
  });

  it('devtrustctl trusted-endpoints show prints the key and the variable the page shows', async () => {
    const setup = setups.get('workspace-one')!;
    const shown = await runBin('devtrustctl', ['trusted-endpoints', 'show', setup.integrationId], {
      env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN },
    });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^key: ${setup.key}$`, 'm'));
    assert.match(shown.stdout, /^variable: \{DeviceUid\}$/m);
  });

  it('after a rotation the old key no longer asserts; the new one does; the auth log records the level', async () => {
    const kandji = DESKTOPS.find((d) => d.kind === 'kandji')!;
    const setup = setups.get('kandji')!;
    const rotated = await c.admin('POST', `/admin/v1/trusted-endpoints/${setup.integrationId}/rotate`);
    assert.equal(rotated.status, 201);
    assert.notEqual(rotated.body.key, setup.key);
    // The administrator actions log has the first showing (which made the key) and the rotation, never a key.
    const actions = await c.admin('GET', `/admin/v1/admin-log?resourceType=trusted-endpoints-key&resourceId=${setup.integrationId}`);
    assert.deepEqual(
      actions.body.entries.map((e: any) => e.action),
      ['rotate', 'generate'],
    );
    for (const key of [setup.key, rotated.body.key]) assert.ok(!JSON.stringify(actions.body).includes(key));
    assert.equal((await signIn(kandji, setup.managed, strict)).assurance, null);
    const renewed = await signIn(kandji, { ...setup.managed, trustedEndpointsKey: rotated.body.key }, strict);
    assert.deepEqual([renewed.access, renewed.assurance], ['allow', 'mdm_asserted']);
    const log = await c.admin('GET', '/admin/v1/auth-log?limit=2');
    assert.deepEqual(
      log.body.entries.map((e: any) => [e.access, e.assurance]),
      [
        ['allow', 'mdm_asserted'],
        ['deny', null],
      ],
    );
  });
});
