import type { Verdict } from '../domain/verdict.js';
import { DECISION_TABLE, type ReasonClass } from '../policy/decide.js';

/** The decision table's rows by headline: the row a verdict starts with names its class. */
const CLASS_OF = new Map<string, ReasonClass>(DECISION_TABLE.map((row) => [row.headline, row.reasonClass]));

/**
 * A verdict's reason class for metrics: which row of the decision table decided it, read
 * from the headline every decided verdict starts with ('other' for anything else).
 */
export function reasonClass(verdict: Pick<Verdict, 'reasons'>): ReasonClass | 'other' {
  return CLASS_OF.get(verdict.reasons[0] ?? '') ?? 'other';
}
