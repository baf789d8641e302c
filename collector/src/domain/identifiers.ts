import { IDENTIFIER_KINDS, isPlaceholder, normalizeIdentifier, type IdentifierKind, type Identifiers } from '@devtrust/shared/identity';

export { IDENTIFIER_KINDS, IDENTIFIER_LABELS, MATCH_ORDER, normalizeIdentifier, isPlaceholder } from '@devtrust/shared/identity';
export type { IdentifierKind, Identifiers };

/**
 * The kinds a device holds one value of (a MAC address is a list, kept apart): what
 * endpoints report, inventories hold one column each of, and clones contest.
 */
export type SingleIdentifierKind = Exclude<IdentifierKind, 'macAddress'>;
export const SINGLE_IDENTIFIER_KINDS = IDENTIFIER_KINDS.filter((k): k is SingleIdentifierKind => k !== 'macAddress');

/**
 * The single-valued kinds whose reported value is a known placeholder once normalised ("To Be
 * Filled By O.E.M."): what the findings list, and what storing a report remembers, since the
 * identifier columns keep usable values only.
 */
export function placeholderKindsOf(identity: Partial<Record<SingleIdentifierKind, unknown>>): SingleIdentifierKind[] {
  return SINGLE_IDENTIFIER_KINDS.filter((kind) => {
    const value = normalizeIdentifier(kind, identity[kind]);
    return value !== null && isPlaceholder(kind, value);
  });
}
