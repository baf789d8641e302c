import { unsafeCharacter } from '../identity/unsafe-text.js';
import { hasUserInfo, withoutSecrets } from './url-secrets.js';

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
 * Any http(s) URL without a user name, password, query or fragment; blanks around it are not
 * part of it. The URL parser drops tabs and line breaks wherever they are (two URLs on two lines would
 * quietly become one host name), IDNA drops format characters from a host name (a zero-width
 * space, a soft hyphen), and the agent stores its URL as written and shows it in the tray,
 * doctor and its logs: text with a control, format or other hidden character (unsafe-text.ts)
 * is refused as a whole, before anything is trimmed, rather than cleaned into something else.
 *
 * Credentials, a query and a fragment are refused rather than dropped: the agent authenticates
 * with its device key and enrollment key, never with a URL's, and never sends a query, so
 * what they hold is a secret copied by mistake (a sign-in link's token) that the admin should
 * see removed from the setting, not one the agent quietly keeps in its state and payloads.
 * Every refusal shows the text through withoutSecrets: it never repeats what it refuses,
 * in the agent's logs, doctor, the installers' output or a generated file.
 */
export function checkedCollectorUrl(text: string): URL {
  if (unsafeCharacter(text) !== null) throw new CollectorUrlError('must be one URL, without control characters or line breaks');
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new CollectorUrlError(`"${withoutSecrets(text.trim())}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CollectorUrlError('must be an http(s) URL');
  if (hasUserInfo(url))
    throw new CollectorUrlError(
      `must not hold a user name or password (${withoutSecrets(text.trim())}): the agent signs in with its device key and enrollment key; give the collector's URL without them`,
    );
  // Non-empty only: an empty "?" or "#" holds nothing, and earlier versions took it as the bare address.
  if (url.search !== '' || url.hash !== '')
    throw new CollectorUrlError(
      `must not hold a query or fragment (${withoutSecrets(text.trim())}): the agent uses the collector's address alone; give it without them`,
    );
  return url;
}

/**
 * An earlier collector URL: the collector's address alone, returned as its origin (the form
 * enrollments are compared in). A path, query or fragment means something else was copied
 * (the console's page): no agent was enrolled with it, so it is refused rather than ignored
 * (a query or fragment is refused by checkedCollectorUrl). A trailing slash is no path.
 */
export function earlierCollectorAddress(text: string): string {
  const url = checkedCollectorUrl(text);
  // Lists of earlier URLs travel as text split at commas (the MSI property, the registry
  // string, DEVTRUST_AGENT_PREVIOUS_COLLECTOR_URLS): "http://a.example.com,b.example.com" is
  // one URL to the parser but two entries there. No host name holds a comma.
  if (url.hostname.includes(','))
    throw new CollectorUrlError(
      `"${withoutSecrets(text.trim())}" is more than one address: give each earlier collector URL as an entry of its own`,
    );
  if (url.pathname !== '/')
    throw new CollectorUrlError(`"${withoutSecrets(text.trim())}" is not a collector's address: give it as ${url.origin}, without a path`);
  return url.origin;
}
