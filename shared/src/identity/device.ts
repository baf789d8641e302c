import { z } from 'zod';
import { displaySafeString, machineSafeString } from './display-text.js';
import { IDENTIFIER_KINDS, type IdentifierKind, usableIdentifier } from './normalize.js';
import { EDR_VENDORS, PLATFORMS } from './platforms.js';

const shortText = z.string().max(256);
/** Text the console shows (OS version, EDR details): display text, see display-text.ts. */
const shownText = displaySafeString(256);

export const edrConnectorSchema = z.strictObject({
  vendor: z.enum(EDR_VENDORS),
  installed: z.boolean().optional(),
  running: z.boolean().optional(),
  connectorId: shownText.optional(),
  /** Vendor-specific detail (Defender org ID, onboarding state, product version). */
  details: z.record(displaySafeString(64), z.union([shownText, z.boolean(), z.number()])).optional(),
});
export type EdrConnector = z.infer<typeof edrConnectorSchema>;

/**
 * What the agent reports about a device, and what `--identity FILE` holds.
 * Every field may be absent: a probe that could not read a value leaves it out.
 */
export const deviceIdentitySchema = z.strictObject({
  platform: z.enum(PLATFORMS).optional(),
  hardwareUuid: shortText.optional(),
  serialNumber: shortText.optional(),
  machineGuid: shortText.optional(),
  /** Shown in the console and the tray: machine text, no control, bidi or invisible characters (see unsafe-text.ts). */
  hostname: machineSafeString(256).optional(),
  osVersion: shownText.optional(),
  macAddresses: z.array(shortText).max(64).optional(),
  edr: z.array(edrConnectorSchema).max(16).optional(),
});
export type DeviceIdentity = z.infer<typeof deviceIdentitySchema>;

/** Health posture: each value true/false when the OS tells, absent when it does not. */
export const postureSchema = z.strictObject({
  diskEncryption: z.boolean().optional(),
  firewall: z.boolean().optional(),
  screenLock: z.boolean().optional(),
  passwordSet: z.boolean().optional(),
  osBuild: shownText.optional(),
});
export type Posture = z.infer<typeof postureSchema>;

/** The normalised, placeholder-free identifiers of one device or inventory record. */
export type Identifiers = Partial<Record<Exclude<IdentifierKind, 'macAddress'>, string>> & {
  macAddresses?: string[];
};

/** Normalises the identifiers a device reported, dropping placeholders. */
export function identifiersOf(identity: DeviceIdentity): Identifiers {
  const out: Identifiers = {};
  for (const kind of IDENTIFIER_KINDS) {
    if (kind === 'macAddress') continue;
    const value = usableIdentifier(kind, identity[kind]);
    if (value !== null) out[kind] = value;
  }
  const macs = [...new Set((identity.macAddresses ?? []).map((m) => usableIdentifier('macAddress', m)))].filter(
    (m): m is string => m !== null,
  );
  if (macs.length > 0) out.macAddresses = macs.sort();
  return out;
}
