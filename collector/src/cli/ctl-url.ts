import { hasQueryOrFragment, hasUserInfo, withoutSecrets } from '@devtrust/shared/protocol/url-secrets';
import { UsageError } from './ctl-commands.js';

/**
 * The collector's URL as devtrustctl takes it (--url, DEVTRUST_URL, or DEVTRUST_PORT), checked
 * once, before anything is sent or printed. Every line that names the collector (cannot reach,
 * does not answer like a collector, the TLS hints) prints the URL this returns, so what it lets
 * through is what the admin's terminal, CI log or shared screen shows.
 *
 * A user name or password in it is refused, not dropped: devtrustctl signs in with an API key,
 * Node's fetch refuses to send a URL's credentials anyway (the request failed, and its error
 * echoed them), and quietly using the URL without them would hide that the admin's
 * secret sits in a shell history or a variable. A query or fragment is refused too: the API's
 * paths are appended to this URL, so `https://host/?token=abc` + `/healthz` asked for
 * `/?token=abc/healthz` and never worked; what it held may be a secret all the same.
 * The refusals never repeat those parts.
 */
export function collectorBase(raw: string, source: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // `127.0.0.1:8700` or `trust.example.com`: a host without its scheme, the usual slip.
    const bare = /^[a-z0-9.-]+(:\d{1,5})?\/?$/i.test(raw.trim());
    throw new UsageError(
      `${source} "${withoutSecrets(raw)}" is not a URL${bare ? `: did you mean http://${raw.trim()} (or https://${raw.trim()})?` : ''}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`${source} "${withoutSecrets(raw)}" must be an http(s) URL`);
  if (hasUserInfo(url))
    throw new UsageError(
      `${source} must not hold a user name or password (${withoutSecrets(raw)}): devtrustctl signs in with an API key (DEVTRUST_API_KEY or --api-key); give the collector's URL without them`,
    );
  // An empty query ("…/?") or fragment ("…#") too: it still breaks the appended path.
  if (hasQueryOrFragment(url))
    throw new UsageError(
      `${source} must not hold a query or fragment (${withoutSecrets(raw)}): devtrustctl adds the API's paths to the URL; give the collector's URL alone`,
    );
  // The console's address copied from the browser: the API is beside it, not under it (every
  // request answered "404 no console file at /console/admin/v1/…").
  if (/\/console(\/.*)?$/i.test(url.pathname))
    throw new UsageError(
      `${source} is the console's address (${withoutSecrets(raw)}): give the collector's URL, ${url.origin}${url.pathname.replace(/\/console(\/.*)?$/i, '')}`,
    );
  return raw.replace(/\/+$/, '');
}
