import type { Platform } from '@devtrust/shared/identity';
import type { Integration } from '../domain/integration.js';
import { quotedHeader } from '../sync/csv/columns.js';
import type { SourceDevice } from '../sync/source.js';
import { toStagedRecord } from '../sync/normalize.js';

/**
 * What an upload's answer warns about: what was stored but will never match (rows for a
 * platform the integration does not cover, rows known only by MAC address where MACs are not
 * matched) and the header's columns DevTrust skipped. Counted as the rows stream past, so the
 * file is never held whole.
 */
export class UploadWarnings {
  /** Filled by the parser (CsvOptions.ignoredColumns). */
  readonly ignoredColumns: string[] = [];
  /** Rows read, for the admin log. */
  rows = 0;
  private readonly uncovered = new Map<Platform, number>();
  private macOnly = 0;
  private readonly platforms: readonly Platform[];
  private readonly matchesMacs: boolean;

  constructor(integration: Pick<Integration, 'platforms' | 'config'>) {
    this.platforms = integration.platforms;
    this.matchesMacs = integration.config.matchMacAddresses === true;
  }

  /** Passes the pages on, counting each row on its way to the store. */
  async *count(pages: AsyncIterable<SourceDevice[]>): AsyncGenerator<SourceDevice[]> {
    for await (const page of pages) {
      this.rows += page.length;
      for (const device of page) {
        if (device.platform && !this.platforms.includes(device.platform))
          this.uncovered.set(device.platform, (this.uncovered.get(device.platform) ?? 0) + 1);
        // Matching reads MACs only where matchMacAddresses is on: such a row can never match.
        if (!this.matchesMacs && (device.macAddresses?.length ?? 0) > 0 && knownOnlyByMac(device)) this.macOnly++;
      }
      yield page;
    }
  }

  list(): string[] {
    return [...ignoredWarning(this.ignoredColumns), ...uncoveredWarnings(this.uncovered), ...macOnlyWarning(this.macOnly)];
  }
}

/**
 * Whether the row, as it is stored, holds MAC addresses and no other identifier: judged on the
 * normalised record, so a placeholder serial (`To be filled by O.E.M.`, `0`) dropped when stored
 * counts as none, and a placeholder MAC (`ff:ff:ff:ff:ff:ff`) as no MAC that would ever match.
 */
function knownOnlyByMac(device: SourceDevice): boolean {
  const stored = toStagedRecord(device);
  return stored !== null && !stored.serialNumber && !stored.hardwareUuid && !stored.machineGuid && (stored.macAddresses?.length ?? 0) > 0;
}

/** Columns of an MDM export that DevTrust skipped (an upload may carry them; they are not stored). */
function ignoredWarning(columns: string[]): string[] {
  if (columns.length === 0) return [];
  // Header text from the file: quoted and cut so that it is safe to show (columns.ts).
  const shown = columns.slice(0, 10).map(quotedHeader);
  const more = columns.length > 10 ? ` and ${columns.length - 10} more` : '';
  return [
    `${columns.length === 1 ? '1 column was' : `${columns.length} columns were`} not used: ${shown.join(', ')}${more} (see docs/csv-format.md)`,
  ];
}

/** Rows for a platform the integration does not cover: kept (the admin may add the platform later) but never matched. */
function uncoveredWarnings(counts: Map<Platform, number>): string[] {
  return [...counts].map(
    ([platform, rows]) =>
      `${rows} ${rows === 1 ? 'row is' : 'rows are'} for ${platform}, which this integration does not cover: ${rows === 1 ? 'it never matches' : 'they never match'} until ${platform} is added to its platforms`,
  );
}

/** Rows whose only identifiers are MAC addresses, in an integration that does not match MACs. */
function macOnlyWarning(rows: number): string[] {
  if (rows === 0) return [];
  return [
    `${rows} ${rows === 1 ? 'row identifies its device' : 'rows identify devices'} only by MAC address, and this integration does not match MAC addresses: ${rows === 1 ? 'it never matches' : 'they never match'} until matchMacAddresses is set (devtrustctl integration update ID --config '{"matchMacAddresses":true}', see docs/matching.md)`,
  ];
}
