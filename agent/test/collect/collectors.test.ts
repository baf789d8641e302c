import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { deviceIdentitySchema, identifiersOf, postureSchema } from '@devtrust/shared/identity';
import { collectDevice } from '../../src/collect/index.js';
import { commandKey, inventoryWith, loadMachine, machines } from './fixture-host.js';
import { INVENTORY_ARGS } from '../../src/collect/windows/inventory.js';

const OS_HOSTNAME = { windows: 'os-hostname-fallback', macos: 'vm-mac.local' } as const;

// Table-driven: every machine folder under fixtures/<os> is one row, with its expected.json.
for (const os of ['windows', 'macos'] as const) {
  describe(`${os} collector over recorded machines`, () => {
    for (const name of machines(os)) {
      it(`${name}: identity, posture, reasons and normalised identifiers`, async () => {
        const machine = loadMachine(os, name);
        const collected = await collectDevice({
          platform: os,
          runner: machine.runner,
          files: machine.files,
          osHostname: () => OS_HOSTNAME[os],
        });
        assert.deepEqual(machine.unexpected, [], 'every command the probes ran has a recording');
        assert.deepEqual(collected.identity, machine.expected.identity);
        assert.deepEqual(collected.posture, machine.expected.posture);
        assert.deepEqual(Object.keys(collected.probeErrors).sort(), machine.expected.probeErrors);
        for (const reason of Object.values(collected.probeErrors)) assert.ok(reason.length > 0);
        // What the collector will match on, after the shared normalisation drops placeholders.
        assert.deepEqual(identifiersOf(collected.identity), machine.expected.identifiers);
        // What the agent sends must pass the channel's own schema.
        deviceIdentitySchema.parse(collected.identity);
        postureSchema.parse(collected.posture);
      });
    }
  });
}

const POWERSHELL = commandKey('powershell', INVENTORY_ARGS);

describe('windows collector when a source fails', () => {
  it('falls back to the registry and sc.exe when PowerShell is blocked or hangs', async () => {
    const machine = loadMachine('windows', 'asrock-whitebox', {
      [POWERSHELL]: { ok: false, kind: 'timeout', reason: 'powershell.exe did not finish within 30000 ms and was killed' },
    });
    const { identity, posture, probeErrors } = await collectDevice({
      platform: 'windows',
      runner: machine.runner,
      files: machine.files,
      osHostname: () => 'DESKTOP-4J8K2LM',
    });
    assert.deepEqual(machine.unexpected, []);
    assert.equal(identity.machineGuid, 'a1d4c7f2-3e5b-4a69-8c0d-e1f2a3b4c5d6');
    assert.equal(identity.osVersion, '10.0.19045.4291');
    assert.equal(posture.osBuild, '19045.4291');
    assert.equal(identity.hostname, 'DESKTOP-4J8K2LM');
    assert.deepEqual(identity.edr, [], 'Sense is stopped and nothing else exists, per sc.exe');
    for (const probe of ['hardwareUuid', 'serialNumber', 'macAddresses', 'diskEncryption', 'firewall', 'screenLock']) {
      assert.match(probeErrors[probe] ?? '', /PowerShell inventory: .*killed/, probe);
    }
  });

  it('keeps an installed CrowdStrike sensor whose agent ID needs administrator rights, and says so', async () => {
    // Get-ItemProperty's error in German: its category (PermissionDenied), not its wording, says "denied".
    const machine = loadMachine('windows', 'dell-latitude-7420', {
      [POWERSHELL]: inventoryWith('dell-latitude-7420', {
        crowdstrikeAg: {
          error: {
            category: 'PermissionDenied',
            type: 'System.Security.SecurityException',
            message: 'Der angeforderte Registrierungszugriff ist unzulässig.',
          },
        },
      }),
    });
    const { identity, probeErrors } = await collectDevice({ platform: 'windows', runner: machine.runner, files: machine.files });
    const falcon = identity.edr?.find((c) => c.vendor === 'crowdstrike');
    assert.deepEqual(falcon, { vendor: 'crowdstrike', installed: true, running: true });
    assert.match(
      probeErrors['edr.crowdstrike'] ?? '',
      /is not readable \(PermissionDenied: "Der angeforderte Registrierungszugriff ist unzulässig\."\)/,
    );
    assert.deepEqual(
      identity.edr?.map((c) => c.vendor),
      ['cisco-secure-endpoint', 'crowdstrike', 'defender'],
      'Cisco Secure Endpoint first',
    );
  });
});

describe('macos collector when a source fails', () => {
  it('reads the hardware UUID and serial from system_profiler when ioreg fails', async () => {
    const machine = loadMachine('macos', 'macbook-pro-m1', {
      'ioreg -rd1 -c IOPlatformExpertDevice': {
        ok: false,
        kind: 'timeout',
        reason: '/usr/sbin/ioreg did not finish within 10000 ms and was killed',
      },
    });
    const { identity } = await collectDevice({ platform: 'macos', runner: machine.runner, files: machine.files });
    assert.equal(identity.hardwareUuid, '8E5B2C62-1F0A-5D9B-A4F4-1C2D3E4F5A6B');
    assert.equal(identity.serialNumber, 'K4QW7R9XJ2');
  });

  it('reports a Falcon sensor that needs root as installed, with the reason', async () => {
    const machine = loadMachine('macos', 'macbook-pro-m1', {
      'falconctl stats agent_info': { ok: true, code: 1, stdout: '', stderr: 'Error: This command must be run as root\n' },
    });
    const { identity, probeErrors } = await collectDevice({ platform: 'macos', runner: machine.runner, files: machine.files });
    assert.deepEqual(
      identity.edr?.find((c) => c.vendor === 'crowdstrike'),
      { vendor: 'crowdstrike', installed: true },
    );
    assert.match(probeErrors['edr.crowdstrike'] ?? '', /needs root/);
  });
});
