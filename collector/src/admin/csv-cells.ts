/**
 * CSV for spreadsheets (RFC 4180 quoting, CRLF lines) that cannot run formulas: a cell a
 * spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage
 * return — a username or reason is text anyone can influence) gets a leading `'`, which
 * spreadsheets show as text and do not evaluate.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (cells: (string | number | null | undefined)[]): string => `${cells.map(csvCell).join(',')}\r\n`;
