/**
 * Every vendor kind, configured against one loopback URL with credentials built from a
 * seed, so one test can run the same checks over all of them. `bodySecret` values travel
 * in form bodies or HTTP Basic (any Unicode); `headerSecret` values travel as header
 * values, which only carry Latin-1.
 */
export interface KindCase {
  label: string;
  kind: string;
  platforms: string[];
  config(url: string, secret: (field: string) => string): Record<string, unknown>;
  /** Fields holding credentials, and whether each travels in a header (Latin-1 only). */
  secretFields: Record<string, 'header' | 'body'>;
  /** Fields naming a host the credentials go to. */
  hostFields: string[];
  /** The user part of HTTP Basic, when the secret travels as `user:secret`. */
  basicUser?: (config: Record<string, unknown>) => { user: string; field: string };
}

export const KIND_CASES: KindCase[] = [
  {
    label: 'jamf-pro',
    kind: 'jamf-pro',
    platforms: ['macos'],
    config: (url, s) => ({ baseUrl: url, clientId: 'jamf-client', clientSecret: s('clientSecret') }),
    secretFields: { clientSecret: 'body' },
    hostFields: ['baseUrl'],
  },
  {
    label: 'kandji',
    kind: 'kandji',
    platforms: ['macos'],
    config: (url, s) => ({ baseUrl: url, apiToken: s('apiToken') }),
    secretFields: { apiToken: 'header' },
    hostFields: ['baseUrl'],
  },
  {
    label: 'mobileiron-core',
    kind: 'mobileiron-core',
    platforms: ['windows'],
    config: (url, s) => ({ baseUrl: url, username: 'api-admin', password: s('password'), spaceId: 1 }),
    secretFields: { password: 'body' },
    hostFields: ['baseUrl'],
    basicUser: () => ({ user: 'api-admin', field: 'password' }),
  },
  {
    label: 'workspace-one (basic)',
    kind: 'workspace-one',
    platforms: ['windows'],
    config: (url, s) => ({ baseUrl: url, tenantCode: s('tenantCode'), username: 'api-admin', password: s('password') }),
    secretFields: { tenantCode: 'header', password: 'body' },
    hostFields: ['baseUrl'],
    basicUser: () => ({ user: 'api-admin', field: 'password' }),
  },
  {
    label: 'workspace-one (oauth)',
    kind: 'workspace-one',
    platforms: ['windows'],
    config: (url, s) => ({
      baseUrl: url,
      tenantCode: s('tenantCode'),
      clientId: 'ws1-client',
      clientSecret: s('clientSecret'),
      tokenUrl: `${url}/connect/token`,
    }),
    secretFields: { tenantCode: 'header', clientSecret: 'body' },
    hostFields: ['baseUrl', 'tokenUrl'],
  },
  {
    label: 'intune',
    kind: 'intune',
    platforms: ['windows'],
    config: (url, s) => ({
      tenantId: 'contoso.onmicrosoft.com',
      clientId: 'intune-app',
      clientSecret: s('clientSecret'),
      loginUrl: url,
      graphUrl: url,
    }),
    secretFields: { clientSecret: 'body' },
    hostFields: ['loginUrl', 'graphUrl'],
  },
  {
    label: 'crowdstrike',
    kind: 'crowdstrike',
    platforms: ['windows'],
    config: (url, s) => ({ baseUrl: url, clientId: 'cs-client', clientSecret: s('clientSecret') }),
    secretFields: { clientSecret: 'body' },
    hostFields: ['baseUrl'],
  },
  {
    label: 'sentinelone',
    kind: 'sentinelone',
    platforms: ['windows'],
    config: (url, s) => ({ baseUrl: url, apiToken: s('apiToken') }),
    secretFields: { apiToken: 'header' },
    hostFields: ['baseUrl'],
  },
  {
    label: 'cisco-secure-endpoint',
    kind: 'cisco-secure-endpoint',
    platforms: ['windows'],
    config: (url, s) => ({ baseUrl: url, clientId: 'cisco-client', apiKey: s('apiKey') }),
    secretFields: { apiKey: 'body' },
    hostFields: ['baseUrl'],
    basicUser: () => ({ user: 'cisco-client', field: 'apiKey' }),
  },
];

/**
 * A credential with the characters that escaped the old scrubbing: quotes and backslashes
 * (JSON-escaped in an echo), percent signs, plus and slash (URL-encoding), non-ASCII
 * (escaped as \uXXXX by many JSON encoders). Header-borne ones stay within Latin-1.
 */
export function trickySecret(seed: string, travel: 'header' | 'body'): string {
  return travel === 'header' ? `h"d\\r%41+/é=&x y-${seed}` : `s"c\\r%2F+/é=&x y🔑ü-${seed}`;
}

/** The forms a leaked credential would take in an answer, a database row or a log line. */
export function leakForms(secret: string, basic?: { user: string }): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const ascii = json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const forms = [
    secret,
    json,
    ascii,
    encodeURIComponent(secret),
    new URLSearchParams({ v: secret }).toString().slice(2),
    Buffer.from(secret, 'utf8').toString('base64'),
  ];
  if (basic) forms.push(Buffer.from(`${basic.user}:${secret}`, 'utf8').toString('base64'));
  return forms;
}
