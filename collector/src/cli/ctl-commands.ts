/** devtrustctl's commands: each maps its arguments to one admin API call (docs/admin-api.md). */
export interface CtlRequest {
  method: string;
  path: string;
  body?: unknown;
  contentType?: string;
}

/** Positional arguments after the command words, and the command's flags (always strings). */
export interface CtlInput {
  args: string[];
  flags: Record<string, string | undefined>;
  readFile(file: string): Promise<string>;
}

export interface CtlCommand {
  /** The command words, e.g. "integration create". */
  name: string;
  /** Everything after the words, as --help shows it. */
  usage: string;
  about: string;
  /** Names of the positional arguments (a command refuses more). */
  args?: string[];
  /** The flags this command takes (without dashes). */
  flags?: string[];
  request(input: CtlInput): CtlRequest | Promise<CtlRequest>;
  /** How to print a successful answer: a table of the rows under this key (--json prints the JSON). */
  table?: { key: string; columns: string[] };
  /** A 200 answer can still say the operation failed: this names why, and devtrustctl exits 1. */
  failure?(body: Record<string, unknown>, input: CtlInput): string | null;
  /** How long to wait for the answer; vendor tests take as long as the vendor does. */
  timeoutMs?: number;
  /** The answer is a file, saved where this says (ctl-download.ts), not JSON to print. */
  download?(input: CtlInput): string;
}

/** Bad command-line input: devtrustctl prints one line and exits 2. */
export class UsageError extends Error {}

const arg = (input: CtlInput, index: number, what: string): string => {
  const value = input.args[index];
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return encodeURIComponent(value);
};
const required = (input: CtlInput, name: string): string => {
  const value = input.flags[name];
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
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
    throw new UsageError(`${name} must be JSON`);
  }
}
function object(value: string, name: string): Record<string, unknown> {
  const parsed = json(value, name);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`${name} must be a JSON object`);
  return parsed as Record<string, unknown>;
}

const endpointCommand = (verb: string, method: string, suffix: string, about: string): CtlCommand => ({
  name: `endpoint ${verb}`,
  usage: 'ID',
  about,
  args: ['ID'],
  request: (i) => ({ method, path: `/admin/v1/endpoints/${arg(i, 0, 'endpoint id')}${suffix}` }),
});
const integrationCommand = (verb: string, method: string, suffix: string, about: string): CtlCommand => ({
  name: `integration ${verb}`,
  usage: 'ID',
  about,
  args: ['ID'],
  request: (i) => ({ method, path: `/admin/v1/integrations/${arg(i, 0, 'integration id')}${suffix}` }),
});

export const COMMANDS: readonly CtlCommand[] = [
  {
    name: 'health',
    usage: '',
    about: 'check that the collector and its database answer',
    request: () => ({ method: 'GET', path: '/healthz' }),
    failure: (body) => (body.ok === true ? null : 'the collector does not report itself healthy'),
  },
  {
    name: 'endpoints',
    usage: '[--trusted true|false] [--q TEXT]',
    about: 'list endpoints (devices running the agent)',
    flags: ['trusted', 'q'],
    request: (i) => ({ method: 'GET', path: `/admin/v1/endpoints${query({ trusted: i.flags.trusted, q: i.flags.q })}` }),
    table: { key: 'endpoints', columns: ['id', 'hostname', 'platform', 'trusted', 'blocked', 'connected', 'lastUser'] },
  },
  endpointCommand('show', 'GET', '', "one endpoint's identifiers, matches and health"),
  endpointCommand('block', 'POST', '/block', 'deny every sign-in from this endpoint'),
  endpointCommand('unblock', 'DELETE', '/block', 'lift a block'),
  endpointCommand('forget', 'DELETE', '', 'delete the endpoint (its agent enrolls again)'),
  {
    name: 'integrations',
    usage: '',
    about: 'list inventory and EDR integrations',
    request: () => ({ method: 'GET', path: '/admin/v1/integrations' }),
    table: { key: 'integrations', columns: ['id', 'kind', 'name', 'devices', 'syncedAt'] },
  },
  {
    name: 'kinds',
    usage: '',
    about: 'list the integration kinds and their config fields (--json for labels, secrets, defaults)',
    request: () => ({ method: 'GET', path: '/admin/v1/kinds' }),
    table: { key: 'kinds', columns: ['kind', 'category', 'label', 'platforms', 'fields'] },
  },
  integrationCommand('show', 'GET', '', 'one integration (secrets are never shown)'),
  {
    name: 'integration create',
    usage: '--kind KIND --name NAME --platforms windows,macos[,linux] [--config JSON]',
    about: 'add an integration (devtrustctl kinds lists the kinds and their config fields)',
    flags: ['kind', 'name', 'platforms', 'config'],
    request: (i) => ({
      method: 'POST',
      path: '/admin/v1/integrations',
      body: {
        kind: required(i, 'kind'),
        name: required(i, 'name'),
        platforms: list(required(i, 'platforms')),
        config: json(i.flags.config ?? '{}', '--config'),
      },
    }),
  },
  {
    name: 'integration update',
    usage: 'ID [--name NAME] [--platforms windows,macos,linux] [--config JSON] [--secrets JSON]',
    about:
      'change an integration: --config fields replace the stored ones (null removes one), --secrets sets secret fields; what is left out stays',
    args: ['ID'],
    flags: ['name', 'platforms', 'config', 'secrets'],
    request: (i) => {
      const config = i.flags.config === undefined ? undefined : object(i.flags.config, '--config');
      const secrets = i.flags.secrets === undefined ? undefined : object(i.flags.secrets, '--secrets');
      const body = {
        ...(i.flags.name !== undefined ? { name: i.flags.name } : {}),
        ...(i.flags.platforms !== undefined ? { platforms: list(i.flags.platforms) } : {}),
        // Secret fields travel inside config, as on create; the collector keeps them sealed.
        ...(config || secrets ? { config: { ...config, ...secrets } } : {}),
      };
      if (Object.keys(body).length === 0) throw new UsageError('nothing to change: give --name, --platforms, --config or --secrets');
      return { method: 'PATCH', path: `/admin/v1/integrations/${arg(i, 0, 'integration id')}`, body };
    },
  },
  {
    name: 'integration activate',
    usage: 'ID --mode disabled|test-groups|all-users [--groups a,b]',
    about: 'choose who the integration trusts devices for',
    args: ['ID'],
    flags: ['mode', 'groups'],
    request: (i) => {
      const mode = required(i, 'mode');
      const groups = list(i.flags.groups);
      return {
        method: 'PUT',
        path: `/admin/v1/integrations/${arg(i, 0, 'integration id')}/activation`,
        body: groups ? { mode, groups } : { mode },
      };
    },
  },
  {
    ...integrationCommand('test', 'POST', '/test', 'check the vendor connection and credentials (exit 1 when the test fails)'),
    timeoutMs: 300_000,
    failure: (body) =>
      testPassed(body) ? null : `the integration test failed: ${typeof body.message === 'string' ? body.message : 'no reason given'}`,
  },
  integrationCommand('sync', 'POST', '/sync', 'start a sync now (answers the sync id at once)'),
  integrationCommand('cancel', 'POST', '/sync/cancel', 'stop the running sync; the last good inventory stays'),
  {
    ...integrationCommand('syncs', 'GET', '/syncs', 'recent syncs and their outcome'),
    table: { key: 'syncs', columns: ['id', 'status', 'trigger', 'pages', 'devices', 'error'] },
  },
  {
    name: 'integration upload',
    usage: 'ID FILE.csv',
    about: "replace a CSV integration's inventory with the file (docs/csv-format.md)",
    args: ['ID', 'FILE.csv'],
    timeoutMs: 300_000,
    request: async (i) => {
      const id = arg(i, 0, 'integration id');
      const file = i.args[1];
      if (!file) throw new UsageError('missing CSV file');
      return { method: 'PUT', path: `/admin/v1/integrations/${id}/inventory`, body: await i.readFile(file), contentType: 'text/csv' };
    },
  },
  {
    name: 'integration find',
    usage: 'ID IDENTIFIER',
    about: "look an identifier up in the integration's inventory (exit 1 when it is not there)",
    args: ['ID', 'IDENTIFIER'],
    request: (i) => ({
      method: 'GET',
      path: `/admin/v1/integrations/${arg(i, 0, 'integration id')}/identifiers/${arg(i, 1, 'identifier')}`,
    }),
    failure: (body, i) => (body.found === true ? null : `"${i.args[1]}" is not in the inventory of integration ${i.args[0]}`),
  },
  integrationCommand('delete', 'DELETE', '', 'delete the integration and its inventory'),
  {
    name: 'apps',
    usage: '',
    about: 'list protected applications',
    request: () => ({ method: 'GET', path: '/admin/v1/applications' }),
    table: { key: 'applications', columns: ['id', 'name', 'clientId'] },
  },
  {
    name: 'app create',
    usage: '--name NAME --redirect-uris URI1,URI2 [--policy JSON]',
    about: 'register an application (its client secret is shown once)',
    flags: ['name', 'redirect-uris', 'policy'],
    request: (i) => ({
      method: 'POST',
      path: '/admin/v1/applications',
      body: {
        name: required(i, 'name'),
        redirectUris: list(required(i, 'redirect-uris')),
        ...(i.flags.policy ? { policy: json(i.flags.policy, '--policy') } : {}),
      },
    }),
  },
  { name: 'policy', usage: '', about: 'show the global policy', request: () => ({ method: 'GET', path: '/admin/v1/policy' }) },
  {
    name: 'policy set',
    usage: 'JSON',
    about: 'replace the global policy',
    args: ['JSON'],
    request: (i) => {
      const text = i.args[0];
      if (text === undefined) throw new UsageError('missing policy JSON');
      return { method: 'PUT', path: '/admin/v1/policy', body: json(text, 'the policy') };
    },
  },
  {
    name: 'users',
    usage: '',
    about: 'list users and their groups',
    request: () => ({ method: 'GET', path: '/admin/v1/users' }),
    table: { key: 'users', columns: ['username', 'groups'] },
  },
  {
    name: 'user set',
    usage: 'USERNAME --groups a,b',
    about: "set a user's groups (test groups for integrations)",
    args: ['USERNAME'],
    flags: ['groups'],
    request: (i) => {
      // `--groups=` (empty) is allowed: it takes the user out of every group.
      if (i.flags.groups === undefined) throw new UsageError('--groups is required (--groups= removes every group)');
      return { method: 'PUT', path: `/admin/v1/users/${arg(i, 0, 'username')}`, body: { groups: list(i.flags.groups) ?? [] } };
    },
  },
  {
    name: 'groups',
    usage: '',
    about: 'list groups and their members',
    request: () => ({ method: 'GET', path: '/admin/v1/groups' }),
    table: { key: 'groups', columns: ['name', 'members'] },
  },
  {
    name: 'log',
    usage: '[--user USER] [--verdict trusted|untrusted] [--outcome attested|unattested|abandoned|all] [--since DATE]',
    about:
      'the auth log: every verdict with its reasons (by default attested and unattested sign-ins; --outcome abandoned shows prompts no agent answered)',
    flags: ['user', 'verdict', 'outcome', 'since'],
    request: (i) => ({
      method: 'GET',
      path: `/admin/v1/auth-log${query({ user: i.flags.user, verdict: i.flags.verdict, outcome: i.flags.outcome, since: i.flags.since })}`,
    }),
    table: { key: 'entries', columns: ['at', 'username', 'applicationName', 'outcome', 'verdict', 'access', 'reasons'] },
  },
  {
    name: 'findings',
    usage: '',
    about: 'problems the collector found (duplicate identifiers, failing syncs, ...)',
    request: () => ({ method: 'GET', path: '/admin/v1/findings' }),
    table: { key: 'findings', columns: ['severity', 'type', 'message'] },
  },
  {
    name: 'keys',
    usage: '',
    about: 'list API keys (never their secrets)',
    request: () => ({ method: 'GET', path: '/admin/v1/api-keys' }),
    table: { key: 'apiKeys', columns: ['id', 'name', 'role', 'revokedAt'] },
  },
  {
    name: 'key create',
    usage: '--name NAME --role owner|admin|app-manager|read-only',
    about: 'create an API key (shown once)',
    flags: ['name', 'role'],
    request: (i) => ({ method: 'POST', path: '/admin/v1/api-keys', body: { name: required(i, 'name'), role: required(i, 'role') } }),
  },
  {
    name: 'key revoke',
    usage: 'ID',
    about: 'revoke an API key',
    args: ['ID'],
    request: (i) => ({ method: 'DELETE', path: `/admin/v1/api-keys/${arg(i, 0, 'key id')}` }),
  },
  {
    name: 'enrollment-key rotate',
    usage: '',
    about: 'replace the agent enrollment key (shown once; enrolled agents keep working)',
    request: () => ({ method: 'POST', path: '/admin/v1/enrollment-key' }),
  },
  {
    name: 'backup',
    usage: 'FILE',
    about:
      'save a consistent copy of the SQLite database, taken while the collector serves, to FILE (an owner key; ' +
      'never overwrites). The master key is not in it: keep that apart (docs/operations-backup-upgrade.md)',
    args: ['FILE'],
    request: () => ({ method: 'POST', path: '/admin/v1/backup' }),
    download: (i) => {
      const file = i.args[0];
      if (file === undefined || file === '') throw new UsageError('missing the backup file');
      return file;
    },
    // A large database takes a while to copy and to send.
    timeoutMs: 3_600_000,
  },
];

/** The test route answers `ok` (a boolean); anything else counts as a failed test. */
function testPassed(body: Record<string, unknown>): boolean {
  return typeof body.ok === 'boolean' ? body.ok : body.success === true;
}

/** Every flag some command takes: the parser must know them all before the command is known. */
export const COMMAND_FLAGS: readonly string[] = [...new Set(COMMANDS.flatMap((c) => c.flags ?? []))];

/** The command named by the leading positional words (two words before one). */
export function findCommand(words: string[]): CtlCommand | undefined {
  const two = words.slice(0, 2).join(' ');
  return COMMANDS.find((c) => c.name === two) ?? COMMANDS.find((c) => c.name === words[0]);
}
