import { IDENTIFIER_KINDS, type IdentifierKind, type Identifiers } from '@devtrust/shared/identity';

export { IDENTIFIER_KINDS, IDENTIFIER_LABELS, MATCH_ORDER, normalizeIdentifier, isPlaceholder } from '@devtrust/shared/identity';
export type { IdentifierKind, Identifiers };

/**
 * The kinds a device holds one value of (a MAC address is a list, kept apart): what
 * endpoints report, inventories hold one column each of, and clones contest.
 */
export type SingleIdentifierKind = Exclude<IdentifierKind, 'macAddress'>;
export const SINGLE_IDENTIFIER_KINDS = IDENTIFIER_KINDS.filter((k): k is SingleIdentifierKind => k !== 'macAddress');
