import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { parseXml, plistValue, type Plist } from './support/xml.js';
import { runCli } from './support/run-cli.js';

const KEY = 'dtc_8Qv0m0eYHc3mX2tJmTqk2oJd2pXH3c3r2F4Zy6d2N9k';
const BASE = ['payloads', '--collector', 'https://trust.example.com', '--enrollment-key', 'dte_key'];

describe('devtrust-installers payloads --mdm: MDM-asserted identity', () => {
  for (const [mdm, variable] of [
    ['workspace-one', '{DeviceUid}'],
    ['mobileiron-core', '$DEVICE_UUID$'],
    ['intune', '{{DeviceId}}'],
    ['jamf-pro', '$UDID'],
    ['kandji', '$DEVICE_ID'],
  ] as const) {
    it(`${mdm}: every payload carries the key and ${variable}, owner-only`, () => {
      const out = mkdtempSync(path.join(tmpdir(), 'devtrust-te-'));
      const result = runCli([...BASE, '--out', out, '--mdm', mdm, '--trusted-endpoints-key', KEY]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim().split('\n').length, 8);
      const read = (file: string) => readFileSync(path.join(out, file), 'utf8');

      const profile = plistValue(parseXml(read('macos/devtrust.mobileconfig'))) as Record<string, Plist>;
      const agent = (profile.PayloadContent as Record<string, Plist>[]).find(
        (p) => p.PayloadIdentifier === 'com.devtrust.agent.profile.com.devtrust.agent',
      )!;
      const settings = (agent.PayloadContent as Record<string, Record<string, Record<string, Plist>[]>>)['com.devtrust.agent']!.Forced![0]!
        .mcx_preference_settings as Record<string, Plist>;
      assert.deepEqual([settings.trustedEndpointsKey, settings.trustedEndpointIdentifier], [KEY, variable]);

      const cmd = read('windows/install.cmd');
      assert.ok(cmd.includes(`TRUSTEDENDPOINTSKEY="${KEY}" TRUSTEDENDPOINTIDENTIFIER="${variable}"`), cmd);

      assert.deepEqual(plistValue(parseXml(read('ios/managed-app-config.plist'))), {
        trustedEndpointIdentifier: variable,
        trustedEndpointsKey: KEY,
      });
      assert.deepEqual(JSON.parse(read('android/managed-config.json')), {
        kind: 'androidenterprise#managedConfiguration',
        productId: 'app:com.devtrust.agent',
        managedProperty: [
          { key: 'trustedEndpointsKey', valueString: KEY },
          { key: 'trustedEndpointIdentifier', valueString: variable },
        ],
      });
      for (const file of ['ios/managed-app-config.plist', 'android/managed-config.json'])
        assert.equal(statSync(path.join(out, file)).mode & 0o777, 0o600, file);
    });
  }

  it('without --mdm: no trusted endpoint settings and no mobile files', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'devtrust-te-'));
    assert.equal(runCli([...BASE, '--out', out]).code, 0);
    assert.ok(!readFileSync(path.join(out, 'macos/devtrust.mobileconfig'), 'utf8').includes('trustedEndpoint'));
    assert.ok(!readFileSync(path.join(out, 'windows/install.cmd'), 'utf8').includes('TRUSTEDENDPOINT'));
  });

  for (const [what, flags, message] of [
    ['--mdm without the key', ['--mdm', 'intune'], /--mdm and --trusted-endpoints-key go together/],
    ['the key without --mdm', ['--trusted-endpoints-key', KEY], /--mdm and --trusted-endpoints-key go together/],
    [
      'an MDM without a device ID variable',
      ['--mdm', 'csv', '--trusted-endpoints-key', KEY],
      /--mdm must be one of workspace-one, mobileiron-core, intune, jamf-pro, kandji/,
    ],
    [
      'something that is not a configuration key',
      ['--mdm', 'intune', '--trusted-endpoints-key', 'dte_enrollment-key'],
      /--trusted-endpoints-key must be the integration's configuration key/,
    ],
  ] as const) {
    it(`refuses ${what} with one line and exit 2`, () => {
      const result = runCli([...BASE, '--out', mkdtempSync(path.join(tmpdir(), 'devtrust-te-')), ...flags]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1);
    });
  }
});
