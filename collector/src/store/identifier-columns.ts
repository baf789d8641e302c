import type { SingleIdentifierKind } from '../domain/identifiers.js';

/**
 * The one place an identifier kind becomes a column: endpoints and inventory_records hold
 * one column per single-valued kind (MAC addresses live in their own table and JSON list).
 * Repositories take kinds; this map is store/ only.
 */
export const IDENTIFIER_COLUMNS = {
  hardwareUuid: 'hardware_uuid',
  serialNumber: 'serial_number',
  machineGuid: 'machine_guid',
} as const satisfies Record<SingleIdentifierKind, string>;

export type IdentifierColumn = (typeof IDENTIFIER_COLUMNS)[SingleIdentifierKind];

/** Kinds with their columns, in match order. */
export const IDENTIFIER_COLUMN_ENTRIES = Object.entries(IDENTIFIER_COLUMNS) as [SingleIdentifierKind, IdentifierColumn][];
