import { unsafeCharacter } from '@devtrust/shared/identity/unsafe-text';

/**
 * Collector URLs: how the agent checks them at start-up and how it tells whether two of them
 * reach the same collector. The agent only ever uses a collector URL's origin: its session
 * goes to ORIGIN/agent/v1 and its loopback door answers pages of that origin. So two URLs with
 * one origin are one collector, whatever their spelling (`HTTP://Trust.Example.com:80/` and
 * `http://trust.example.com`), and an enrollment is tied to the origin, not to the text.
 */

/** A setting whose value is not a usable collector URL; config.ts turns it into its AgentConfigError. */
export class CollectorUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CollectorUrlError';
  }
}

/** Controls (C0, DEL and C1), bidirectional overrides, invisible characters, line separators (unsafe-text.ts). */
const hasControl = (text: string): boolean => unsafeCharacter(text) !== null;

function parse(value: string): URL {
  // The URL parser drops tabs and line breaks wherever they are: two URLs on two lines would
  // quietly become one host name. The text is stored as written and shown by the tray, doctor
  // and the logs, so nothing that changes how it reads (an override, an escape) passes either.
  if (hasControl(value)) throw new CollectorUrlError('must be one URL, without control characters or line breaks');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CollectorUrlError(`"${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CollectorUrlError('must be an http(s) URL');
  // A password in the URL would be written to state.json and to every log line naming the collector.
  if (url.username !== '' || url.password !== '') throw new CollectorUrlError('must not hold a user name or password');
  return url;
}

/**
 * The configured collector URL: any http(s) URL without credentials, its trailing slashes
 * dropped. The agent only ever uses its origin, so one with a path, query or fragment (a copied
 * console or sign-in link) is taken as its origin, and `dropped` says so for a warning: refusing
 * it would stop every agent of a fleet for a setting that works.
 */
export function parseCollectorUrl(value: string): { url: string; dropped: string | null } {
  const url = parse(value);
  if (/^\/*$/.test(url.pathname) && url.search === '' && url.hash === '') return { url: value.replace(/\/+$/, ''), dropped: null };
  return {
    url: url.origin,
    dropped: `"${value}" is more than a collector's address: the agent uses ${url.origin} (only the address counts; give it without a path)`,
  };
}

/**
 * An earlier collector URL (previousCollectorUrls): the collector's address alone. A path,
 * query or fragment means something else was copied (the console's page, a sign-in link):
 * the agent would never have been enrolled with it, so it is refused rather than ignored.
 * Returns the origin, the form enrollments are compared in.
 */
export function parsePreviousCollectorUrl(value: string): string {
  const url = parse(value);
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '')
    throw new CollectorUrlError(`"${value}" is not a collector's address: give it as ${url.origin}, without a path`);
  return url.origin;
}

/** The collector a URL reaches (its origin, in canonical form), or null for text that is not an http(s) URL. */
export function collectorAddress(url: string | null): string | null {
  if (url === null) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : null;
  } catch {
    return null;
  }
}

/** Whether two collector URLs reach the same collector (see the file comment). */
export function sameCollector(a: string | null, b: string | null): boolean {
  const left = collectorAddress(a);
  return left !== null && left === collectorAddress(b);
}

/** A list setting given as text (an environment variable, a single managed string): URLs split at commas and blanks. */
export function splitUrlList(text: string): string[] {
  return text.split(/[\s,]+/).filter((part) => part !== '');
}
