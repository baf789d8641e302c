import { unsafeCharacter } from '../identity/unsafe-text.js';
import type { TransactionInfo } from './messages.js';

/**
 * The first field of a describe answer that may not be shown to the user: a control or
 * bidi character there could dress somebody else's sign-in as something else ("security
 * update: click Allow"). Checked by the collector before it answers and again by the agent
 * on receipt (rows written before the edge checks existed, or a collector that skips them).
 */
export function unsafeTransactionField(
  info: Pick<TransactionInfo, 'application' | 'username'>,
): { field: 'application' | 'username'; character: string } | null {
  for (const field of ['username', 'application'] as const) {
    const character = unsafeCharacter(info[field]);
    if (character) return { field, character };
  }
  return null;
}
