/**
 * How URL text that may carry secrets is named in a message or a log line. A URL's user name
 * and password, query and fragment are where copied links carry tokens and credentials; every
 * DevTrust binary that refuses or prints a URL given to it (devtrustctl's --url, the agent's
 * and the installers' collector URLs, the collector's public URL) shows it through this, so
 * the refusal never repeats what it refuses.
 */

/**
 * URL text with a user name and password shown as `***` and any query or fragment cut, for
 * messages about text that may not even parse (`https://user:secret@host:99999/?token=abc`
 * becomes `https://***@host:99999/…`). Done on the text, not the parsed URL: the parser may have
 * refused it, or read it otherwise (a backslash is a slash to it, and `https:user:pw@host` is
 * `https://user:pw@host` to it). So only a scheme followed by slashes is kept as a scheme;
 * anything else before the last "@" of the first segment is hidden (`user:pw@host`, with no
 * scheme, is `***@host`, not `user:***@host`).
 */
export function withoutSecrets(raw: string): string {
  // Percent-encoded too: "%3F", "%23" and "%40" read as "?", "#" and "@" once decoded, and a
  // message may be read (or the text reused) decoded.
  const cut = raw.search(/[?#]|%3f|%23/i);
  const kept = cut === -1 ? raw : `${raw.slice(0, cut)}…`;
  const scheme = /^[a-z][a-z0-9+.-]*:[/\\]+/i.exec(kept)?.[0] ?? '';
  const rest = kept.slice(scheme.length);
  const authorityEnd = rest.search(/[/\\]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  // The last "@": a password may hold an unescaped one.
  const at = /^.*(@|%40)/is.exec(authority);
  return at === null ? kept : `${scheme}***@${rest.slice(at[0].length)}`;
}

/** Whether a parsed URL holds a user name or password (even an empty password after a user name counts). */
export const hasUserInfo = (url: URL): boolean => url.username !== '' || url.password !== '';

/**
 * Whether a parsed URL holds a query or fragment. From href, not search and hash: an empty
 * query ("…/?") or fragment ("…#") is '' in those but still part of the URL.
 */
export const hasQueryOrFragment = (url: URL): boolean => /[?#]/.test(url.href);
