import { CommandLineError, parseCommandLine, type FlagSpecs } from '@devtrust/shared/cli/command-line';

/** Bad command-line input: the CLI prints `devtrust-installers: <message>` and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Flags = Record<string, string | true | string[]>;

/**
 * `--name value`, `--name=value`, and bare boolean switches listed in `switches`, through the
 * parser every DevTrust binary shares; `--help` is always known. Keys keep their dashes.
 */
export function parseFlags(
  argv: readonly string[],
  known: readonly string[],
  switches: readonly string[] = [],
  repeatable: readonly string[] = [],
): Flags {
  const specs: FlagSpecs = { help: { type: 'boolean', short: 'h' } };
  for (const name of known) specs[name.slice(2)] = { type: 'string' };
  for (const name of switches) specs[name.slice(2)] = { type: 'boolean' };
  for (const name of repeatable) specs[name.slice(2)] = { type: 'string', multiple: true };
  try {
    const { values, lists } = parseCommandLine(argv, specs);
    return Object.fromEntries([...Object.entries(values), ...Object.entries(lists)].map(([name, value]) => [`--${name}`, value]));
  } catch (error) {
    if (error instanceof CommandLineError) throw new UsageError(error.message);
    throw error;
  }
}

// Control characters cannot be quoted in a .cmd line nor kept in a registry string safely.
const hasControl = (text: string): boolean => [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

export function collectorUrl(raw: Flags[string] | undefined, flag = '--collector'): URL {
  if (typeof raw !== 'string' || raw.trim() === '') throw new UsageError(`${flag} URL is required`);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UsageError(`${flag} "${raw}" is not a URL (expected https://collector.example.com)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`${flag} must be an http(s) URL, not ${url.protocol}`);
  if (url.username || url.password || hasControl(raw)) throw new UsageError(`${flag} must not hold credentials or control characters`);
  return url;
}

/**
 * --previous-collector-url, repeatable: earlier addresses of the collector, as the agent
 * checks them (the address alone: a path means a page was copied, not the collector).
 */
export function previousCollectorUrls(raw: Flags[string] | undefined): string[] {
  if (raw === undefined) return [];
  const origins = (Array.isArray(raw) ? raw : [raw]).map((entry) => {
    const url = collectorUrl(entry, '--previous-collector-url');
    if (url.pathname !== '/' || url.search !== '' || url.hash !== '')
      throw new UsageError(
        `--previous-collector-url "${String(entry)}" is not a collector's address: give it as ${url.origin}, without a path`,
      );
    return url.origin;
  });
  return [...new Set(origins)];
}

export function enrollmentKey(raw: Flags[string] | undefined): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new UsageError('--enrollment-key must not be empty');
  if (hasControl(raw)) throw new UsageError('--enrollment-key must not contain control characters');
  return raw.trim();
}

export function requiredPath(flags: Flags, name: string): string {
  const value = flags[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${name} DIR is required`);
  return value;
}

/** The collector URL as the agent stores it (no trailing slash), like the agent's config does; its address alone. */
export const collectorSetting = (url: URL): string =>
  /^\/*$/.test(url.pathname) && url.search === '' && url.hash === '' ? url.href.replace(/\/+$/, '') : url.origin;
