import { withUnsafeAsSpaces } from '@devtrust/shared/identity/unsafe-text';

type Io = { write(text: string): unknown };

/**
 * devtrustctl's human output, written to a terminal: what the collector answers quotes agents'
 * and vendors' text (hostnames, identifiers, finding messages), and a value stored before the
 * protocol refused control characters in it could carry an escape sequence (clear the screen,
 * retitle the window, move the cursor over a row) or a bidi override. Each line is written with
 * those as spaces; the line breaks are devtrustctl's own. `--json` is left exact for programs.
 */
export function terminalSafe(io: Io): Io {
  return { write: (text: string) => io.write(text.split('\n').map(withUnsafeAsSpaces).join('\n')) };
}
