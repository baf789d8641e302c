/** The example application's settings, from the environment. */
export interface ProtectedAppConfig {
  /** DevTrust's issuer URL, e.g. https://devtrust.example.com (its public URL). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  port: number;
  /** Where browsers reach this app; its redirect URI is APP_URL + "/callback". */
  appUrl: string;
  /** Signs this user in without asking (stands in for the app's own login); null asks. */
  demoUser: string | null;
  /**
   * Send the request as a request object signed with the client secret (JAR, HS256), so the
   * browser cannot change login_hint on the way to DevTrust. Default true.
   */
  signedRequest?: boolean;
}

export class ConfigError extends Error {}

function required(env: Record<string, string | undefined>, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is required (see examples/protected-app/README.md)`);
  return value;
}

function parseFlag(name: string, value: string | undefined, fallback: boolean): boolean {
  const text = value?.trim().toLowerCase() ?? '';
  if (text === '') return fallback;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new ConfigError(`${name}: "${value}" is not true or false`);
}

export function loadConfig(env: Record<string, string | undefined> = process.env): ProtectedAppConfig {
  const issuer = required(env, 'ISSUER').replace(/\/+$/, '');
  try {
    new URL(issuer);
  } catch {
    throw new ConfigError(`ISSUER: "${issuer}" is not a URL`);
  }
  const portText = env.PORT?.trim() || '3000';
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw new ConfigError(`PORT: "${portText}" is not a port number`);
  const port = Number(portText);
  return {
    issuer,
    clientId: required(env, 'CLIENT_ID'),
    clientSecret: required(env, 'CLIENT_SECRET'),
    port,
    appUrl: (env.APP_URL?.trim() || `http://127.0.0.1:${port}`).replace(/\/+$/, ''),
    demoUser: env.DEMO_USER?.trim() || null,
    signedRequest: parseFlag('SIGNED_REQUEST', env.SIGNED_REQUEST, true),
  };
}
