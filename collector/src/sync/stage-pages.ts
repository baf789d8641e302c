import type { StagedRecord } from '../domain/inventory.js';
import { readAhead } from './kit/read-ahead.js';
import { VendorError } from './kit/vendor-error.js';
import { stagedPage } from './normalize.js';
import type { SourceDevice } from './source.js';

/** Writes one normalised page, its first record being the run's `startIndex`-th. */
export type PageWrite = (startIndex: number, records: StagedRecord[]) => Promise<void>;

/**
 * Normalises a run's pages and hands them to `write` in order. The previous page's write is
 * still running while this page is normalised (and the read-ahead fetches the next): the
 * database — SQLite's thread, PostgreSQL's server — writes one page while this thread prepares
 * the next, instead of each waiting for the other. One write at a time, never more.
 *
 * Resolves once every page is written. Rejects (a failed write, the vendor, a cancel) only once
 * no write is in flight any more, so that a caller discarding the staged generation deletes
 * after the last row, not before.
 */
export async function stagePages(pages: AsyncIterable<SourceDevice[]>, write: PageWrite, signal: AbortSignal): Promise<void> {
  let written: Promise<void> = Promise.resolve();
  let staged = 0;
  try {
    for await (const page of readAhead(pages)) {
      if (signal.aborted) throw new VendorError('CANCELLED', 'the sync was cancelled');
      // The page arrived, was parsed and mapped in one stretch of microtasks: let the requests
      // waiting meanwhile (decisions, reports) run before it is normalised and written.
      await new Promise((resolve) => setImmediate(resolve));
      const records = stagedPage(page);
      await written;
      const startIndex = staged;
      staged += records.length;
      written = write(startIndex, records);
      // Its failure is met where it is awaited: above, below, or in the catch.
      written.catch(() => undefined);
    }
    await written;
  } catch (error) {
    await written.catch(() => undefined);
    throw error;
  }
}
