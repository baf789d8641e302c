/**
 * Keyset paging: a listing walks one order, and a page starts strictly after the last row
 * of the page before (`after`), so rows inserted or deleted meanwhile never shift a page.
 */

/** Where a page starts: after the row with this sort value and id (the tie-breaker). */
export interface KeysetPosition<Id extends string | number = string | number> {
  at: number;
  id: Id;
}

/**
 * How many rows match a listing, counted up to a cap so the count costs one bounded
 * index range however large the table: `exact` false means "at least `count`".
 */
export interface PageTotal {
  count: number;
  exact: boolean;
}

/** Counting stops here: past it a total reads "10,000 or more". */
export const COUNT_CAP = 10_000;

/** A total from a count of up to COUNT_CAP + 1 rows. */
export const cappedTotal = (counted: number): PageTotal =>
  counted > COUNT_CAP ? { count: COUNT_CAP, exact: false } : { count: counted, exact: true };
