/** The kinds of findings, each with its one severity (docs/admin-api.md, "Findings"). */
export const FINDING_TYPES = [
  'duplicate-endpoint-identifier',
  'endpoint-pending-approval',
  'placeholder-endpoint-identifier',
  'duplicate-inventory-identifier',
  'placeholder-inventory-identifier',
  'sync-failed',
  'endpoint-silent',
  'application-name-look-alike',
] as const;
export type FindingType = (typeof FINDING_TYPES)[number];

export type Severity = 'info' | 'warning' | 'error';

export const SEVERITY_OF: Record<FindingType, Severity> = {
  'duplicate-endpoint-identifier': 'warning',
  'endpoint-pending-approval': 'warning',
  'placeholder-endpoint-identifier': 'info',
  'duplicate-inventory-identifier': 'warning',
  'placeholder-inventory-identifier': 'info',
  'sync-failed': 'error',
  'endpoint-silent': 'warning',
  'application-name-look-alike': 'warning',
};

/** One thing an admin should look at, with a message that says what and why. */
export type Finding = Record<string, unknown> & { type: string; severity: Severity; message: string };

/** Every finding counted, shown or not: in all, by severity and by type (`more-findings` never counts). */
export interface FindingCounts {
  total: number;
  error: number;
  warning: number;
  info: number;
  byType: Partial<Record<FindingType, number>>;
}

export interface Findings {
  findings: Finding[];
  counts: FindingCounts;
}

/** Where the rest of a type is, for the finding that stands for them. */
const MORE: Record<FindingType, (n: number) => string> = {
  'duplicate-endpoint-identifier': (n) => `${n} more identifier values are reported by several enrolled endpoints`,
  'endpoint-pending-approval': (n) =>
    `${n} more endpoints await approval: the endpoints list filtered on approval "pending" shows them all`,
  'placeholder-endpoint-identifier': (n) => `${n} more placeholder identifiers are reported by endpoints`,
  'duplicate-inventory-identifier': (n) => `${n} more identifier values are held by several records of one inventory`,
  'placeholder-inventory-identifier': (n) => `${n} more inventory records list a placeholder identifier`,
  'sync-failed': (n) => `${n} more integrations' last sync failed: the Integrations page shows each one's health`,
  'endpoint-silent': (n) =>
    `${n} more endpoints have not reported for three days or more: the endpoints list sorted by last seen shows them all`,
  'application-name-look-alike': (n) =>
    `${n} more applications have names that read the same as another's: the Applications page lists every name`,
};

/** The finding that stands for the `n` findings of `type` past the ones shown. */
export function moreFinding(type: FindingType, n: number): Finding {
  return { type: 'more-findings', severity: SEVERITY_OF[type], of: type, count: n, message: MORE[type](n) };
}
