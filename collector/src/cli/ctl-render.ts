/** How devtrustctl prints an answer for people: lists as tables, single objects as `key: value` lines. */
import { displayWidth, padToWidth, sliceToWidth } from './display-width.js';

const MAX_CELL = 120;
/** The last column may run longer: nothing follows it to push out of line (a pending endpoint's holders, an error). */
const MAX_LAST_CELL = 400;

/** Milliseconds since the epoch (every time the admin API answers) read as a date. */
const isTime = (key: string, value: number): boolean => value > 1e12 && /At$|^at$|Until$/.test(key);

/** "2026-11-30 08:15:51 UTC": the zone spelled out (an ISO "Z" is easy to miss); --json keeps milliseconds. */
export const utcTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

function scalar(key: string, value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number' && isTime(key, value)) return utcTime(value);
  return String(value);
}

function cell(key: string, value: unknown): string {
  // Lists of named things (a kind's config fields) print their names.
  if (Array.isArray(value))
    return value
      .map((v: unknown) => (typeof (v as { name?: unknown } | null)?.name === 'string' ? (v as { name: string }).name : scalar(key, v)))
      .join('; ');
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return scalar(key, value);
}

/**
 * Cuts a long cell at a word boundary and says so with "…" (--json has the whole text). `max` is
 * in terminal columns: a fullwidth character takes two, a combining mark none (display-width.ts).
 */
export function fitCell(text: string, max = MAX_CELL): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (displayWidth(flat) <= max) return flat;
  const cut = sliceToWidth(flat, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space !== -1 && displayWidth(cut.slice(0, space)) > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

export function renderTable(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = rows.map((row) => columns.map((c, i) => fitCell(cell(c, row[c]), i === columns.length - 1 ? MAX_LAST_CELL : MAX_CELL)));
  // Columns line up by what the terminal shows, not by UTF-16 units.
  const widths = columns.map((c, i) => Math.max(displayWidth(c), ...cells.map((r) => displayWidth(r[i] as string))));
  const render = (values: string[]): string =>
    values
      .map((v, i) => padToWidth(v, widths[i] as number))
      .join('  ')
      .trimEnd();
  return [render(columns), ...cells.map(render)].join('\n');
}

const isPlain = (value: unknown): boolean => value === null || typeof value !== 'object';

/**
 * One object as `key: value` lines; nested objects indent under their key, lists of plain
 * values go on one line, lists of objects become `-` items.
 */
export function renderObject(object: Record<string, unknown>, indent = ''): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(object)) {
    if (isPlain(value)) lines.push(`${indent}${key}: ${scalar(key, value)}`);
    else if (Array.isArray(value)) {
      if (value.length === 0) lines.push(`${indent}${key}: -`);
      else if (value.every(isPlain) && value.every((v) => !String(v).includes(',')))
        lines.push(`${indent}${key}: ${value.map((v) => scalar(key, v)).join(', ')}`);
      else {
        lines.push(`${indent}${key}:`);
        for (const item of value) {
          if (isPlain(item)) lines.push(`${indent}  - ${scalar(key, item)}`);
          else {
            const [first = '', ...rest] = renderObject(item as Record<string, unknown>, `${indent}    `).split('\n');
            lines.push(`${indent}  - ${first.trimStart()}`, ...rest.filter((l) => l !== ''));
          }
        }
      }
    } else if (Object.keys(value as object).length === 0) lines.push(`${indent}${key}: -`);
    else lines.push(`${indent}${key}:`, renderObject(value as Record<string, unknown>, `${indent}  `));
  }
  return lines.join('\n');
}
