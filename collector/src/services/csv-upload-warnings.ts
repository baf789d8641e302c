import { IDENTIFIER_LABELS, type Platform } from '@devtrust/shared/identity';
import type { StagedRecord } from '../domain/inventory.js';
import type { Integration } from '../domain/integration.js';
import { quotedHeader } from '../sync/csv/columns.js';
import type { SourceDevice } from '../sync/source.js';
import { toStagedRecord } from '../sync/normalize.js';
import { DUPLICATE_CHECK_LIMIT, DuplicateIdentifiers } from './csv-upload-duplicates.js';

/**
 * What an upload's answer warns about: what was stored but will never match (rows for a
 * platform the integration does not cover, rows known only by MAC address where MACs are not
 * matched, rows whose identifiers are all placeholders, identifiers several rows hold) and the
 * header's columns DevTrust skipped. Counted as the rows stream past, so the file is never held
 * whole; each row judged as the store will keep it (toStagedRecord).
 */
export class UploadWarnings {
  /** Filled by the parser (CsvOptions.ignoredColumns). */
  readonly ignoredColumns: string[] = [];
  /** Rows read, for the admin log. */
  rows = 0;
  private readonly uncovered = new Map<Platform, number>();
  private macOnly = 0;
  private placeholdersOnly = 0;
  /** Rows with no identifier left once normalised: not stored at all. */
  private unstored = 0;
  private readonly unstoredExamples: string[] = [];
  /** A few of the placeholder-only rows' values (`serialNumber=To Be Filled By O.E.M.`). */
  private readonly placeholderExamples: string[] = [];
  private readonly duplicates = new DuplicateIdentifiers();
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
        const stored = toStagedRecord(device);
        if (stored === null) {
          // Nothing left once normalised (a serial of "-" or spaces): the sync skips the row, so the
          // answer's device count is short by it, and only this warning says why.
          this.unstored++;
          const value = device.serialNumber ?? device.hardwareUuid ?? device.machineGuid ?? device.macAddresses?.[0] ?? '';
          if (this.unstoredExamples.length < 3 && !this.unstoredExamples.includes(value)) this.unstoredExamples.push(value);
          continue;
        }
        // Matching reads MACs only where matchMacAddresses is on: such a row can never match.
        if (!this.matchesMacs && knownOnlyByMac(stored)) this.macOnly++;
        if (onlyPlaceholders(stored)) {
          this.placeholdersOnly++;
          for (const value of stored.placeholders ?? [])
            if (this.placeholderExamples.length < 3 && !this.placeholderExamples.includes(value)) this.placeholderExamples.push(value);
        }
        if (stored.serialNumber) this.duplicates.add('serialNumber', stored.serialNumber);
        if (stored.hardwareUuid) this.duplicates.add('hardwareUuid', stored.hardwareUuid);
        if (stored.machineGuid) this.duplicates.add('machineGuid', stored.machineGuid);
      }
      yield page;
    }
  }

  list(): string[] {
    return [
      ...ignoredWarning(this.ignoredColumns),
      ...uncoveredWarnings(this.uncovered),
      ...macOnlyWarning(this.macOnly),
      ...unstoredWarning(this.unstored, this.unstoredExamples),
      ...placeholderWarning(this.placeholdersOnly, this.placeholderExamples),
      ...duplicateWarning(this.duplicates),
    ];
  }
}

/**
 * Whether the row, as it is stored, holds MAC addresses and no other identifier: judged on the
 * normalised record, so a placeholder serial (`To be filled by O.E.M.`, `0`) dropped when stored
 * counts as none, and a placeholder MAC (`ff:ff:ff:ff:ff:ff`) as no MAC that would ever match.
 */
function knownOnlyByMac(stored: StagedRecord): boolean {
  return !stored.serialNumber && !stored.hardwareUuid && !stored.machineGuid && (stored.macAddresses?.length ?? 0) > 0;
}

/** Whether every identifier of the row is a placeholder: all are dropped when stored, so it can never match. */
function onlyPlaceholders(stored: StagedRecord): boolean {
  return (
    (stored.placeholders?.length ?? 0) > 0 &&
    !stored.serialNumber &&
    !stored.hardwareUuid &&
    !stored.machineGuid &&
    (stored.macAddresses?.length ?? 0) === 0
  );
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

/** Rows whose identifiers normalise to nothing (`-`, punctuation only): skipped, so the device count is short by them. */
function unstoredWarning(rows: number, examples: readonly string[]): string[] {
  if (rows === 0) return [];
  const shown = examples.map(quotedHeader).join(', ');
  return [
    `${rows === 1 ? '1 row has' : `${rows} rows have`} no identifier left once normalised (${rows === 1 ? '' : 'e.g. '}${shown}), so ${rows === 1 ? 'it was' : 'they were'} not stored; give ${rows === 1 ? 'it' : 'them'} the device's real serial number or hardware UUID (see docs/csv-format.md)`,
  ];
}

/** Rows whose identifiers are all placeholders (`To Be Filled By O.E.M.`, `0`, `ff:ff:ff:ff:ff:ff`). */
function placeholderWarning(rows: number, examples: readonly string[]): string[] {
  if (rows === 0) return [];
  // `serialNumber=To Be Filled By O.E.M.` as the findings write it; file text, so quoted as headers are.
  const shown = examples.map((e) => {
    const at = e.indexOf('=');
    const kind = e.slice(0, at) as keyof typeof IDENTIFIER_LABELS;
    return `${IDENTIFIER_LABELS[kind] ?? kind} ${quotedHeader(e.slice(at + 1))}`;
  });
  return [
    `${rows === 1 ? '1 row has' : `${rows} rows have`} only placeholder identifiers (${rows === 1 ? '' : 'e.g. '}${shown.join(', ')}), which are dropped when stored: ${rows === 1 ? 'it never matches' : 'they never match'}; give ${rows === 1 ? 'it' : 'them'} the device's real serial number or hardware UUID (see docs/matching.md)`,
  ];
}

/** Identifiers several rows of this file hold: no row is trusted on such an identifier. */
function duplicateWarning(duplicates: DuplicateIdentifiers): string[] {
  const warnings: string[] = [];
  if (duplicates.count > 0) {
    const shown = duplicates.examples.map(([kind, value]) => `${IDENTIFIER_LABELS[kind]} ${quotedHeader(value)}`);
    const more = duplicates.count > shown.length ? ` and ${duplicates.count - shown.length} more` : '';
    warnings.push(
      `${duplicates.count === 1 ? '1 identifier is' : `${duplicates.count} identifiers are each`} held by more than one row: ${shown.join(', ')}${more}; no row is trusted on an identifier another row holds too: keep one row per device (see docs/matching.md#duplicates)`,
    );
  }
  if (duplicates.full) {
    warnings.push(
      `the file holds more distinct identifiers than one upload is checked for (${DUPLICATE_CHECK_LIMIT}): rows past them were not checked for identifiers other rows hold`,
    );
  }
  return warnings;
}
