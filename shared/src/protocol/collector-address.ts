import { unsafeCharacter } from '../identity/unsafe-text.js';

/**
 * A collector's URL as the agent and the installers accept it. The agent only ever uses a
 * collector URL's origin (its session goes to ORIGIN/agent/v1), so an enrollment is tied to
 * that origin, and an earlier URL of the collector (previousCollectorUrls, the MSI property
 * PREVIOUSCOLLECTORURLS, --previous-collector-url) is the address alone. The rule is kept
 * once so that the installers never write a setting the agent refuses or reads otherwise.
 */

/** Text that is not a usable collector URL. Each binary names the setting and turns it into its own error. */
export class CollectorUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CollectorUrlError';
  }
}

/**
 * Any http(s) URL without a user name or password; blanks around it are not part of it.
 * The URL parser drops tabs and line breaks wherever they are (two URLs on two lines would
 * quietly become one host name), IDNA drops format characters from a host name (a zero-width
 * space, a soft hyphen), and the agent stores its URL as written and shows it in the tray,
 * doctor and its logs: text with a control, format or other hidden character (unsafe-text.ts)
 * is refused as a whole, before anything is trimmed, rather than cleaned into something else.
 */
export function checkedCollectorUrl(text: string): URL {
  if (unsafeCharacter(text) !== null) throw new CollectorUrlError('must be one URL, without control characters or line breaks');
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new CollectorUrlError(`"${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CollectorUrlError('must be an http(s) URL');
  // A password in the URL would be written to the agent's state, the payloads and every log line naming the collector.
  if (url.username !== '' || url.password !== '') throw new CollectorUrlError('must not hold a user name or password');
  return url;
}

/**
 * An earlier collector URL: the collector's address alone, returned as its origin (the form
 * enrollments are compared in). A path, query or fragment means something else was copied
 * (the console's page, a sign-in link): no agent was enrolled with it, so it is refused
 * rather than ignored. A trailing slash is no path.
 */
export function earlierCollectorAddress(text: string): string {
  const url = checkedCollectorUrl(text);
  // Lists of earlier URLs travel as text split at commas (the MSI property, the registry
  // string, DEVTRUST_AGENT_PREVIOUS_COLLECTOR_URLS): "http://a.example.com,b.example.com" is
  // one URL to the parser but two entries there. No host name holds a comma.
  if (url.hostname.includes(','))
    throw new CollectorUrlError(`"${text}" is more than one address: give each earlier collector URL as an entry of its own`);
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '')
    throw new CollectorUrlError(`"${text}" is not a collector's address: give it as ${url.origin}, without a path`);
  return url.origin;
}
