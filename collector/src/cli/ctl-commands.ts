/** devtrustctl's commands: each maps flags to one admin API call (see SPEC "Admin REST API"). */
export interface CtlRequest {
  method: string;
  path: string;
  body?: unknown;
  contentType?: string;
  /** How to print a successful answer: a table of rows under this key, or the JSON. */
  table?: { key: string; columns: string[] };
}

export type Args = { positional: string[]; flags: Record<string, string | true> };

export class UsageError extends Error {}

const need = (args: Args, index: number, what: string): string => {
  const value = args.positional[index];
  if (value === undefined) throw new UsageError(`missing ${what}`);
  return encodeURIComponent(value);
};
const flag = (args: Args, name: string): string | undefined => {
  const value = args.flags[name];
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return value;
};
const required = (args: Args, name: string): string => {
  const value = flag(args, name);
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
};
const list = (value: string | undefined): string[] | undefined =>
  value
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
const query = (pairs: Record<string, string | undefined>): string => {
  const params = new URLSearchParams(Object.entries(pairs).filter((e): e is [string, string] => e[1] !== undefined));
  return params.size > 0 ? `?${params}` : '';
};
function json(value: string, name: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new UsageError(`--${name} must be JSON`);
  }
}

export const USAGE = `devtrustctl — administer a DevTrust collector

  devtrustctl [--url URL] [--api-key KEY] [--json] COMMAND
  (or DEVTRUST_URL, DEVTRUST_API_KEY; default URL http://127.0.0.1:8700)

  endpoints [--trusted true|false] [--q TEXT]     endpoint show|block|unblock|forget ID
  integrations                                    integration show|test|syncs ID
  integration create --kind K --name N --platforms windows,macos --config JSON
  integration activate ID --mode disabled|test-groups|all-users [--groups a,b]
  integration sync ID                             integration upload ID FILE.csv
  integration find ID IDENTIFIER                  integration delete ID
  apps                                            app create --name N --redirect-uris U1,U2 [--policy JSON]
  policy                                          policy set JSON
  users                                           user set NAME --groups a,b
  groups                                          log [--user U] [--verdict V] [--since DATE]
  findings                                        keys | key create --name N --role R | key revoke ID
  enrollment-key rotate                           health
`;

/** Turns parsed arguments into the API call; `readFile` reads upload files. */
export async function toRequest(args: Args, readFile: (file: string) => Promise<string>): Promise<CtlRequest> {
  const [noun, verb] = args.positional;
  const sub = { ...args, positional: args.positional.slice(2) };
  switch (`${noun} ${verb ?? ''}`.trim()) {
    case 'health':
      return { method: 'GET', path: '/healthz' };
    case 'endpoints':
      return {
        method: 'GET',
        path: `/admin/v1/endpoints${query({ trusted: flag(args, 'trusted'), q: flag(args, 'q') })}`,
        table: { key: 'endpoints', columns: ['id', 'hostname', 'platform', 'trusted', 'blocked', 'connected', 'lastUser'] },
      };
    case 'endpoint show':
      return { method: 'GET', path: `/admin/v1/endpoints/${need(sub, 0, 'endpoint id')}` };
    case 'endpoint block':
      return { method: 'POST', path: `/admin/v1/endpoints/${need(sub, 0, 'endpoint id')}/block` };
    case 'endpoint unblock':
      return { method: 'DELETE', path: `/admin/v1/endpoints/${need(sub, 0, 'endpoint id')}/block` };
    case 'endpoint forget':
      return { method: 'DELETE', path: `/admin/v1/endpoints/${need(sub, 0, 'endpoint id')}` };
    case 'integrations':
      return {
        method: 'GET',
        path: '/admin/v1/integrations',
        table: { key: 'integrations', columns: ['id', 'kind', 'name', 'devices', 'syncedAt'] },
      };
    case 'integration show':
      return { method: 'GET', path: `/admin/v1/integrations/${need(sub, 0, 'integration id')}` };
    case 'integration create':
      return {
        method: 'POST',
        path: '/admin/v1/integrations',
        body: {
          kind: required(args, 'kind'),
          name: required(args, 'name'),
          platforms: list(required(args, 'platforms')),
          config: json(flag(args, 'config') ?? '{}', 'config'),
        },
      };
    case 'integration activate': {
      const mode = required(args, 'mode');
      const groups = list(flag(args, 'groups'));
      return {
        method: 'PUT',
        path: `/admin/v1/integrations/${need(sub, 0, 'integration id')}/activation`,
        body: groups ? { mode, groups } : { mode },
      };
    }
    case 'integration test':
      return { method: 'POST', path: `/admin/v1/integrations/${need(sub, 0, 'integration id')}/test` };
    case 'integration sync':
      return { method: 'POST', path: `/admin/v1/integrations/${need(sub, 0, 'integration id')}/sync` };
    // Stops the integration's running sync; the last good inventory stays.
    case 'integration cancel':
      return { method: 'POST', path: `/admin/v1/integrations/${need(sub, 0, 'integration id')}/sync/cancel` };
    case 'integration syncs':
      return {
        method: 'GET',
        path: `/admin/v1/integrations/${need(sub, 0, 'integration id')}/syncs`,
        table: { key: 'syncs', columns: ['id', 'status', 'trigger', 'pages', 'devices', 'error'] },
      };
    case 'integration upload': {
      const file = sub.positional[1];
      if (!file) throw new UsageError('missing CSV file');
      return {
        method: 'PUT',
        path: `/admin/v1/integrations/${need(sub, 0, 'integration id')}/inventory`,
        body: await readFile(file),
        contentType: 'text/csv',
      };
    }
    case 'integration find':
      return { method: 'GET', path: `/admin/v1/integrations/${need(sub, 0, 'integration id')}/identifiers/${need(sub, 1, 'identifier')}` };
    case 'integration delete':
      return { method: 'DELETE', path: `/admin/v1/integrations/${need(sub, 0, 'integration id')}` };
    case 'apps':
      return { method: 'GET', path: '/admin/v1/applications', table: { key: 'applications', columns: ['id', 'name', 'clientId'] } };
    case 'app create': {
      const policy = flag(args, 'policy');
      return {
        method: 'POST',
        path: '/admin/v1/applications',
        body: {
          name: required(args, 'name'),
          redirectUris: list(required(args, 'redirect-uris')),
          ...(policy ? { policy: json(policy, 'policy') } : {}),
        },
      };
    }
    case 'policy':
      return { method: 'GET', path: '/admin/v1/policy' };
    case 'policy set': {
      const text = sub.positional[0];
      if (text === undefined) throw new UsageError('missing policy JSON');
      return { method: 'PUT', path: '/admin/v1/policy', body: json(text, 'policy') };
    }
    case 'users':
      return { method: 'GET', path: '/admin/v1/users', table: { key: 'users', columns: ['username', 'groups'] } };
    case 'user set':
      return { method: 'PUT', path: `/admin/v1/users/${need(sub, 0, 'username')}`, body: { groups: list(required(args, 'groups')) ?? [] } };
    case 'groups':
      return { method: 'GET', path: '/admin/v1/groups', table: { key: 'groups', columns: ['name', 'members'] } };
    case 'log':
      return {
        method: 'GET',
        path: `/admin/v1/auth-log${query({ user: flag(args, 'user'), verdict: flag(args, 'verdict'), since: flag(args, 'since') })}`,
        table: { key: 'entries', columns: ['at', 'username', 'applicationName', 'verdict', 'access', 'reasons'] },
      };
    case 'findings':
      return { method: 'GET', path: '/admin/v1/findings', table: { key: 'findings', columns: ['severity', 'type', 'message'] } };
    case 'keys':
      return { method: 'GET', path: '/admin/v1/api-keys', table: { key: 'apiKeys', columns: ['id', 'name', 'role', 'revokedAt'] } };
    case 'key create':
      return { method: 'POST', path: '/admin/v1/api-keys', body: { name: required(args, 'name'), role: required(args, 'role') } };
    case 'key revoke':
      return { method: 'DELETE', path: `/admin/v1/api-keys/${need(sub, 0, 'key id')}` };
    case 'enrollment-key rotate':
      return { method: 'POST', path: '/admin/v1/enrollment-key' };
    default:
      throw new UsageError(`unknown command "${args.positional.join(' ')}"`);
  }
}
