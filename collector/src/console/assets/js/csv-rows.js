// Whether an inventory CSV holds device rows, read in the browser before uploading: a file
// without any is asked about first, because an upload the collector refuses is recorded as a
// failed run (the dashboard then shows the integration failing) even when the admin cancels.

/** Only these count as blank; anything else after the header may be a row, and the collector decides. */
const BLANK = /^[ \t\r\n]*$/;

/**
 * True when `text` is a header (or nothing) followed by blank lines only. Conservative: a quoted
 * header field may hold line breaks, so the header ends at the first line break outside quotes,
 * and a header whose quote never closes is left for the collector to refuse. False means "may
 * have rows"; the collector's EMPTY_INVENTORY refusal stays the backstop.
 */
export function hasNoDeviceRows(text) {
  const body = text.replace(/^\uFEFF/, '').replace(/^[\r\n]+/, '');
  const end = headerEnd(body);
  return end !== -1 && BLANK.test(body.slice(end));
}

/** Where the first record ends (its line break, or the end of the text); -1 when a quote never closes. */
function headerEnd(text) {
  let quoted = false;
  let fieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch !== '"') continue;
      if (text[i + 1] === '"') i++;
      else quoted = false;
      continue;
    }
    if (ch === '\n' || ch === '\r') return i;
    if (ch === '"' && fieldStart) quoted = true;
    fieldStart = ch === ',' || (fieldStart && (ch === ' ' || ch === '\t'));
  }
  return quoted ? -1 : text.length;
}
