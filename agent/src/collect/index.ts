import { hostname, networkInterfaces, release } from 'node:os';
import type { DeviceIdentity } from '@devtrust/shared/identity';
import type { Collected } from './probe.js';

/**
 * Collects this device's identity, EDR connectors and posture through the per-OS module.
 * (Interim: a minimal collector until the per-OS probes land.)
 */
export async function collectDevice(): Promise<Collected> {
  const macs = Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && !i.internal && i.mac !== '00:00:00:00:00:00')
    .map((i) => i!.mac);
  const identity: DeviceIdentity = {
    platform: process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'macos' : 'linux',
    hostname: hostname(),
    osVersion: release(),
    macAddresses: [...new Set(macs)],
    edr: [],
  };
  return { identity, posture: {}, probeErrors: {} };
}
