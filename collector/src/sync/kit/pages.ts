import type { SourceDevice, TestResult } from '../source.js';
import { VendorError } from './vendor-error.js';

/** Runs the one authenticated call behind "Test Configuration"; vendor failures become {ok: false}. */
export async function vendorTest(call: () => Promise<string>): Promise<TestResult> {
  try {
    return { ok: true, message: await call() };
  } catch (error) {
    if (error instanceof VendorError) return { ok: false, message: error.message };
    throw error;
  }
}

/**
 * Offset and page-number paging over a list that changes during the sync shifts records
 * across page boundaries: a device added ahead of the cursor repeats the previous page's
 * last records on the next page. A repeated record would look like a duplicate identifier
 * (flagged, never trusted), so records the previous page held are dropped. Only one page
 * is remembered, so memory stays flat whatever the inventory size.
 *
 * A page whose every record the previous page held is not such a shift (that needs a page's
 * worth of devices added between two requests seconds apart): the vendor's paging loops. It
 * fails the run with VENDOR_PAGING_LOOP. Dropping it instead left nothing to remember, so the
 * next copy was kept whole: a vendor repeating one page of 300 forever counted as 439,500.
 */
export class AdjacentPageDeduper {
  private previous = new Set<string>();

  take(page: SourceDevice[]): SourceDevice[] {
    const seen = new Set<string>();
    let repeated = 0;
    const kept = page.filter((device) => {
      const id = device.externalId;
      if (!id) return true;
      if (this.previous.has(id) || seen.has(id)) {
        repeated++;
        return false;
      }
      seen.add(id);
      return true;
    });
    if (repeated > 0 && kept.length === 0) throw pagingLoop(page.length);
    this.previous = seen;
    return kept;
  }
}

/** Without the vendor's name: stage-pages.ts, which knows it, puts it first. */
function pagingLoop(records: number): VendorError {
  return new VendorError(
    'VENDOR_PAGING_LOOP',
    `sent the same page of ${records} device${records === 1 ? '' : 's'} twice in a row: its paging loops, so the sync stopped`,
  );
}

/** Maps each raw vendor page with a pure mapper and drops records repeated across pages. */
export async function* mappedPages<T>(raw: AsyncIterable<T[]>, map: (record: T) => SourceDevice): AsyncGenerator<SourceDevice[]> {
  const dedupe = new AdjacentPageDeduper();
  for await (const page of raw) yield dedupe.take(page.map(map));
}
