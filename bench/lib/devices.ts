import type { DeviceIdentity } from '@devtrust/shared/identity';
import type { Report } from '@devtrust/shared/protocol';

/**
 * Synthetic devices: device `i` always has the same identifiers, so an inventory and the
 * agents reporting against it agree without either being held in memory.
 */
export function serialOf(i: number): string {
  return `BN${i.toString(36).toUpperCase().padStart(8, '0')}`;
}

export function hardwareUuidOf(i: number): string {
  const hex = i.toString(16).padStart(12, '0').toUpperCase();
  return `BE7C0000-0000-4000-8000-${hex}`;
}

export function identityOf(i: number): DeviceIdentity {
  const mac = i.toString(16).padStart(8, '0').match(/../g) as string[];
  return {
    platform: 'macos',
    hardwareUuid: hardwareUuidOf(i),
    serialNumber: serialOf(i),
    hostname: `bench-mac-${i}`,
    osVersion: '14.4.1',
    macAddresses: [`02:be:${mac.join(':')}`],
    edr: [
      {
        vendor: 'cisco-secure-endpoint',
        installed: true,
        running: true,
        connectorId: `c0ffee00-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
      },
    ],
  };
}

/** A report shaped like the real agent's (identity, posture), about 700 bytes signed. */
export function reportOf(i: number, identity: DeviceIdentity = identityOf(i)): Report {
  return {
    agentVersion: '0.1.0-bench',
    collectedAt: new Date().toISOString(),
    identity,
    posture: { diskEncryption: true, firewall: true, screenLock: true, passwordSet: true, osBuild: '23E224' },
  };
}

/** A CSV inventory of devices from..from+count-1 (the upload `PUT …/inventory` takes). */
export function inventoryCsv(count: number, from = 0): string {
  const lines = ['serial_number,hardware_uuid,device_name,platform,owner'];
  for (let i = from; i < from + count; i++) lines.push(`${serialOf(i)},${hardwareUuidOf(i)},bench-mac-${i},macos,user${i}@example.com`);
  return `${lines.join('\n')}\n`;
}
