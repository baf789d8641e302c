/** Bad command-line input: the CLI prints `devtrust-installers: <message>` and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Flags = Record<string, string | true>;

/** `--name value`, `--name=value`, and bare boolean switches listed in `switches`. */
export function parseFlags(argv: readonly string[], known: readonly string[], switches: readonly string[] = []): Flags {
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!name.startsWith('--') || (!known.includes(name) && !switches.includes(name)))
      throw new UsageError(`unknown argument "${arg}" (see --help)`);
    if (switches.includes(name)) {
      flags[name] = true;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    flags[name] = value;
  }
  return flags;
}

// Control characters cannot be quoted in a .cmd line nor kept in a registry string safely.
const hasControl = (text: string): boolean => [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

export function collectorUrl(raw: string | true | undefined): URL {
  if (typeof raw !== 'string' || raw.trim() === '') throw new UsageError('--collector URL is required');
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UsageError(`--collector "${raw}" is not a URL (expected https://collector.example.com)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError(`--collector must be an http(s) URL, not ${url.protocol}`);
  if (url.username || url.password || hasControl(raw)) throw new UsageError('--collector must not hold credentials or control characters');
  return url;
}

export function enrollmentKey(raw: string | true | undefined): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new UsageError('--enrollment-key must not be empty');
  if (hasControl(raw)) throw new UsageError('--enrollment-key must not contain control characters');
  return raw.trim();
}

export function requiredPath(flags: Flags, name: string): string {
  const value = flags[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${name} DIR is required`);
  return value;
}

/** The collector URL as the agent stores it (no trailing slash), like the agent's config does. */
export const collectorSetting = (url: URL): string => url.href.replace(/\/+$/, '');
