import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ManagedSettings, ManagedSettingsReader } from './managed/types.js';

/** The headless agent's configuration, resolved once at start-up. */
export interface AgentConfig {
  collectorUrl: string;
  enrollmentKey: string | null;
  dataDir: string;
  /** Pin the loopback door to one port; null tries 53100–53107. */
  loopbackPort: number | null;
  /** Replace collected identifiers with this JSON file's (simulation, tests). */
  identityFile: string | null;
  once: boolean;
  logLevel: string;
  /** Keys whose value came from managed settings: the user cannot change them. */
  managedKeys: string[];
  managed: ManagedSettings;
}

export class AgentConfigError extends Error {
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(`${key}: ${problem}`);
    this.name = 'AgentConfigError';
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

const FLAG_KEYS: Record<string, keyof Flags> = {
  '--collector': 'collectorUrl',
  '--enrollment-key': 'enrollmentKey',
  '--data-dir': 'dataDir',
  '--loopback-port': 'loopbackPort',
  '--identity': 'identityFile',
  '--config': 'configFile',
  '--log-level': 'logLevel',
};
interface Flags {
  collectorUrl?: string;
  enrollmentKey?: string;
  dataDir?: string;
  loopbackPort?: string;
  identityFile?: string;
  configFile?: string;
  logLevel?: string;
  once?: boolean;
  help?: boolean;
}

export function parseFlags(argv: string[]): Flags {
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--once') flags.once = true;
    else if (arg === '--help' || arg === '-h') flags.help = true;
    else {
      const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
      const key = FLAG_KEYS[name];
      if (!key) throw new AgentConfigError(arg, 'unknown flag (see --help)');
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') throw new AgentConfigError(name, 'needs a value');
      (flags as Record<string, unknown>)[key] = value;
    }
  }
  return flags;
}

function validUrl(key: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AgentConfigError(key, `"${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AgentConfigError(key, 'must be an http(s) URL');
  return value.replace(/\/+$/, '');
}

/**
 * Layers, later wins: defaults < config file < DEVTRUST_AGENT_* environment < flags <
 * managed settings. Managed settings (MDM) always win: a user cannot override them.
 */
export async function loadAgentConfig(options: {
  argv: string[];
  env?: NodeJS.ProcessEnv;
  managedReader?: ManagedSettingsReader;
}): Promise<AgentConfig & { help: boolean; warnings: string[] }> {
  const env = options.env ?? process.env;
  const flags = parseFlags(options.argv);
  const warnings: string[] = [];
  const configFile = flags.configFile ?? env.DEVTRUST_AGENT_CONFIG;
  let file: Record<string, unknown> = {};
  if (configFile) {
    try {
      file = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new AgentConfigError('--config', `cannot read ${configFile}: ${(error as Error).message}`);
    }
  }
  const managedResult = options.managedReader ? await options.managedReader() : { settings: {}, source: null };
  if ('problem' in managedResult && managedResult.problem) warnings.push(`managed settings: ${managedResult.problem}`);
  const managed: ManagedSettings = managedResult.settings;

  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const pick = (key: 'collectorUrl' | 'enrollmentKey', envName: string): string | undefined =>
    managed[key] ?? (flags[key] as string | undefined) ?? str(env[envName]) ?? str(file[key]);

  const collectorRaw = pick('collectorUrl', 'DEVTRUST_AGENT_COLLECTOR_URL');
  if (!collectorRaw && !flags.help)
    throw new AgentConfigError('collectorUrl', 'no collector URL (use --collector URL or managed settings)');
  const portRaw =
    flags.loopbackPort ??
    str(env.DEVTRUST_AGENT_LOOPBACK_PORT) ??
    (typeof file.loopbackPort === 'number' ? String(file.loopbackPort) : str(file.loopbackPort));
  let loopbackPort: number | null = null;
  if (portRaw !== undefined) {
    if (!/^\d+$/.test(portRaw) || Number(portRaw) > 65535)
      throw new AgentConfigError('--loopback-port', `"${portRaw}" is not a port number`);
    loopbackPort = Number(portRaw);
  }
  return {
    collectorUrl: collectorRaw ? validUrl(managed.collectorUrl ? 'managed collectorUrl' : 'collectorUrl', collectorRaw) : '',
    enrollmentKey: pick('enrollmentKey', 'DEVTRUST_AGENT_ENROLLMENT_KEY') ?? null,
    dataDir: path.resolve(flags.dataDir ?? str(env.DEVTRUST_AGENT_DATA_DIR) ?? str(file.dataDir) ?? defaultDataDir()),
    loopbackPort,
    identityFile: flags.identityFile ?? str(env.DEVTRUST_AGENT_IDENTITY) ?? null,
    once: flags.once ?? false,
    logLevel: flags.logLevel ?? str(env.DEVTRUST_AGENT_LOG_LEVEL) ?? 'info',
    managedKeys: Object.keys(managed),
    managed,
    help: flags.help ?? false,
    warnings,
  };
}
