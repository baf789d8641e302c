import { parse } from 'csv-parse';
import { Readable } from 'node:stream';
import { PLATFORMS, type Platform } from '@devtrust/shared/identity';
import { badRequest } from '../../errors.js';
import type { SourceDevice } from '../source.js';

export const CSV_COLUMNS = ['serial_number', 'hardware_uuid', 'machine_guid', 'device_name', 'platform', 'owner', 'mac_addresses'] as const;
const IDENTIFIER_COLUMNS = ['serial_number', 'hardware_uuid', 'machine_guid', 'mac_addresses'];
const PAGE = 1000;

const PLATFORM_ALIASES: Record<string, Platform> = {
  mac: 'macos',
  osx: 'macos',
  'mac os': 'macos',
  darwin: 'macos',
  win: 'windows',
  win32: 'windows',
};

/**
 * Streams a CSV inventory as pages of devices. The header names any of CSV_COLUMNS
 * (case-insensitive); every row needs at least one identifier. Errors name the line.
 */
export async function* parseCsvInventory(text: string): AsyncGenerator<SourceDevice[]> {
  const parser = Readable.from([text]).pipe(
    parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: false, columns: (header: string[]) => checkHeader(header) }),
  );
  let page: SourceDevice[] = [];
  let line = 1;
  try {
    for await (const row of parser as AsyncIterable<Record<string, string>>) {
      line++;
      page.push(toDevice(row, line));
      if (page.length >= PAGE) {
        yield page;
        page = [];
      }
    }
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('CSV_')) {
      const where = (error as { lines?: number }).lines;
      throw badRequest('INVALID_CSV', `CSV${where ? ` line ${where}` : ''}: ${(error as Error).message}`, 'body');
    }
    throw error;
  }
  if (page.length > 0) yield page;
}

function checkHeader(header: string[]): string[] {
  const names = header.map((h) =>
    h
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_'),
  );
  for (const name of names) {
    if (!(CSV_COLUMNS as readonly string[]).includes(name)) {
      throw badRequest('INVALID_CSV', `CSV header: unknown column "${name}"; use any of ${CSV_COLUMNS.join(', ')}`, 'body');
    }
  }
  if (!names.some((n) => IDENTIFIER_COLUMNS.includes(n))) {
    throw badRequest('INVALID_CSV', 'CSV header: name at least one of serial_number, hardware_uuid, machine_guid', 'body');
  }
  if (new Set(names).size !== names.length) throw badRequest('INVALID_CSV', 'CSV header: a column is named twice', 'body');
  return names;
}

function toDevice(row: Record<string, string>, line: number): SourceDevice {
  if (!IDENTIFIER_COLUMNS.some((c) => (row[c] ?? '') !== '')) {
    throw badRequest('INVALID_CSV', `CSV line ${line}: the row has no identifier`, 'body');
  }
  let platform: Platform | null = null;
  const rawPlatform = (row.platform ?? '').trim().toLowerCase();
  if (rawPlatform !== '') {
    const candidate = PLATFORM_ALIASES[rawPlatform] ?? rawPlatform;
    if (!(PLATFORMS as readonly string[]).includes(candidate)) {
      throw badRequest('INVALID_CSV', `CSV line ${line}: platform "${row.platform}" is not one of ${PLATFORMS.join(', ')}`, 'body');
    }
    platform = candidate as Platform;
  }
  return {
    serialNumber: row.serial_number || null,
    hardwareUuid: row.hardware_uuid || null,
    machineGuid: row.machine_guid || null,
    macAddresses: (row.mac_addresses ?? '').split(/[;|\s]+/).filter((m) => m !== ''),
    deviceName: row.device_name || null,
    platform,
    owner: row.owner || null,
    managed: true,
  };
}
