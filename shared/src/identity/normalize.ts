/**
 * Identifier normalisation and placeholder detection (SPEC "Matching identifiers").
 *
 * Every identifier is normalised the same way before it is stored or compared, on both
 * the agent and the collector, so that "{4c4c4544-0042-3510-8052-b4c04f4e4d32}" from
 * the registry and "4C4C4544004235108052B4C04F4E4D32" from an MDM export are one value.
 */
import { LIMITS } from '../protocol/limits.js';

export const IDENTIFIER_KINDS = ['hardwareUuid', 'serialNumber', 'machineGuid', 'macAddress'] as const;
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

/** The fixed order in which a match is tried; MAC only where an integration allows it. */
export const MATCH_ORDER: readonly IdentifierKind[] = IDENTIFIER_KINDS;

export const IDENTIFIER_LABELS: Record<IdentifierKind, string> = {
  hardwareUuid: 'hardware UUID',
  serialNumber: 'serial number',
  machineGuid: 'MachineGuid',
  macAddress: 'MAC address',
};

// Case, braces, dashes and whitespace never distinguish two identifiers; MACs are
// also written with colons or dots ("00:1A:2B…", "001a.2b3c.4d5e").
const STRIP_COMMON = /[\s{}-]/g;
const STRIP_MAC = /[\s{}\-:.]/g;

/**
 * Normalises a raw identifier; returns null for empty or non-string input, and for a value
 * whose normalised form is longer than LIMITS.maxIdentifierLength: NFKC and upper-casing can
 * lengthen text ("\uFDFA" becomes 18 characters, "\u3392" three), so a value that fit when
 * checked raw would not fit where identifiers are stored and matched.
 */
export function normalizeIdentifier(kind: IdentifierKind, raw: unknown): string | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const text = String(raw);
  // ASCII text is its own NFKC form, and upper-cases to ASCII: both normalize() calls would
  // return it unchanged, after converting it for ICU (the usual identifier, in every report:
  // docs/performance.md, "Reports per second", fifth round).
  const ascii = ASCII.test(text);
  // NFKC again after upper-casing: "ῒ" upper-cases to three code points that NFKC composes,
  // and a stored value normalised once more (an admin pasting it into a look-up) must not change.
  const upper = (ascii ? text : text.normalize('NFKC')).replace(kind === 'macAddress' ? STRIP_MAC : STRIP_COMMON, '').toUpperCase();
  const stripped = ascii ? upper : upper.normalize('NFKC');
  return stripped.length === 0 || stripped.length > LIMITS.maxIdentifierLength ? null : stripped;
}

// eslint-disable-next-line no-control-regex -- every ASCII character, controls included
const ASCII = /^[\u0000-\u007f]*$/;

/** Why a value cannot be an identifier however it is spelled; null when it fits. */
export function oversizedIdentifier(raw: string): string | null {
  const normalized = String(raw).normalize('NFKC').toUpperCase();
  return normalized.length > LIMITS.maxIdentifierLength ? `is longer than ${LIMITS.maxIdentifierLength} characters once normalised` : null;
}

/**
 * Values firmware, hypervisors and imaging tools put where a real identifier belongs.
 * Stored normalised (see normalizeIdentifier), so the comparison is exact.
 */
const PLACEHOLDER_SERIALS = new Set(
  [
    'To Be Filled By O.E.M.',
    'To Be Filled By O.E.M',
    'Default string',
    'System Serial Number',
    'Chassis Serial Number',
    'Base Board Serial Number',
    'Not Specified',
    'Not Applicable',
    'Not Available',
    'None',
    'N/A',
    'NA',
    'Unknown',
    'Invalid',
    'OEM',
    'O.E.M.',
    'Serial',
    'SerialNumber',
    'Default',
    '0123456789',
    '123456789',
    '1234567890',
    'XXXXXXXXXX',
    'SYS-1234567890',
  ].map((value) => value.replace(STRIP_COMMON, '').toUpperCase()),
);

// The UUID that many AMI/Gigabyte boards ship with, identical on every unit.
const PLACEHOLDER_UUIDS = new Set(['03000200040005000006000700080009']);

function isRepeatedCharacter(value: string): boolean {
  return /^(.)\1*$/.test(value);
}

/** True when a normalised identifier is a known placeholder that must never match. */
export function isPlaceholder(kind: IdentifierKind, normalized: string): boolean {
  if (normalized.length === 0) return true;
  // "0", "00000000", "FFFFFFFF…": all-zero and all-F values of any length.
  if (/^0+$/.test(normalized) || /^F+$/.test(normalized)) return true;
  switch (kind) {
    case 'hardwareUuid':
    case 'machineGuid':
      return PLACEHOLDER_UUIDS.has(normalized) || isRepeatedCharacter(normalized);
    case 'serialNumber':
      return PLACEHOLDER_SERIALS.has(normalized) || (normalized.length > 3 && isRepeatedCharacter(normalized));
    case 'macAddress':
      // Multicast addresses (low bit of the first octet) are never a NIC's own address.
      return !/^[0-9A-F]{12}$/.test(normalized) || (parseInt(normalized.slice(0, 2), 16) & 1) === 1;
  }
}

/** Normalises and drops placeholders: what is left may be stored as a matchable identifier. */
export function usableIdentifier(kind: IdentifierKind, raw: unknown): string | null {
  const normalized = normalizeIdentifier(kind, raw);
  if (normalized === null || isPlaceholder(kind, normalized)) return null;
  return normalized;
}

/** Why a raw value is not usable, for reasons shown to admins; null when it is usable. */
export function unusableReason(kind: IdentifierKind, raw: unknown): string | null {
  const normalized = normalizeIdentifier(kind, raw);
  if (normalized === null && typeof raw === 'string' && oversizedIdentifier(raw)) {
    return `${IDENTIFIER_LABELS[kind]} ${oversizedIdentifier(raw)}`;
  }
  if (normalized === null) return `no ${IDENTIFIER_LABELS[kind]}`;
  if (isPlaceholder(kind, normalized)) return `${IDENTIFIER_LABELS[kind]} "${String(raw)}" is a placeholder`;
  return null;
}
