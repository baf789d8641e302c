/**
 * How URL text that may carry secrets is named in a message or a log line. A URL's user name
 * and password, query and fragment are where copied links carry tokens and credentials; every
 * DevTrust binary that refuses or prints a URL given to it (devtrustctl's --url, the agent's
 * and the installers' collector URLs, the collector's public URL) shows it through this, so
 * the refusal never repeats what it refuses.
 */

/**
 * URL text with a user name and password shown as `***` and any query or fragment cut, for
 * messages about a URL that may not even parse (`https://user:secret@host:99999/?token=abc`
 * becomes `https://***@host:99999/…`).
 *
 * A URL the WHATWG parser reads (as fetch, the agent and the collector do) with user info is
 * shown from its parts: the parser drops leading spaces and tabs or newlines anywhere (`" https:/\t/u:pw@h"` is
 * `https://u:pw@h` to it), so text patterns would miss user info the URL really holds. Text it
 * refuses is redacted as text, the cautious way round: everything before the last `@` (or `%40`)
 * anywhere is hidden, scheme apart, since a password may hold `/`, `?`, `#` or another `@`
 * (`https://admin:pa/ss@host` does not parse, and its authority is not what a pattern thinks).
 */
export function withoutSecrets(raw: string): string {
  const url = parsed(raw);
  if (url !== null && hasUserInfo(url)) {
    // Percent-encoded "?" and "#" in the path read as a query or fragment once decoded.
    // The root path as written: `https://u:pw@host` is shown without the "/" the parser adds.
    const root = url.pathname === '/' && !/\/\s*$/.test(raw.split(/[?#]/)[0] ?? '');
    const path = root ? '' : url.pathname.replace(/(%3f|%23).*$/is, '…');
    const more = !path.endsWith('…') && hasQueryOrFragment(url) ? '…' : '';
    return `${url.protocol}//***@${url.host}${path}${more}`;
  }
  // As the parser would read it: no tabs or newlines, no leading or trailing spaces and controls.
  // eslint-disable-next-line no-control-regex
  const text = raw.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  const scheme = /^[a-z][a-z0-9+.-]*:[/\\]+/i.exec(text)?.[0] ?? '';
  // A URL the parser reads without user info may hold an "@" in its path (`https://host/a@b`).
  const at = url !== null ? null : /^.*(@|%40)/is.exec(text.slice(scheme.length));
  const rest = at === null ? text.slice(scheme.length) : text.slice(scheme.length + at[0].length);
  const end = rest.search(/[?#]|%3f|%23/i);
  return `${scheme}${at === null ? '' : '***@'}${end === -1 ? rest : `${rest.slice(0, end)}…`}`;
}

/** The URL with a host, as the WHATWG parser reads the text; null when it refuses it or finds no host. */
function parsed(raw: string): URL | null {
  try {
    const url = new URL(raw);
    return url.host === '' ? null : url;
  } catch {
    return null;
  }
}

/** Whether a parsed URL holds a user name or password (even an empty password after a user name counts). */
export const hasUserInfo = (url: URL): boolean => url.username !== '' || url.password !== '';

/**
 * Whether a parsed URL holds a query or fragment. From href, not search and hash: an empty
 * query ("…/?") or fragment ("…#") is '' in those but still part of the URL.
 */
export const hasQueryOrFragment = (url: URL): boolean => /[?#]/.test(url.href);
