import type { Platform } from '@devtrust/shared/identity';
import type { SingleIdentifierKind } from './identifiers.js';

/** One device as an inventory source describes it, identifiers already normalised. */
export interface InventoryRecord {
  externalId?: string | null;
  hardwareUuid?: string | null;
  serialNumber?: string | null;
  machineGuid?: string | null;
  macAddresses?: string[];
  /** The MDM's own ID for the device, normalised: what an MDM-asserted identity names. */
  mdmDeviceId?: string | null;
  deviceName?: string | null;
  platform?: Platform | null;
  owner?: string | null;
  managed?: boolean | null;
  edr?: {
    connectorId?: string | null;
    status: 'compromised' | 'clean' | 'unknown';
    detail?: string | null;
    seenAt?: number | null;
  } | null;
  /** Posture as the vendor reports it; a field null or absent: the vendor does not say. */
  posture?: VendorPosture | null;
  raw?: Record<string, unknown>;
}

export interface VendorPosture {
  diskEncryption?: boolean | null;
  firewall?: boolean | null;
  /** A dotted version ("10.0.22631.3447", "14.4.1"); vendor text that is not one is left out. */
  osVersion?: string | null;
}

export interface StoredInventoryRecord extends InventoryRecord {
  id: string;
  integrationId: string;
}

/** A record with the placeholders that were dropped from it, for findings. */
export interface StagedRecord extends InventoryRecord {
  placeholders?: string[];
}

/** An identifier value several records of one inventory hold. */
export interface InventoryDuplicate {
  kind: SingleIdentifierKind;
  value: string;
  count: number;
}

/** The key a duplicate's records are found by: its kind and value. */
export const duplicateKey = (d: { kind: SingleIdentifierKind; value: string }): string => `${d.kind}\u0000${d.value}`;

/** How a finding names an inventory record: its device name, else the vendor's id for it. */
export interface InventoryRecordName {
  deviceName: string | null;
  externalId: string | null;
}

/** A record of one inventory that lists a placeholder where an identifier belongs. */
export interface InventoryPlaceholderRecord {
  deviceName: string | null;
  externalId: string | null;
  /** What was dropped, as `kind=value` ("serialNumber=To Be Filled By O.E.M."). */
  placeholders: string[];
}

/**
 * An inventory's duplicate and placeholder records, counted once when a sync commits it (they
 * change only with the inventory): how many of each, and the first few to show.
 */
export interface InventoryFindings {
  /** The generation counted: a summary of any other is not the current inventory's. */
  generation: string;
  /** Its records (a committed generation never changes: what the integration's device count reads). */
  records: number;
  duplicates: { count: number; first: InventoryDuplicate[] };
  placeholders: { count: number; first: InventoryPlaceholderRecord[] };
}
