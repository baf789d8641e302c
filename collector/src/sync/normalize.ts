import { isPlaceholder, normalizeIdentifier, normalizeMdmDeviceId, type IdentifierKind } from '@devtrust/shared/identity';
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
  return text.length > IDENTIFIER_MAX ? null : text;
}

function usable(kind: IdentifierKind, raw: unknown, placeholders: string[]): string | null {
  // A vendor field holding more than an identifier (a blob, a list) is dropped, not stored.
  if (typeof raw === 'string' && raw.length > LIMITS.maxIdentifierLength) return null;
  const value = normalizeIdentifier(kind, raw);
  if (value === null || value.length > IDENTIFIER_MAX) return null;
  if (kind === 'macAddress' && !MAC_PATTERN.test(value)) return null;
  if (isPlaceholder(kind, value)) {
    placeholders.push(`${kind}=${String(raw).slice(0, 80)}`);
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
    deviceName: device.deviceName ? String(device.deviceName).slice(0, 256) : null,
    platform: device.platform ?? null,
    owner: device.owner ? String(device.owner).slice(0, 256) : null,
    managed: device.managed ?? null,
    edr: device.edr
      ? {
          connectorId: bounded(normalizeIdentifier('hardwareUuid', device.edr.connectorId ?? null)),
          status: device.edr.status,
          detail: device.edr.detail ? String(device.edr.detail).slice(0, 500) : null,
          seenAt: device.edr.seenAt ?? null,
        }
      : null,
    posture: storedVendorPosture(device.posture),
    placeholders,
  };
  if (device.raw) {
    const raw = JSON.stringify(device.raw);
    record.raw = raw.length <= RAW_LIMIT ? device.raw : { truncated: raw.slice(0, RAW_LIMIT) };
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
