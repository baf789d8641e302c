import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { CommandLineError, parseCommandLine, type FlagSpecs } from '@devtrust/shared/cli/command-line';
import { CollectorUrlError, earlierCollectorAddress } from '@devtrust/shared/protocol/collector-address';
import { HARDWARE_KEY_PREFERENCES, type HardwareKeyPreference } from '../keys/select-device-key.js';
import { parseCollectorUrl, splitUrlList } from './collector-url.js';
import type { ManagedSettings, ManagedSettingsReader } from './managed/types.js';

/** The headless agent's configuration, resolved once at start-up. */
export interface AgentConfig {
  collectorUrl: string;
  /**
   * Earlier URLs of this same collector (origins): an enrollment made under one of them moves
   * to `collectorUrl` instead of being dropped (link/enrollment-plan.ts). Absent: none.
   */
  previousCollectorUrls?: string[];
  enrollmentKey: string | null;
  dataDir: string;
  /** Pin the loopback door to one port; null tries 53100–53107. */
  loopbackPort: number | null;
  /** Replace collected identifiers with this JSON file's (simulation, tests). */
  identityFile: string | null;
  once: boolean;
  logLevel: string;
  /**
   * True when the collector URL came from the `--collector` flag and `--re-enroll` was not
   * given: an enrollment with another collector is then left as it is and the run refused
   * (link/enrolled-elsewhere.ts), since a flag is typed for one run. Absent: false (managed
   * settings, variables, the config file and the tray app re-enroll as before).
   */
  keepOtherEnrollment?: boolean;
  /** Whether a new enrollment may use a Secure Enclave or TPM key (default auto). */
  hardwareKey?: HardwareKeyPreference;
  /** Keys whose value came from managed settings: the user cannot change them. */
  managedKeys: string[];
  managed: ManagedSettings;
}

export class AgentConfigError extends Error {
  constructor(
    readonly key: string,
    problem: string,
    /** The value came from the command line: a bad argument (exit 2, for doctor too), not a stored setting. */
    readonly fromCommandLine = false,
  ) {
    super(`${key}: ${problem}`);
    this.name = 'AgentConfigError';
  }
}

/**
 * No layer names a collector: the agent is not set up on this device yet. It cannot start, but
 * doctor reports it as a state, with what to do, not as a refused setting.
 */
export class NoCollectorUrlError extends AgentConfigError {
  constructor() {
    super('collectorUrl', 'no collector URL (use --collector URL or managed settings)');
  }
}

/** Per-OS default data dir, owner-only (created 0700 by the key store). */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  switch (platform) {
    case 'win32':
      return path.join(env.ProgramData ?? 'C:\\ProgramData', 'DevTrust', 'Agent');
    case 'darwin':
      return path.join(homedir(), 'Library', 'Application Support', 'DevTrust');
    default:
      return env.XDG_STATE_HOME ? path.join(env.XDG_STATE_HOME, 'devtrust') : path.join(homedir(), '.local', 'state', 'devtrust');
  }
}

/** The headless agent's flags (devtrust-agent --help, docs/agent.md). */
export const AGENT_FLAGS = {
  collector: { type: 'string' },
  'previous-collector-url': { type: 'string', multiple: true },
  'enrollment-key': { type: 'string' },
  'enrollment-key-file': { type: 'string' },
  'data-dir': { type: 'string' },
  'loopback-port': { type: 'string' },
  identity: { type: 'string' },
  config: { type: 'string' },
  'log-level': { type: 'string' },
  'hardware-key': { type: 'string' },
  once: { type: 'boolean' },
  're-enroll': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const satisfies FlagSpecs;

interface Flags {
  collectorUrl?: string;
  previousCollectorUrls?: string[];
  enrollmentKey?: string;
  enrollmentKeyFile?: string;
  dataDir?: string;
  loopbackPort?: string;
  identityFile?: string;
  configFile?: string;
  logLevel?: string;
  hardwareKey?: string;
  once?: boolean;
  reEnroll?: boolean;
  help?: boolean;
  version?: boolean;
}

/** Parses the flags; an unknown flag or a missing value throws CommandLineError (one line). */
export function parseFlags(argv: string[], specs: FlagSpecs = AGENT_FLAGS): Flags {
  const { values, lists } = parseCommandLine(argv, specs);
  const text = (name: string): string | undefined => {
    const value = values[name];
    if (value === '') throw new CommandLineError(`--${name} needs a value`, `--${name}`);
    return typeof value === 'string' ? value : undefined;
  };
  const list = (name: string): string[] | undefined => {
    if (lists[name]?.includes('')) throw new CommandLineError(`--${name} needs a value`, `--${name}`);
    return lists[name];
  };
  const flags: Flags = {
    collectorUrl: text('collector'),
    previousCollectorUrls: list('previous-collector-url'),
    enrollmentKey: text('enrollment-key'),
    enrollmentKeyFile: text('enrollment-key-file'),
    dataDir: text('data-dir'),
    loopbackPort: text('loopback-port'),
    identityFile: text('identity'),
    configFile: text('config'),
    logLevel: text('log-level'),
    hardwareKey: text('hardware-key'),
    once: values.once === true,
    reEnroll: values['re-enroll'] === true,
    help: values.help === true,
    version: values.version === true,
  };
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined && v !== false)) as Flags;
}

/**
 * Reads an enrollment key from a file (--enrollment-key-file, DEVTRUST_AGENT_ENROLLMENT_KEY_FILE):
 * unlike a flag, a file is not visible to other local users in `ps`.
 */
async function readKeyFile(source: string, file: string, warnings: string[]): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new AgentConfigError(source, `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const key = text.trim();
  if (key === '') throw new AgentConfigError(source, `${file} is empty`);
  if ([...key].some((c) => c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f))
    throw new AgentConfigError(source, `${file} must hold the key alone, on one line`);
  if (process.platform !== 'win32' && ((await stat(file)).mode & 0o077) !== 0)
    warnings.push(`${source}: ${file} is readable by other users; chmod 600 it`);
  return key;
}

/** One layer's enrollment key: the key itself or a file holding it, never both. */
async function enrollmentKeyLayer(
  layer: { key: string | undefined; file: string | undefined; keyName: string; fileName: string },
  warnings: string[],
): Promise<string | undefined> {
  if (layer.key !== undefined && layer.file !== undefined)
    throw new AgentConfigError(layer.fileName, `give either ${layer.keyName} or ${layer.fileName}, not both`);
  if (layer.file !== undefined) return readKeyFile(layer.fileName, layer.file, warnings);
  return layer.key;
}

/** A collector URL setting checked once, its problem named after the layer it came from. */
function checkedUrl<T>(key: string, value: string, check: (value: string) => T): T {
  try {
    return check(value);
  } catch (error) {
    if (error instanceof CollectorUrlError) throw new AgentConfigError(key, error.message, key.startsWith('--'));
    throw error;
  }
}

/**
 * previousCollectorUrls: the layer that wins gives the whole list (a managed list is not
 * extended by the user's). Each entry is the collector's address alone; the origins returned
 * are what enrollments are compared in. Declaring an earlier URL hands this device's identity
 * to the configured collector, so it is only read from a layer at least as strong as the one
 * that set the collector URL: with a managed collectorUrl, only managed settings say it,
 * and managed settings say it only beside a managed collectorUrl.
 */
function previousUrls(
  managed: ManagedSettings,
  flags: Flags,
  env: NodeJS.ProcessEnv,
  file: { values: Record<string, unknown>; name: string | undefined },
  warnings: string[],
): string[] {
  const envValue = env.DEVTRUST_AGENT_PREVIOUS_COLLECTOR_URLS;
  const fileValue = file.values.previousCollectorUrls;
  const userLayer = flags.previousCollectorUrls
    ? { key: '--previous-collector-url', urls: flags.previousCollectorUrls as unknown }
    : envValue
      ? { key: 'DEVTRUST_AGENT_PREVIOUS_COLLECTOR_URLS', urls: splitUrlList(envValue) as unknown }
      : fileValue !== undefined
        ? { key: `previousCollectorUrls in ${file.name}`, urls: fileValue }
        : null;
  let layer = managed.previousCollectorUrls
    ? { key: 'managed previousCollectorUrls', urls: managed.previousCollectorUrls as unknown }
    : userLayer;
  if (layer === userLayer && userLayer !== null && managed.collectorUrl) {
    warnings.push(`${userLayer.key} ignored: the collector URL is a managed setting, so only managed settings can name its earlier URLs`);
    layer = null;
  }
  // The other way round too: a managed list would move the enrollment to whatever collector
  // the user's settings name (a config file, a variable), one the MDM never chose.
  if (layer !== null && layer !== userLayer && !managed.collectorUrl) {
    warnings.push(
      `${layer.key} ignored: the collector URL is not a managed setting, so the enrollment would move to a collector the managed settings did not choose`,
    );
    layer = null;
  }
  if (layer === null) return [];
  const { key, urls } = layer;
  if (!Array.isArray(urls) || urls.some((url) => typeof url !== 'string'))
    throw new AgentConfigError(key, 'must be a list of URLs', key.startsWith('--'));
  const origins: string[] = [];
  for (const url of urls as string[]) {
    try {
      origins.push(checkedUrl(key, url, earlierCollectorAddress));
    } catch (error) {
      // A user's entry stops the agent, whoever typed it is there to see it. A managed one is
      // dropped: one mistyped line of a policy would otherwise stop every agent of the fleet
      // (no report, no sign-in), when all it costs is that an agent enrolled under that URL
      // enrolls again, as with no list (the warning is in the log and in doctor).
      if (layer === userLayer || !(error instanceof AgentConfigError)) throw error;
      warnings.push(`${error.message}; entry ignored`);
    }
  }
  return [...new Set(origins)];
}

/**
 * Layers, later wins: defaults < config file < DEVTRUST_AGENT_* environment < flags <
 * managed settings. Managed settings (MDM) always win: a user cannot override them.
 */
export async function loadAgentConfig(options: {
  argv: string[];
  env?: NodeJS.ProcessEnv;
  managedReader?: ManagedSettingsReader;
}): Promise<AgentConfig & { help: boolean; version: boolean; warnings: string[] }> {
  const env = options.env ?? process.env;
  const flags = parseFlags(options.argv);
  const warnings: string[] = [];
  const configFile = flags.configFile ?? env.DEVTRUST_AGENT_CONFIG;
  let file: Record<string, unknown> = {};
  if (configFile) {
    try {
      file = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new AgentConfigError('--config', `cannot read ${configFile}: ${(error as Error).message}`, flags.configFile !== undefined);
    }
  }
  const managedResult = options.managedReader ? await options.managedReader() : { settings: {}, source: null };
  if ('problem' in managedResult && managedResult.problem) warnings.push(`managed settings: ${managedResult.problem}`);
  const managed: ManagedSettings = managedResult.settings;

  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

  const collectorRaw = managed.collectorUrl ?? flags.collectorUrl ?? str(env.DEVTRUST_AGENT_COLLECTOR_URL) ?? str(file.collectorUrl);
  // A refused value names the layer it came from (a flag is a bad argument: exit 2), the config file by its name.
  const layerKey = (flag: string | undefined, flagName: string, envValue: string | undefined, envName: string, fileKey: string): string =>
    flag !== undefined ? flagName : envValue ? envName : `${fileKey} in ${configFile}`;
  const collectorKey = managed.collectorUrl
    ? 'managed collectorUrl'
    : layerKey(flags.collectorUrl, '--collector', str(env.DEVTRUST_AGENT_COLLECTOR_URL), 'DEVTRUST_AGENT_COLLECTOR_URL', 'collectorUrl');
  // Only the layer that wins is read, so a key file is not opened when managed settings hold the key.
  const enrollmentKey =
    managed.enrollmentKey ??
    (await enrollmentKeyLayer(
      { key: flags.enrollmentKey, file: flags.enrollmentKeyFile, keyName: '--enrollment-key', fileName: '--enrollment-key-file' },
      warnings,
    )) ??
    (await enrollmentKeyLayer(
      {
        key: str(env.DEVTRUST_AGENT_ENROLLMENT_KEY),
        file: str(env.DEVTRUST_AGENT_ENROLLMENT_KEY_FILE),
        keyName: 'DEVTRUST_AGENT_ENROLLMENT_KEY',
        fileName: 'DEVTRUST_AGENT_ENROLLMENT_KEY_FILE',
      },
      warnings,
    )) ??
    str(file.enrollmentKey);
  if (!collectorRaw && !flags.help && !flags.version) throw new NoCollectorUrlError();
  const portRaw =
    flags.loopbackPort ??
    str(env.DEVTRUST_AGENT_LOOPBACK_PORT) ??
    (typeof file.loopbackPort === 'number' ? String(file.loopbackPort) : str(file.loopbackPort));
  let loopbackPort: number | null = null;
  if (portRaw !== undefined) {
    if (!/^\d+$/.test(portRaw) || Number(portRaw) > 65535)
      throw new AgentConfigError(
        layerKey(
          flags.loopbackPort,
          '--loopback-port',
          str(env.DEVTRUST_AGENT_LOOPBACK_PORT),
          'DEVTRUST_AGENT_LOOPBACK_PORT',
          'loopbackPort',
        ),
        `"${portRaw}" is not a port number`,
      );
    loopbackPort = Number(portRaw);
  }
  let collectorUrl = '';
  if (collectorRaw) {
    const parsed = checkedUrl(collectorKey, collectorRaw, parseCollectorUrl);
    collectorUrl = parsed.url;
    if (parsed.dropped) warnings.push(`${collectorKey}: ${parsed.dropped}`);
  }
  const previousCollectorUrls = previousUrls(managed, flags, env, { values: file, name: configFile }, warnings);
  const hardwareKey = flags.hardwareKey ?? str(env.DEVTRUST_AGENT_HARDWARE_KEY) ?? str(file.hardwareKey) ?? 'auto';
  if (!(HARDWARE_KEY_PREFERENCES as readonly string[]).includes(hardwareKey))
    throw new AgentConfigError(
      layerKey(flags.hardwareKey, '--hardware-key', str(env.DEVTRUST_AGENT_HARDWARE_KEY), 'DEVTRUST_AGENT_HARDWARE_KEY', 'hardwareKey'),
      `"${hardwareKey}" is not one of ${HARDWARE_KEY_PREFERENCES.join(', ')}`,
    );
  return {
    collectorUrl,
    previousCollectorUrls,
    enrollmentKey: enrollmentKey ?? null,
    dataDir: path.resolve(flags.dataDir ?? str(env.DEVTRUST_AGENT_DATA_DIR) ?? str(file.dataDir) ?? defaultDataDir()),
    loopbackPort,
    identityFile: flags.identityFile ?? str(env.DEVTRUST_AGENT_IDENTITY) ?? null,
    once: flags.once ?? false,
    logLevel: flags.logLevel ?? str(env.DEVTRUST_AGENT_LOG_LEVEL) ?? 'info',
    keepOtherEnrollment: !managed.collectorUrl && flags.collectorUrl !== undefined && !flags.reEnroll,
    hardwareKey: hardwareKey as HardwareKeyPreference,
    managedKeys: Object.keys(managed),
    managed,
    help: flags.help ?? false,
    version: flags.version ?? false,
    warnings,
  };
}
