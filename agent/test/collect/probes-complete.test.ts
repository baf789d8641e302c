import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { reportSchema } from '@devtrust/shared/protocol';
import { createHost, type FileAccess } from '../../src/collect/host.js';
import { assemble, PROBE_SETS } from '../../src/collect/index.js';
import { found, missing, PROBE_NAMES, type ProbeName } from '../../src/collect/probe.js';

/** A machine where nothing answers: no command is installed and no file exists. */
const nothingFiles: FileAccess = {
  readText: async (file) => ({ ok: false, kind: 'missing', reason: `${file} does not exist` }),
  listDir: async (dir) => ({ ok: false, kind: 'missing', reason: `${dir} does not exist` }),
  exists: async () => false,
  realpath: async (file) => ({ ok: false, kind: 'missing', reason: `${file} does not exist` }),
};

const STUBBED: Record<string, ProbeName[]> = {
  windows: ['passwordSet'],
  macos: ['machineGuid', 'passwordSet'],
  linux: ['machineGuid', 'screenLock', 'passwordSet'],
};

describe('every OS implements or explicitly stubs every probe', () => {
  for (const [platform, probes] of Object.entries(PROBE_SETS)) {
    it(`${platform}: the probe set is exactly PROBE_NAMES`, () => {
      assert.deepEqual(Object.keys(probes).sort(), [...PROBE_NAMES].sort());
      for (const name of PROBE_NAMES) assert.equal(typeof probes[name], 'function', name);
    });

    it(`${platform}: on a machine where nothing answers, every probe returns a value or a reason`, async () => {
      const host = createHost({
        platform: platform as 'windows' | 'macos' | 'linux',
        runner: async (name) => ({ ok: false, kind: 'not-installed', reason: `${name} is not installed` }),
        files: nothingFiles,
        osHostname: () => '',
      });
      for (const name of PROBE_NAMES) {
        const result = await probes[name](host); // a throw here fails the test: probes never throw
        assert.equal(typeof result.ok, 'boolean', name);
        if (!result.ok) assert.ok(result.reason.length > 0, `${name} gives a reason`);
      }
      // Nothing answering means no connector is claimed (notes may say what could not be asked).
      const edr = await probes.edr(host);
      assert.deepEqual(edr.ok && edr.value.connectors, []);
    });

    it(`${platform}: stubs say why the probe does not apply`, async () => {
      const host = createHost({
        platform: platform as 'windows' | 'macos' | 'linux',
        runner: async () => ({ ok: true, code: 0, stdout: '', stderr: '' }),
        files: nothingFiles,
      });
      for (const name of STUBBED[platform] ?? []) {
        const result = await probes[name](host);
        assert.equal(result.ok, false, name);
        if (!result.ok) assert.match(result.reason, /not applicable|not readable/, name);
      }
    });
  }
});

describe('assembling a report', () => {
  it('keeps every value and reason within the report schema (256 characters)', () => {
    const results = Object.fromEntries(PROBE_NAMES.map((name) => [name, missing('x'.repeat(1000))])) as any;
    results.hostname = found('h'.repeat(300));
    results.osVersion = found('14.4.1');
    const { identity, probeErrors } = assemble('macos', results);
    assert.equal(identity.hostname, undefined);
    assert.equal(identity.osVersion, '14.4.1');
    assert.match(probeErrors.hostname ?? '', /longer than 256/);
    for (const reason of Object.values(probeErrors)) assert.ok(reason.length <= 256);
    assert.equal(identity.edr, undefined, 'a failed EDR probe is not "no EDR installed"');
  });

  it('leaves out a hostname with a control or bidi character (the collector would refuse the whole report)', () => {
    const results = Object.fromEntries(PROBE_NAMES.map((name) => [name, missing('n/a')])) as any;
    results.hostname = found('LAPTOP-\u202eEXE.TXT');
    results.serialNumber = found('PF2ABCDE');
    const { identity, probeErrors } = assemble('windows', results);
    assert.equal(identity.hostname, undefined);
    assert.equal(identity.serialNumber, 'PF2ABCDE');
    assert.equal(probeErrors.hostname, 'value contains U+202E, a control or bidirectional character');
    assert.equal(reportSchema.safeParse({ agentVersion: '0.1.0', collectedAt: 'now', identity, probeErrors }).success, true);
  });

  it('leaves out a hostname or identifier with a joiner, a selector or an invisible character, keeping a joiner in the OS version', () => {
    const results = Object.fromEntries(PROBE_NAMES.map((name) => [name, missing('n/a')])) as any;
    results.hostname = found('LAPTOP-12\u200d');
    results.serialNumber = found('PF2\u034fABCDE');
    results.machineGuid = found('ab\ufe0fcd');
    results.macAddresses = found(['02:FC:00:00:00:01', '02:FC:00:00:00:02\u200c']);
    results.osVersion = found('Windows 11 کار‌ها');
    const { identity, probeErrors } = assemble('windows', results);
    assert.equal(identity.hostname, undefined);
    assert.equal(identity.serialNumber, undefined);
    assert.equal(identity.machineGuid, undefined);
    assert.deepEqual(identity.macAddresses, ['02:FC:00:00:00:01']);
    assert.equal(identity.osVersion, 'Windows 11 کار‌ها');
    assert.equal(probeErrors.hostname, 'value contains U+200D, a control or bidirectional character');
    assert.equal(probeErrors.serialNumber, 'value contains U+034F, a control or bidirectional character');
    // The collector would have refused the whole report: now it takes it.
    assert.equal(reportSchema.safeParse({ agentVersion: '0.1.0', collectedAt: 'now', identity, probeErrors }).success, true);
  });

  it('leaves out identifiers and MACs with a control or bidi character (shown in findings and tables, so refused by the collector)', () => {
    const results = Object.fromEntries(PROBE_NAMES.map((name) => [name, missing('n/a')])) as any;
    results.serialNumber = found('S\u001b[2JX');
    results.machineGuid = found('ab\u202ecd');
    results.hardwareUuid = found('564D1C2A-7B0E-4F3A-9C1D-2E3F4A5B6C7D');
    results.macAddresses = found(['02:FC:00:00:00:01', '02:FC\u0007:00:00:00:02']);
    const { identity, probeErrors } = assemble('windows', results);
    assert.equal(identity.serialNumber, undefined);
    assert.equal(identity.machineGuid, undefined);
    assert.equal(identity.hardwareUuid, '564D1C2A-7B0E-4F3A-9C1D-2E3F4A5B6C7D');
    assert.deepEqual(identity.macAddresses, ['02:FC:00:00:00:01']);
    assert.equal(probeErrors.serialNumber, 'value contains U+001B, a control or bidirectional character');
    assert.match(probeErrors.macAddresses ?? '', /control or bidirectional/);
    assert.equal(reportSchema.safeParse({ agentVersion: '0.1.0', collectedAt: 'now', identity, probeErrors }).success, true);
  });

  it('leaves out an unsafe OS version, OS build and EDR field, and writes newlines in reasons as spaces, so the report is accepted', () => {
    const results = Object.fromEntries(PROBE_NAMES.map((name) => [name, missing('n/a')])) as any;
    results.osVersion = found('Windows 11\u200b');
    results.osBuild = found('22631\n');
    results.serialNumber = missing('wmic failed:\r\nAccess denied\u2028');
    results.edr = found({
      connectors: [{ vendor: 'defender', connectorId: 'id\u202e', details: { orgId: 'org', state: 'x\u0085' } }],
      notes: {},
    });
    const { identity, posture, probeErrors } = assemble('windows', results);
    assert.equal(identity.osVersion, undefined);
    assert.equal(posture.osBuild, undefined);
    assert.equal(probeErrors.osVersion, 'value contains U+200B, a control or bidirectional character');
    assert.equal(probeErrors.serialNumber, 'wmic failed:  Access denied ');
    assert.deepEqual(identity.edr, [{ vendor: 'defender', details: { orgId: 'org' } }]);
    assert.equal(reportSchema.safeParse({ agentVersion: '0.1.0', collectedAt: 'now', identity, posture, probeErrors }).success, true);
  });
});
