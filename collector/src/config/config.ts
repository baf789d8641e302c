import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hasQueryOrFragment, hasUserInfo, withoutSecrets } from '@devtrust/shared/protocol/url-secrets';
import { ConfigError } from '../errors.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The collector's configuration, parsed and validated once at start-up. */
export interface CollectorConfig {
  host: string;
  port: number;
  /** Where agents, browsers and applications reach this collector; no trailing slash. */
  publicUrl: string;
  /**
   * Whether DEVTRUST_PUBLIC_URL named it. When it did not, it is http(s)://HOST:PORT, and a
   * collector on port 0 replaces it with the port it was given.
   */
  publicUrlSet: boolean;
  dataDir: string;
  /** postgres:// URL; null selects the SQLite file under dataDir. */
  databaseUrl: string | null;
  tls: { cert: string; key: string } | null;
  /** 32-byte key for secrets at rest; null: generated into the data dir. */
  masterKey: Buffer | null;
  bootstrapToken: string | null;
  enrollmentKey: string | null;
  logLevel: LogLevel;
  /** Organisation branding on the prompt page. */
  orgName: string;
  /** Where the prompt sends users who have no agent. */
  agentDownloadUrl: string | null;
  /** Organisation logo on the prompt page. */
  orgLogoUrl: string | null;
  /** Believe X-Forwarded-Proto/-For/-Host from the reverse proxy in front (Koa `app.proxy`). */
  trustProxy: boolean;
  /** Agent enrollments allowed per client address; null: unlimited. */
  enrollmentRateLimit: { limit: number; windowMs: number } | null;
  /** Per-minute caps on unauthenticated and per-application work (null: off). */
  limits: AbuseLimits;
  /** How long the auth log, the admin log and transactions are kept, in days. */
  retention: { authLogDays: number; adminLogDays: number; transactionDays: number };
  /** Refuse authorization requests without a request object signed by the application. */
  requireSignedRequest: boolean;
  /** Seconds agents are told to wait before retrying while the database cannot store their reports. */
  agentRetrySec: number;
  /** Who may read /metrics: a bearer token, a separate listen address (host and port), both or neither. */
  metrics: { token: string | null; listen: { host: string; port: number } | null };
  /** Caps on open agent-channel sockets (null: no cap). */
  connections: ConnectionLimits;
  /** Minutes a newcomer's old key must have stayed silent before a bulk release may release it. */
  reenrollmentQuietMinutes: number;
}

/** How many agent-channel sockets may be open at once; a socket past a cap is refused at the upgrade. */
export interface ConnectionLimits {
  total: number | null;
  perAddress: number | null;
  /** Sockets that have not enrolled or authenticated yet (each is closed after LIMITS.authTimeoutMs anyway). */
  unauthenticated: number | null;
}

/** Events per minute; null turns that limit off (e.g. behind a limiter of your own). */
export interface AbuseLimits {
  /** Sign-ins started (OIDC authorization requests, prompt and API transactions) per client address. */
  signInsPerAddress: number | null;
  /** Sign-ins started per application, whoever starts them. */
  signInsPerApplication: number | null;
  /** Attestations per agent (endpoint). */
  attestationsPerEndpoint: number | null;
  /** Attestations per agent connection address. */
  attestationsPerAddress: number | null;
  /** Failed admin API authentications (unknown or revoked keys) per client address. */
  adminAuthFailuresPerAddress: number | null;
}

/**
 * Every variable with its default and a line of documentation. A config file
 * (`DEVTRUST_CONFIG_FILE`, JSON with these variable names as keys) may add to the
 * environment; the environment wins.
 */
export const CONFIG_VARIABLES = {
  DEVTRUST_HOST: { default: '127.0.0.1', doc: 'listen address' },
  DEVTRUST_PORT: { default: '8700', doc: 'listen port (0 picks a free port)' },
  DEVTRUST_PUBLIC_URL: { default: '', doc: 'URL agents, browsers and apps use; default http(s)://HOST:PORT' },
  DEVTRUST_DATA_DIR: { default: './data', doc: 'SQLite file and generated keys' },
  DEVTRUST_DATABASE_URL: { default: '', doc: 'postgres:// URL for PostgreSQL; unset: SQLite' },
  DEVTRUST_TLS_CERT: { default: '', doc: 'PEM certificate file to serve HTTPS/WSS' },
  DEVTRUST_TLS_KEY: { default: '', doc: 'PEM private key file to serve HTTPS/WSS' },
  DEVTRUST_MASTER_KEY: { default: '', doc: '32-byte key (base64 or 64 hex digits) encrypting stored vendor credentials' },
  DEVTRUST_BOOTSTRAP_TOKEN: { default: '', doc: 'the first owner API key, for automation' },
  DEVTRUST_ENROLLMENT_KEY: { default: '', doc: 'the organisation enrollment key for agents' },
  DEVTRUST_LOG_LEVEL: { default: 'info', doc: 'fatal, error, warn, info, debug, trace or silent' },
  DEVTRUST_ORG_NAME: { default: 'DevTrust', doc: 'organisation name shown on the prompt page' },
  DEVTRUST_AGENT_DOWNLOAD_URL: { default: '', doc: 'where the prompt sends users without an agent' },
  DEVTRUST_ORG_LOGO_URL: { default: '', doc: 'organisation logo (http(s) URL) shown on the prompt page' },
  DEVTRUST_LIMIT_SIGNINS_PER_ADDRESS: {
    default: '120',
    doc: 'sign-ins started per minute from one client address (OIDC authorization, prompt, transaction API); 0: off',
  },
  DEVTRUST_LIMIT_SIGNINS_PER_APPLICATION: { default: '600', doc: 'sign-ins started per minute for one application; 0: off' },
  DEVTRUST_LIMIT_ATTESTATIONS_PER_ENDPOINT: {
    default: '30',
    doc: 'attestations per minute from one agent (reports and status checks: 4 times this, at least 120); 0: off',
  },
  DEVTRUST_LIMIT_ATTESTATIONS_PER_ADDRESS: { default: '300', doc: 'attestations per minute from one agent address; 0: off' },
  DEVTRUST_LIMIT_ADMIN_AUTH_FAILURES_PER_ADDRESS: {
    default: '30',
    doc: 'failed admin API authentications per minute from one client address; past it every admin request from there is a 429 for the rest of the minute; 0: off',
  },
  DEVTRUST_MAX_AGENT_CONNECTIONS: {
    default: '100000',
    doc: 'agent-channel sockets open at once, in total; more are refused with 503; 0: no cap',
  },
  DEVTRUST_MAX_AGENT_CONNECTIONS_PER_ADDRESS: {
    default: '5000',
    doc: 'agent-channel sockets open at once from one client address (an office behind NAT shares one); 0: no cap',
  },
  DEVTRUST_MAX_UNAUTHENTICATED_SOCKETS: {
    default: '5000',
    doc: 'agent-channel sockets open at once that have not enrolled or authenticated yet (each gets 5 s; one address a quarter of them); 0: no cap',
  },
  DEVTRUST_AUTH_LOG_RETENTION_DAYS: { default: '90', doc: 'days the auth log is kept (purged hourly)' },
  DEVTRUST_ADMIN_LOG_RETENTION_DAYS: { default: '365', doc: 'days the administrator actions log is kept (purged hourly)' },
  DEVTRUST_TRANSACTION_RETENTION_DAYS: { default: '7', doc: 'days transactions are kept after they expire (purged hourly)' },
  DEVTRUST_OIDC_REQUIRE_SIGNED_REQUEST: {
    default: 'false',
    doc: 'true: every authorization request must carry a request object signed by the application (HS256, client secret)',
  },
  DEVTRUST_ENROLLMENT_RATE_LIMIT: {
    default: '60/hour',
    doc: 'agent enrollments allowed per client address, as COUNT/second|minute|hour, or off',
  },
  DEVTRUST_TRUST_PROXY: {
    default: 'false',
    doc: 'true behind one reverse proxy that terminates TLS: X-Forwarded-Proto/-Host and the last X-Forwarded-For entry are believed (cookies get Secure); only if clients cannot reach the collector except through it',
  },
  DEVTRUST_AGENT_RETRY_SEC: {
    default: '15',
    doc: 'while the database cannot store reports, agents are told to retry after this many seconds (each waits 1-2 times it)',
  },
  DEVTRUST_METRICS_TOKEN: {
    default: '',
    doc: 'bearer token Prometheus sends to read /metrics (at least 24 characters); unset: /metrics on the main port answers 404',
  },
  DEVTRUST_REENROLLMENT_QUIET_MINUTES: {
    default: '30',
    doc: 'a bulk release of re-enrolled devices lists a new endpoint only once it enrolled this many minutes ago with its old key silent since',
  },
  DEVTRUST_METRICS_LISTEN: {
    default: '',
    doc: 'HOST:PORT of a separate listener serving only /metrics (e.g. 127.0.0.1:9464), for a network only Prometheus reaches',
  },
} as const;
export type ConfigVariable = keyof typeof CONFIG_VARIABLES;

type Env = Record<string, string | undefined>;

function readConfigFile(file: string): Env {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('DEVTRUST_CONFIG_FILE', `cannot read ${file}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('DEVTRUST_CONFIG_FILE', `${file} must hold a JSON object`);
  }
  const out: Env = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in CONFIG_VARIABLES)) throw new ConfigError(key, `unknown setting in ${file}`);
    if (typeof value !== 'string' && typeof value !== 'number') throw new ConfigError(key, `must be a string in ${file}`);
    out[key] = String(value);
  }
  return out;
}

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new ConfigError('DEVTRUST_PORT', `"${value}" is not a port number (0-65535)`);
  return Number(value);
}

/**
 * What a URL-valued setting may hold besides its scheme, and why. Every refusal names the value
 * through withoutSecrets (user name, password, query and fragment hidden): the error goes to
 * the terminal, the service's journal and CI logs, and DEVTRUST_DATABASE_URL holds a password.
 */
type UrlRule = {
  protocols: string[];
  /** Why a user name or password is refused (they would be sent to others); absent: allowed (a database's password). */
  noUserInfo?: string;
  /** Why a query or fragment is refused; absent: allowed (a link may carry one). */
  noQuery?: string;
};

function parseUrl(variable: string, value: string, rule: UrlRule): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(variable, `"${withoutSecrets(value)}" is not a URL`);
  }
  if (!rule.protocols.includes(url.protocol)) throw new ConfigError(variable, `must be a ${rule.protocols.join(' or ')} URL`);
  if (rule.noUserInfo !== undefined && hasUserInfo(url))
    throw new ConfigError(variable, `must not hold a user name or password (${withoutSecrets(value)}): ${rule.noUserInfo}`);
  if (rule.noQuery !== undefined && hasQueryOrFragment(url))
    throw new ConfigError(variable, `must not hold a query or fragment (${withoutSecrets(value)}): ${rule.noQuery}`);
  return value.replace(/\/+$/, '');
}

const WEB_URL = ['http:', 'https:'];
/** Sent to every browser that shows the prompt page (a link, an image): credentials in it would be published. */
const PAGE_URL: UrlRule = {
  protocols: WEB_URL,
  noUserInfo: 'the prompt page sends every visitor to it, so they would be published; give a URL that needs none',
};

const WINDOWS: Record<string, number> = { second: 1_000, minute: 60_000, hour: 3_600_000 };

function parseRateLimit(variable: string, value: string): { limit: number; windowMs: number } | null {
  if (value.toLowerCase() === 'off') return null;
  const match = /^(\d{1,6})\s*\/\s*(second|minute|hour)$/i.exec(value);
  if (!match || Number(match[1]) < 1) throw new ConfigError(variable, `"${value}" is not COUNT/second|minute|hour (e.g. 60/hour) or off`);
  return { limit: Number(match[1]), windowMs: WINDOWS[(match[2] as string).toLowerCase()] as number };
}

function parseMasterKey(value: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) throw new ConfigError('DEVTRUST_MASTER_KEY', 'must be 32 bytes, as base64 or 64 hex digits');
  return key;
}

function parseCount(variable: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(variable, `"${value}" is not a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

function parseBoolean(variable: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(variable, `"${value}" is not true or false`);
}

function readPem(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(variable, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** Builds the configuration from the environment (and its config file); throws ConfigError. */
export function loadConfig(env: Env = process.env): CollectorConfig {
  const fileValues = env.DEVTRUST_CONFIG_FILE ? readConfigFile(env.DEVTRUST_CONFIG_FILE) : {};
  const get = (name: ConfigVariable): string => {
    const value = env[name] ?? fileValues[name];
    return value === undefined || value === '' ? CONFIG_VARIABLES[name].default : value.trim();
  };

  const host = get('DEVTRUST_HOST');
  const port = parsePort(get('DEVTRUST_PORT'));
  const certFile = get('DEVTRUST_TLS_CERT');
  const keyFile = get('DEVTRUST_TLS_KEY');
  if ((certFile === '') !== (keyFile === '')) {
    throw new ConfigError(
      certFile === '' ? 'DEVTRUST_TLS_CERT' : 'DEVTRUST_TLS_KEY',
      'TLS needs both DEVTRUST_TLS_CERT and DEVTRUST_TLS_KEY',
    );
  }
  const tls = certFile === '' ? null : { cert: readPem('DEVTRUST_TLS_CERT', certFile), key: readPem('DEVTRUST_TLS_KEY', keyFile) };
  const publicUrlRaw = get('DEVTRUST_PUBLIC_URL');
  const publicUrl =
    publicUrlRaw === ''
      ? `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`
      : parseUrl('DEVTRUST_PUBLIC_URL', publicUrlRaw, {
          protocols: WEB_URL,
          // Agents, browsers and applications are sent to this URL (installers' payloads, sign-in
          // redirects, the OIDC issuer), and the start-up banner and log print it.
          noUserInfo:
            'it is the URL agents, browsers and applications are sent to, so they would be handed out to all of them; put authentication in front of the collector instead',
          // The collector's paths are appended to it (ISSUER/oidc/…): a query would end up inside them.
          noQuery: "the collector's paths are appended to it; give the collector's URL alone",
        });
  const databaseUrlRaw = get('DEVTRUST_DATABASE_URL');
  const databaseUrl =
    databaseUrlRaw === '' ? null : parseUrl('DEVTRUST_DATABASE_URL', databaseUrlRaw, { protocols: ['postgres:', 'postgresql:'] });
  const logLevel = get('DEVTRUST_LOG_LEVEL') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('DEVTRUST_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const masterKeyRaw = get('DEVTRUST_MASTER_KEY');
  const bootstrapToken = get('DEVTRUST_BOOTSTRAP_TOKEN');
  if (bootstrapToken !== '' && bootstrapToken.length < 24) {
    throw new ConfigError('DEVTRUST_BOOTSTRAP_TOKEN', 'must be at least 24 characters');
  }
  const enrollmentKey = get('DEVTRUST_ENROLLMENT_KEY');
  if (enrollmentKey !== '' && enrollmentKey.length < 16) {
    throw new ConfigError('DEVTRUST_ENROLLMENT_KEY', 'must be at least 16 characters');
  }
  const perMinute = (name: ConfigVariable): number | null => parseCount(name, get(name), 0, 1_000_000) || null;
  const limits: AbuseLimits = {
    signInsPerAddress: perMinute('DEVTRUST_LIMIT_SIGNINS_PER_ADDRESS'),
    signInsPerApplication: perMinute('DEVTRUST_LIMIT_SIGNINS_PER_APPLICATION'),
    attestationsPerEndpoint: perMinute('DEVTRUST_LIMIT_ATTESTATIONS_PER_ENDPOINT'),
    attestationsPerAddress: perMinute('DEVTRUST_LIMIT_ATTESTATIONS_PER_ADDRESS'),
    adminAuthFailuresPerAddress: perMinute('DEVTRUST_LIMIT_ADMIN_AUTH_FAILURES_PER_ADDRESS'),
  };
  const cap = (name: ConfigVariable): number | null => parseCount(name, get(name), 0, 10_000_000) || null;
  const connections: ConnectionLimits = {
    total: cap('DEVTRUST_MAX_AGENT_CONNECTIONS'),
    perAddress: cap('DEVTRUST_MAX_AGENT_CONNECTIONS_PER_ADDRESS'),
    unauthenticated: cap('DEVTRUST_MAX_UNAUTHENTICATED_SOCKETS'),
  };
  const retention = {
    authLogDays: parseCount('DEVTRUST_AUTH_LOG_RETENTION_DAYS', get('DEVTRUST_AUTH_LOG_RETENTION_DAYS'), 1, 36_500),
    adminLogDays: parseCount('DEVTRUST_ADMIN_LOG_RETENTION_DAYS', get('DEVTRUST_ADMIN_LOG_RETENTION_DAYS'), 1, 36_500),
    transactionDays: parseCount('DEVTRUST_TRANSACTION_RETENTION_DAYS', get('DEVTRUST_TRANSACTION_RETENTION_DAYS'), 1, 36_500),
  };
  const trustProxy = get('DEVTRUST_TRUST_PROXY').toLowerCase();
  if (trustProxy !== 'true' && trustProxy !== 'false') throw new ConfigError('DEVTRUST_TRUST_PROXY', 'must be true or false');
  const metricsToken = get('DEVTRUST_METRICS_TOKEN');
  if (metricsToken !== '' && metricsToken.length < 24) throw new ConfigError('DEVTRUST_METRICS_TOKEN', 'must be at least 24 characters');
  const metricsListen = get('DEVTRUST_METRICS_LISTEN');
  const download = get('DEVTRUST_AGENT_DOWNLOAD_URL');
  const logo = get('DEVTRUST_ORG_LOGO_URL');

  return {
    host,
    port,
    publicUrl,
    publicUrlSet: publicUrlRaw !== '',
    dataDir: path.resolve(get('DEVTRUST_DATA_DIR')),
    databaseUrl,
    tls,
    masterKey: masterKeyRaw === '' ? null : parseMasterKey(masterKeyRaw),
    bootstrapToken: bootstrapToken === '' ? null : bootstrapToken,
    enrollmentKey: enrollmentKey === '' ? null : enrollmentKey,
    logLevel,
    orgName: get('DEVTRUST_ORG_NAME'),
    agentDownloadUrl: download === '' ? null : parseUrl('DEVTRUST_AGENT_DOWNLOAD_URL', download, PAGE_URL),
    orgLogoUrl: logo === '' ? null : parseUrl('DEVTRUST_ORG_LOGO_URL', logo, PAGE_URL),
    limits,
    retention,
    requireSignedRequest: parseBoolean('DEVTRUST_OIDC_REQUIRE_SIGNED_REQUEST', get('DEVTRUST_OIDC_REQUIRE_SIGNED_REQUEST')),
    enrollmentRateLimit: parseRateLimit('DEVTRUST_ENROLLMENT_RATE_LIMIT', get('DEVTRUST_ENROLLMENT_RATE_LIMIT')),
    trustProxy: trustProxy === 'true',
    agentRetrySec: parseCount('DEVTRUST_AGENT_RETRY_SEC', get('DEVTRUST_AGENT_RETRY_SEC'), 1, 3_600),
    metrics: {
      token: metricsToken === '' ? null : metricsToken,
      listen: metricsListen === '' ? null : parseHostPort('DEVTRUST_METRICS_LISTEN', metricsListen),
    },
    connections,
    reenrollmentQuietMinutes: parseCount('DEVTRUST_REENROLLMENT_QUIET_MINUTES', get('DEVTRUST_REENROLLMENT_QUIET_MINUTES'), 0, 10_080),
  };
}

/** HOST:PORT, [IPv6]:PORT; port 0 picks a free one (tests). */
function parseHostPort(name: ConfigVariable, value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65_535) throw new ConfigError(name, 'must be HOST:PORT, e.g. 127.0.0.1:9464');
  return { host: (match[1] ?? match[2]) as string, port };
}
