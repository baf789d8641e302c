import { CsvError, parse, type Info } from 'csv-parse';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { oversizedIdentifier, PLATFORMS, unsafeCharacter } from '@devtrust/shared/identity';
import { LIMITS } from '@devtrust/shared/protocol';
import { badRequest } from '../../errors.js';
import type { SourceDevice } from '../source.js';

import { columnOf, IDENTIFIER_COLUMNS, quotedHeader } from './columns.js';
import { csvPlatform } from './platform.js';

export { CSV_COLUMNS } from './columns.js';
const PAGE = 1000;
/** Longest row (or header) accepted, in characters. */
export const MAX_ROW_CHARACTERS = 16 * 1024;

export interface CsvOptions {
  /**
   * An upload with a header and no rows empties the inventory only when asked for
   * (`?allowEmpty=true`): by default it is refused, as an export that came out empty
   * would otherwise untrust every device at once.
   */
  allowEmpty?: boolean;
  /** Filled with the header's columns DevTrust does not use (an MDM export's "Model", …): skipped, and the upload says so. */
  ignoredColumns?: string[];
}

/**
 * Streams a CSV inventory as pages of devices, from its text or from its text arriving in
 * chunks (an upload's body, see http/body.ts `textChunks`): rows are parsed as the chunks
 * come and handed on a page at a time, so an upload is never held whole in memory. The
 * header names any of CSV_COLUMNS (case-insensitive); every row needs at least one
 * identifier. Errors name the line; an error of the source (a body too large) is thrown as is.
 */
export async function* parseCsvInventory(source: string | AsyncIterable<string>, options: CsvOptions = {}): AsyncGenerator<SourceDevice[]> {
  const quotes = new QuoteTracker();
  async function* watched(): AsyncGenerator<string> {
    for await (const chunk of typeof source === 'string' ? [source] : source) {
      quotes.feed(chunk);
      yield chunk;
    }
  }
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    // Every line end, whatever the first line used: csv-parse otherwise takes the first line's
    // (a header ending in CRLF) as the only one, and rows ending in LF alone run together into
    // one record, one serial number made of every row's ("C01C02…"): devices lost without a word.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: false,
    info: true,
    // A row holds a few identifiers and names (2 KB with 64 MAC addresses): a "row" past
    // this is no inventory, and the parser would otherwise buffer it whole, up to the body limit.
    max_record_size: MAX_ROW_CHARACTERS,
    columns: (header: string[]) => checkHeader(header, options.ignoredColumns),
  });
  // The parser reads the source as fast as pages are taken: a slow database slows the upload.
  const feeding = pipeline(Readable.from(watched()), parser);
  feeding.catch(() => undefined); // its error also ends the iteration below, which throws it
  let page: SourceDevice[] = [];
  let rows = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: Info }>) {
      rows++;
      page.push(toDevice(record, info.lines));
      if (page.length >= PAGE) {
        yield page;
        page = [];
      }
    }
  } catch (error) {
    // Every csv-parse error is about the upload (a stray quote, a short row...): a 400 naming the line.
    if (error instanceof CsvError) {
      // csv-parse names the line where it gave up (the end of the file) for an unclosed quote.
      const opened = error.code === 'CSV_QUOTE_NOT_CLOSED' ? quotes.unclosedLine() : null;
      if (opened !== null) throw badRequest('INVALID_CSV', `CSV line ${opened}: a quoted field starts here and is never closed`, 'body');
      const where = (error as { lines?: number }).lines;
      throw badRequest('INVALID_CSV', `CSV${where ? ` line ${where}` : ''}: ${error.message}`, 'body');
    }
    throw error;
  } finally {
    // Stopped early (a bad row, the store failed): stop reading the source too.
    parser.destroy();
  }
  if (rows === 0 && !options.allowEmpty) {
    throw badRequest(
      'EMPTY_INVENTORY',
      'the CSV has no device rows, so the current inventory is kept; to empty the inventory on purpose, upload again with ?allowEmpty=true (devtrustctl integration upload --allow-empty)',
      'body',
    );
  }
  if (page.length > 0) yield page;
}

/**
 * Where the quoted field that never closes begins (quotes open only at a field's start),
 * followed chunk by chunk as the text streams past, keeping only its state.
 */
class QuoteTracker {
  private line = 1;
  private quoted = false;
  private openedAt = 0;
  private fieldStart = true;
  /** A quote ended the last chunk inside a quoted field: closing, or the first of an escaped pair. */
  private pendingQuote = false;

  feed(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (this.pendingQuote) {
        this.pendingQuote = false;
        if (ch === '"') continue; // "" inside a quoted field
        this.quoted = false;
      }
      if (ch === '\n') this.line++;
      if (this.quoted) {
        if (ch === '"' && i + 1 === text.length) this.pendingQuote = true;
        else if (ch === '"' && text[i + 1] === '"') i++;
        else if (ch === '"') this.quoted = false;
        continue;
      }
      if (ch === '"' && this.fieldStart) {
        this.quoted = true;
        this.openedAt = this.line;
      }
      this.fieldStart = ch === ',' || ch === '\n' || (this.fieldStart && (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\uFEFF'));
    }
  }

  unclosedLine(): number | null {
    return this.quoted && !this.pendingQuote ? this.openedAt : null;
  }
}

/**
 * The header's names as csv-parse keys: each column under its name (aliases resolved, see
 * columns.ts); every MAC column (Wi-Fi and Ethernet) kept, as mac_addresses, mac_addresses_2…;
 * a second header for another column, and headers DevTrust does not use, skipped (false).
 */
function checkHeader(header: string[], ignored: string[] = []): (string | false)[] {
  // Two cells naming one identifier column (`serial_number` and `Serial Number`, or
  // `serial_number` and its export name `SerialNumber`): which of the two holds the identifier
  // is anybody's guess, so the file is refused. MAC columns may repeat (Wi-Fi and Ethernet are
  // both kept). Another column named twice (Jamf Pro's `Username` and `Email Address` are both
  // the owner) is read from its first cell, the others skipped as unused, as is any column
  // DevTrust does not read.
  const firstCell = new Map<string, string>();
  let macs = 0;
  const names = header.map((h): string | false => {
    const column = columnOf(h);
    if (column === 'mac_addresses') return ++macs === 1 ? column : `${column}_${macs}`;
    const first = column === null ? undefined : firstCell.get(column);
    if (column === null || (first !== undefined && !(IDENTIFIER_COLUMNS as readonly string[]).includes(column))) {
      ignored.push(h.trim() === '' ? '(unnamed)' : h.trim());
      return false;
    }
    if (first !== undefined) {
      throw badRequest(
        'INVALID_CSV',
        `CSV header: ${quotedHeader(first)} and ${quotedHeader(h)} are one column, named twice (names are compared without case, spaces and dashes count as underscores, and an export's name counts as the column it stands for): keep one`,
        'body',
      );
    }
    firstCell.set(column, h);
    return column;
  });
  if (!names.some((n) => n !== false && (IDENTIFIER_COLUMNS as readonly string[]).includes(n.replace(/_\d+$/, '')))) {
    const separator = otherSeparator(header);
    if (separator) {
      throw badRequest(
        'INVALID_CSV',
        `CSV header: this file is separated by ${separator}; DevTrust reads comma-separated files: save it as "CSV UTF-8 (comma delimited)"`,
        'body',
      );
    }
    throw badRequest(
      'INVALID_CSV',
      `CSV header: name at least one of ${IDENTIFIER_COLUMNS.join(', ')} (or an MDM export's name for one, e.g. "Serial Number"; see docs/csv-format.md)`,
      'body',
    );
  }
  return names;
}

/**
 * The separator a header with no identifier column would name one with: Excel saves "CSV" with
 * semicolons where the decimal mark is a comma (most of Europe), and "Text" with tabs. Such a
 * header reads as one cell (`serial_number;hardware_uuid`), and "name at least one of
 * serial_number…" sent the admin looking for a column that is there.
 */
function otherSeparator(header: string[]): 'semicolons' | 'tabs' | null {
  const text = header.join(',');
  for (const [separator, name] of [
    [';', 'semicolons'],
    ['\t', 'tabs'],
  ] as const) {
    if (!text.includes(separator)) continue;
    const cells = text.split(separator).flatMap((cell) => cell.split(','));
    if (cells.some((cell) => (IDENTIFIER_COLUMNS as readonly (string | null)[]).includes(columnOf(cell.replace(/^"|"$/g, '')))))
      return name;
  }
  return null;
}

/** Column limits: identifiers are looked up and indexed, so a runaway value is refused, not stored. */
const MAX_LENGTH: Record<string, number> = {
  serial_number: LIMITS.maxIdentifierLength,
  hardware_uuid: LIMITS.maxIdentifierLength,
  machine_guid: LIMITS.maxIdentifierLength,
  device_name: LIMITS.maxDeviceTextLength,
  owner: LIMITS.maxDeviceTextLength,
  platform: 64,
};

function toDevice(row: Record<string, string>, line: number): SourceDevice {
  if (!Object.entries(row).some(([c, v]) => v !== '' && (IDENTIFIER_COLUMNS as readonly string[]).includes(c.replace(/_\d+$/, '')))) {
    throw badRequest('INVALID_CSV', `CSV line ${line}: the row has no identifier`, 'body');
  }
  for (const [column, max] of Object.entries(MAX_LENGTH)) {
    if ((row[column] ?? '').length > max) {
      throw badRequest('INVALID_CSV', `CSV line ${line}: ${column} is longer than ${max} characters`, 'body');
    }
  }
  // Shown in the console beside the device: display text, refused (not cleaned) like every name.
  for (const column of ['device_name', 'owner'] as const) {
    const unsafe = unsafeCharacter(row[column] ?? '');
    if (unsafe) {
      throw badRequest(
        'INVALID_CSV',
        `CSV line ${line}: ${column} must not contain control or bidirectional characters (found ${unsafe})`,
        'body',
      );
    }
  }
  // A quoted cell may span lines; an identifier that does would be stored run together
  // (normalising drops the break), matching no device: refused, naming the line.
  for (const column of ['serial_number', 'hardware_uuid', 'machine_guid'] as const) {
    if (/[\r\n]/.test(row[column] ?? '')) {
      throw badRequest(
        'INVALID_CSV',
        `CSV line ${line}: ${column} holds a line break (a quoted cell spanning lines): one identifier per cell`,
        'body',
      );
    }
  }
  // Every MAC column (an export's Wi-Fi and Ethernet MACs) feeds the one list.
  const macs = Object.entries(row)
    .filter(([column]) => column.startsWith('mac_addresses'))
    .flatMap(([, value]) => value.split(/[;|\s]+/))
    .filter((m) => m !== '');
  // Normalising can lengthen an identifier (NFKC): what would not fit once normalised is refused, not dropped.
  for (const [column, value] of [
    ...(['serial_number', 'hardware_uuid', 'machine_guid'] as const).map((c) => [c, row[c] ?? ''] as const),
    ...macs.map((m) => ['mac_addresses', m] as const),
  ]) {
    const problem = oversizedIdentifier(value);
    if (problem) throw badRequest('INVALID_CSV', `CSV line ${line}: ${column} ${problem}`, 'body');
  }
  if (macs.length > 64) throw badRequest('INVALID_CSV', `CSV line ${line}: more than 64 mac_addresses`, 'body');
  if (macs.some((m) => m.length > LIMITS.maxIdentifierLength)) {
    throw badRequest(
      'INVALID_CSV',
      `CSV line ${line}: a mac_addresses entry is longer than ${LIMITS.maxIdentifierLength} characters`,
      'body',
    );
  }
  const platform = csvPlatform(row.platform ?? '');
  if (platform === undefined) {
    throw badRequest(
      'INVALID_CSV',
      `CSV line ${line}: platform ${quotedHeader(row.platform ?? '')} is not one of ${PLATFORMS.join(', ')}`,
      'body',
    );
  }
  return {
    serialNumber: row.serial_number || null,
    hardwareUuid: row.hardware_uuid || null,
    machineGuid: row.machine_guid || null,
    macAddresses: macs,
    deviceName: row.device_name || null,
    platform,
    owner: row.owner || null,
    managed: true,
  };
}
