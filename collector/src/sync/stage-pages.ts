import type { StagedRecord } from '../domain/inventory.js';
import { readAhead } from './kit/read-ahead.js';
import { VendorError } from './kit/vendor-error.js';
import { stagedPage } from './normalize.js';
import type { SourceDevice } from './source.js';
import type { SyncLimits } from './sync-limits.js';

/** Writes one normalised page, its first record being the run's `startIndex`-th. */
export type PageWrite = (startIndex: number, records: StagedRecord[]) => Promise<void>;

/**
 * Normalises a run's pages and writes them in order, while the read-ahead fetches the next
 * page from the vendor. One write is in flight at most: page n+1 is normalised while page n is
 * written (on SQLite's thread or the PostgreSQL server), and written once page n is. Before the
 * fifth round the event loop waited for each write; with the writes' own cost cut, that wait was
 * most of a page's time (docs/performance.md, "Sync speed and memory", fifth round).
 *
 * Whatever ends the run early (the vendor, a cancel, a write refused), this returns or throws
 * only once the write in flight has ended, so a caller that discards the staged generation
 * next never races a write still adding to it.
 *
 * A run past `maxPages` pages or `maxDevices` devices (sync-limits.ts) is a vendor whose pages
 * never end: it fails before staging more, and the caller discards what it staged.
 */
export async function stagePages(
  pages: AsyncIterable<SourceDevice[]>,
  write: PageWrite,
  signal: AbortSignal,
  bounds: { vendor: string } & Pick<SyncLimits, 'maxPages' | 'maxDevices'>,
): Promise<void> {
  let staged = 0;
  let read = 0;
  let writing: Promise<void> = Promise.resolve();
  try {
    for await (const page of readAhead(pages)) {
      if (signal.aborted) throw new VendorError('CANCELLED', 'the sync was cancelled');
      if (++read > bounds.maxPages)
        throw new VendorError(
          'VENDOR_TOO_MANY_PAGES',
          `${bounds.vendor} sent more than ${bounds.maxPages.toLocaleString('en-US')} pages in one run, more than any real inventory needs: ` +
            'its pages do not end, so the sync stopped',
        );
      if (staged + page.length > bounds.maxDevices)
        throw new VendorError(
          'VENDOR_TOO_MANY_DEVICES',
          `${bounds.vendor} listed more than ${bounds.maxDevices.toLocaleString('en-US')} devices in one run, more than any real fleet holds: ` +
            'its pages do not end, so the sync stopped',
        );
      // The page arrived, was parsed and mapped in one stretch of microtasks: let the requests
      // waiting meanwhile (decisions, reports) run before it is normalised and written.
      await new Promise((resolve) => setImmediate(resolve));
      const records = stagedPage(page);
      // The previous page's write: its failure ends the run here.
      await writing;
      writing = write(staged, records);
      // Met at the next `await writing` (or in `finally`); until then it must not count as unhandled.
      writing.catch(() => undefined);
      staged += records.length;
    }
    await writing;
  } catch (error) {
    if (error instanceof VendorError && error.code === 'VENDOR_PAGING_LOOP')
      throw new VendorError(error.code, `${bounds.vendor} ${error.message}`);
    throw error;
  } finally {
    await writing.catch(() => undefined);
  }
}
