import { CommandLineError, parseCommandLine, type FlagSpecs } from '@devtrust/shared/cli/command-line';
import { checkedCollectorUrl, CollectorUrlError, earlierCollectorAddress } from '@devtrust/shared/protocol/collector-address';

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

// Control characters cannot be quoted in a .cmd line nor kept in a registry string safely (the
// enrollment key; collector URLs are checked by the agent's rule, which refuses them too).
const hasControl = (text: string): boolean => [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** A collector URL flag checked by the rule the agent applies to the same setting, its problem named after the flag. */
function checkedFlag<T>(raw: Flags[string] | undefined, flag: string, check: (text: string) => T): T {
  if (typeof raw !== 'string' || raw.trim() === '') throw new UsageError(`${flag} URL is required`);
  try {
    return check(raw);
  } catch (error) {
    if (error instanceof CollectorUrlError) throw new UsageError(`${flag} ${error.message}`);
    throw error;
  }
}

export const collectorUrl = (raw: Flags[string] | undefined): URL => checkedFlag(raw, '--collector', checkedCollectorUrl);

/**
 * --previous-collector-url, repeatable: earlier addresses of the collector, each its origin,
 * once, checked as the agent checks them (the address alone: a path means a page was copied,
 * not the collector).
 */
export function previousCollectorUrls(raw: Flags[string] | undefined): string[] {
  if (raw === undefined) return [];
  const origins = (Array.isArray(raw) ? raw : [raw]).map((entry) =>
    checkedFlag(entry, '--previous-collector-url', earlierCollectorAddress),
  );
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
