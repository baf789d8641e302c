import {
  isPlaceholder,
  normalizeIdentifier,
  normalizeMdmDeviceId,
  unsafeCharacter,
  unsafeMachineCharacter,
  withUnsafeAsSpaces,
  type IdentifierKind,
} from '@devtrust/shared/identity';
import { storedVendorPosture } from '../policy/vendor-posture.js';
import { LIMITS } from '@devtrust/shared/protocol';
import type { StagedRecord } from '../domain/inventory.js';
import type { SourceDevice } from './source.js';

const RAW_LIMIT = 2_000;
// Longest identifier kept (the store's identifier columns hold 256 characters). Another
// change adds identifier limits to shared/src/protocol/limits.ts; until then, this one.
// A longer value is no real identifier: it is dropped, never truncated (a truncated value
// could equal another device's).
const IDENTIFIER_MAX = 256;
// MACs are stored as 12 hex digits; anything else cannot be a MAC (EUI-64 is not used).
const MAC_PATTERN = /^[0-9A-F]{12}$/;

function bounded(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  const text = String(value);
  // NUL, a lone surrogate or a control character: no real ID, and PostgreSQL cannot store NUL.
  return text.length > IDENTIFIER_MAX || unsafeCharacter(text) !== null ? null : text;
}

/**
 * Vendor text kept to be shown (a device name, an owner, a detail): what could not be
 * stored or shown safely (NUL, lone surrogates, controls, bidi overrides) becomes a space,
 * and it is cut to `max` code points, never between the halves of a pair. Vendor data is
 * cleaned, not refused: one odd device name must not fail a whole sync.
 */
function shown(value: unknown, max: number): string | null {
  if (value === null || value === undefined || value === '') return null;
  let text = String(value);
  if (text.length > 2 * max) text = text.slice(0, 2 * max);
  text = safeText(text);
  // Code points never outnumber code units: a text this short needs no cut (nor the array).
  if (text.length > max) text = [...text].slice(0, max).join('');
  text = text.trim();
  return text === '' ? null : text;
}

/** `text` with unsafe characters as spaces; the usual, clean text is checked, not rebuilt. */
function safeText(text: string): string {
  return unsafeCharacter(text) === null ? text : withUnsafeAsSpaces(text);
}

/**
 * A raw extract of flat, clean values (what every mapper builds) is kept as it is: encoding
 * it through the replacer and decoding it again below would give the same values.
 */
function cleanFlatRaw(raw: Record<string, unknown>): Record<string, unknown> | null {
  for (const [key, value] of Object.entries(raw)) {
    if (unsafeCharacter(key) !== null) return null;
    if (typeof value === 'string') {
      if (unsafeCharacter(value) !== null) return null;
    } else if (value !== null && typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value))) {
      return null;
    }
  }
  return JSON.stringify(raw).length <= RAW_LIMIT ? raw : null;
}

/** The raw extract with every member name and string shown as above; null when it cannot be encoded. */
function cleanRaw(raw: Record<string, unknown>): Record<string, unknown> | null {
  const flat = cleanFlatRaw(raw);
  if (flat !== null) return flat;
  let text: string;
  try {
    text = JSON.stringify(raw, (_key, value: unknown) => {
      if (typeof value === 'string') return withUnsafeAsSpaces(value);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [withUnsafeAsSpaces(k), v]));
      }
      return value;
    });
  } catch {
    return null; // nested past the stack (a vendor object copied whole): nothing worth showing
  }
  return text.length <= RAW_LIMIT ? (JSON.parse(text) as Record<string, unknown>) : { truncated: shown(text, RAW_LIMIT) };
}

function usable(kind: IdentifierKind, raw: unknown, placeholders: string[]): string | null {
  // A vendor field holding more than an identifier (a blob, a list) is dropped, not stored.
  if (typeof raw === 'string' && raw.length > LIMITS.maxIdentifierLength) return null;
  const value = normalizeIdentifier(kind, raw);
  if (value === null || value.length > IDENTIFIER_MAX || unsafeMachineCharacter(value) !== null) return null;
  if (kind === 'macAddress' && !MAC_PATTERN.test(value)) return null;
  if (isPlaceholder(kind, value)) {
    placeholders.push(`${kind}=${shown(raw, 80)}`);
    return null;
  }
  return value;
}

/**
 * Turns a vendor's device into what the store keeps: identifiers normalised,
 * placeholders dropped (and remembered for findings), the raw extract bounded.
 * Returns null for a device with no usable identifier at all, which could never match.
 */
export function toStagedRecord(device: SourceDevice): StagedRecord | null {
  const placeholders: string[] = [];
  const macs = new Set<string>();
  for (const mac of device.macAddresses ?? []) {
    const value = usable('macAddress', mac, placeholders);
    if (value !== null) macs.add(value);
  }
  const record: StagedRecord = {
    externalId: bounded(device.externalId),
    hardwareUuid: usable('hardwareUuid', device.hardwareUuid, placeholders),
    serialNumber: usable('serialNumber', device.serialNumber, placeholders),
    machineGuid: usable('machineGuid', device.machineGuid, placeholders),
    macAddresses: [...macs].sort(),
    mdmDeviceId: normalizeMdmDeviceId(device.mdmDeviceId),
    deviceName: shown(device.deviceName, 256),
    platform: device.platform ?? null,
    owner: shown(device.owner, 256),
    managed: device.managed ?? null,
    edr: device.edr
      ? {
          connectorId: bounded(normalizeIdentifier('hardwareUuid', device.edr.connectorId ?? null)),
          status: device.edr.status,
          detail: shown(device.edr.detail, 500),
          seenAt: device.edr.seenAt ?? null,
        }
      : null,
    posture: storedVendorPosture(device.posture),
    placeholders,
  };
  if (device.raw) {
    const raw = cleanRaw(device.raw);
    if (raw) record.raw = raw;
  }
  const hasIdentifier =
    record.hardwareUuid ||
    record.serialNumber ||
    record.machineGuid ||
    (record.macAddresses?.length ?? 0) > 0 ||
    record.edr?.connectorId ||
    record.mdmDeviceId;
  return hasIdentifier || placeholders.length > 0 ? record : null;
}

/** A vendor page as the store keeps it: devices with no usable identifier left out. */
export function stagedPage(page: SourceDevice[]): StagedRecord[] {
  const staged: StagedRecord[] = [];
  for (const device of page) {
    const record = toStagedRecord(device);
    if (record !== null) staged.push(record);
  }
  return staged;
}
