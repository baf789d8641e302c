import type { StagedRecord } from '../domain/inventory.js';
import { readAhead } from './kit/read-ahead.js';
import { VendorError } from './kit/vendor-error.js';
import { stagedPage } from './normalize.js';
import type { SourceDevice } from './source.js';

/** Writes one normalised page, its first record being the run's `startIndex`-th. */
export type PageWrite = (startIndex: number, records: StagedRecord[]) => Promise<void>;

/**
 * Normalises a run's pages and writes them in order, one after the other, while the read-ahead
 * fetches the next page from the vendor. Writing a page while the next was normalised (one
 * write in flight) was tried and measured slower: on two cores the event loop, SQLite's thread
 * and the vendor then all wanted a core at once (docs/performance.md, "Sync speed and memory").
 */
export async function stagePages(pages: AsyncIterable<SourceDevice[]>, write: PageWrite, signal: AbortSignal): Promise<void> {
  let staged = 0;
  for await (const page of readAhead(pages)) {
    if (signal.aborted) throw new VendorError('CANCELLED', 'the sync was cancelled');
    // The page arrived, was parsed and mapped in one stretch of microtasks: let the requests
    // waiting meanwhile (decisions, reports) run before it is normalised and written.
    await new Promise((resolve) => setImmediate(resolve));
    const records = stagedPage(page);
    await write(staged, records);
    staged += records.length;
  }
}
