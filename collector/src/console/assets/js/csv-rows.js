// Whether an inventory CSV holds device rows, read in the browser before uploading: a file
// without any is asked about first, because an upload the collector refuses is recorded as a
// failed run (the dashboard then shows the integration failing) even when the admin cancels.
import { isInventoryHeader } from './csv-header.js';

/** Only these count as blank; anything else after the header may be a row, and the collector decides. */
const BLANK = /^[ \t\r\n]*$/;
/** Blank lines before the header, which the collector skips. */
const LEADING_BLANK_LINES = /^[ \t\r\n]*[\r\n]/;
/** The collector's longest record (parse.ts MAX_ROW_CHARACTERS): a longer header is refused there. */
const MAX_HEADER_CHARACTERS = 16 * 1024;

/**
 * True when `text` is nothing, or a header followed by blank lines only. The one line counts as a
 * header only when the collector would take it as one (csv-header.js): a file whose only line is
 * a device row ("C02X,,,,macos,") has no header, and asking "Empty the inventory?" for it would
 * end in the collector refusing it all the same. Conservative: a header whose quoting the
 * collector might read otherwise (a quote never closed, a quote inside a field) is left for the
 * collector to judge. False means "send it"; the collector's EMPTY_INVENTORY and INVALID_CSV
 * refusals stay the backstop.
 */
export function hasNoDeviceRows(text) {
  const body = text.replace(/^\uFEFF/, '').replace(LEADING_BLANK_LINES, '');
  if (BLANK.test(body)) return true;
  const header = firstRecord(body);
  return header !== null && header.end <= MAX_HEADER_CHARACTERS && BLANK.test(body.slice(header.end)) && isInventoryHeader(header.cells);
}

/**
 * The first record's fields and where it ends (its line break, or the end of the text); null
 * when its quoting is not plain CSV (a quote never closed, opened inside a field, or followed by
 * more than blanks before the next comma).
 */
function firstRecord(text) {
  const cells = [];
  let cell = '';
  let quoted = false;
  let closed = false;
  let i = 0;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch !== '"') cell += ch;
      else if (text[i + 1] === '"') {
        cell += '"';
        i++;
      } else {
        quoted = false;
        closed = true;
      }
      continue;
    }
    if (ch === '\n' || ch === '\r') break;
    if (ch === ',') {
      cells.push(cell);
      cell = '';
      closed = false;
    } else if (ch === '"') {
      if (closed || cell.trim() !== '') return null;
      quoted = true;
    } else if (closed && ch !== ' ' && ch !== '\t') return null;
    else cell += ch;
  }
  if (quoted) return null;
  cells.push(cell);
  return { cells, end: i };
}
