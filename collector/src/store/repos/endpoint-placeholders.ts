import type { Report } from '@devtrust/shared/protocol';
import { placeholderKindsOf } from '../../domain/identifiers.js';

/**
 * endpoints.placeholder_kinds for a report: the kinds it reports a placeholder for, comma
 * separated, null for none (migration 20261207100000). Written with the identifiers, and
 * compared with them by the usual report's conditional UPDATE, so a report whose placeholders
 * changed is stored as one with new identifiers.
 */
export function placeholderColumn(report: Report): string | null {
  const kinds = placeholderKindsOf(report.identity);
  return kinds.length > 0 ? kinds.join(',') : null;
}
