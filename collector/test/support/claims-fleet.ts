import { randomBytes } from 'node:crypto';
import type { Report } from '@devtrust/shared/protocol';
import type { Store } from '@devtrust/collector/store/store';
import { tick } from './reenrollment-fixtures.js';

/** What a fleet member reports: any identifiers, on Windows unless said. */
export type FleetIdentity = {
  serialNumber?: string;
  hardwareUuid?: string;
  machineGuid?: string;
  macAddresses?: string[];
  platform?: string;
};

export const reportOfIdentity = (identity: FleetIdentity): Report =>
  ({ identity: { platform: 'windows', hostname: 'pc', ...identity }, posture: {}, agentVersion: 'test' }) as unknown as Report;

/**
 * Enrolls a new device key per call that reports `identity` once, then waits for the clock to
 * move (so the next one enrolls strictly later and the enrollment order is the calls' order).
 */
export function enrollReporting(store: () => Store): (identity: FleetIdentity) => Promise<string> {
  let seq = 1;
  return async (identity) => {
    const { id } = await store().endpoints.enroll(randomBytes(32).toString('base64'));
    await store().recordReports([{ endpointId: id, seq: seq++, report: reportOfIdentity(identity), at: Date.now() }]);
    await tick();
    return id;
  };
}

/** A promise to open later: `opened` waits until `open()`. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}
