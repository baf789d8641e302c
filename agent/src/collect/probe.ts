import type { DeviceIdentity, EdrConnector, EdrVendor, Posture } from '@devtrust/shared/identity';
import type { CollectHost } from './host.js';

/** A probe's answer: a value, or the reason there is none. Probes never throw. */
export type ProbeResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export const found = <T>(value: T): ProbeResult<T> => ({ ok: true, value });
export const missing = <T = never>(reason: string): ProbeResult<T> => ({ ok: false, reason });

/** What one collection pass yields; `probeErrors` says why a field is absent. */
export interface Collected {
  identity: DeviceIdentity;
  posture: Posture;
  probeErrors: Record<string, string>;
}

/**
 * The EDR probe's value. A vendor absent from `connectors` is not installed; `notes`
 * says why part of a vendor's answer is missing (an installed connector whose ID needs
 * root, a CLI that timed out), so an admin can tell "not installed" from "not readable".
 */
export interface EdrReport {
  connectors: EdrConnector[];
  notes: Partial<Record<EdrVendor, string>>;
}

/** Every probe each OS implements or explicitly stubs, and the type of its value. */
export interface ProbeValues {
  hardwareUuid: string;
  serialNumber: string;
  machineGuid: string;
  hostname: string;
  osVersion: string;
  osBuild: string;
  macAddresses: string[];
  edr: EdrReport;
  diskEncryption: boolean;
  firewall: boolean;
  screenLock: boolean;
  passwordSet: boolean;
}
export type ProbeName = keyof ProbeValues;

/** The list the completeness test iterates; the `satisfies` keeps it in step with ProbeValues. */
export const PROBE_NAMES = [
  'hardwareUuid',
  'serialNumber',
  'machineGuid',
  'hostname',
  'osVersion',
  'osBuild',
  'macAddresses',
  'edr',
  'diskEncryption',
  'firewall',
  'screenLock',
  'passwordSet',
] as const satisfies readonly ProbeName[];
// Fails to compile when a probe is added to ProbeValues but not to PROBE_NAMES.
const everyProbeListed: Exclude<ProbeName, (typeof PROBE_NAMES)[number]> extends never ? true : never = true;
void everyProbeListed;

export type Probe<T> = (host: CollectHost) => Promise<ProbeResult<T>>;

/** One OS's probes: the mapped type makes a missing probe a compile error. */
export type ProbeSet = { [K in ProbeName]: Probe<ProbeValues[K]> };

/** A probe stub for what an OS does not have, saying so instead of leaving a hole. */
export const notApplicable =
  <T>(reason: string): Probe<T> =>
  async () =>
    missing(reason);
