import { readFileSync } from 'node:fs';
import { adminLogCommand } from './ctl-admin-log.js';
import { approveCommand } from './ctl-approve.js';
import { forgetEndpoint } from './ctl-endpoint-forget.js';
import { integrationDeleteCommand } from './ctl-integration-delete.js';
import { releaseCommand, unblockCommand } from './ctl-release.js';
import { releaseReenrolledCommand } from './ctl-release-reenrolled.js';
import { endpointColumns, waitsOnCell } from './ctl-waits-on.js';
import { hostnameCell } from './ctl-hostname.js';

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
  /** The file's bytes as they are: the collector judges their encoding (a Latin-1 CSV is refused there, not mangled here). */
  readFile(file: string): Promise<Uint8Array<ArrayBuffer>>;
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
  /** Flags that take no value (`--immediate`); set, they read as "true". */
  switches?: string[];
  request(input: CtlInput): CtlRequest | Promise<CtlRequest>;
  /**
   * How to print a successful answer: a table of the rows under this key (--json prints the
   * JSON); `row` reshapes each item for the table, `footer` adds a line after it (e.g. paging).
   */
  table?: {
    key: string;
    /** The columns, or what decides them from the answer's rows (a column only some pages need). */
    columns: string[] | ((rows: Record<string, unknown>[]) => string[]);
    row?(item: Record<string, unknown>): Record<string, unknown>;
    footer?(body: Record<string, unknown>, input: CtlInput): string | null;
    /** Printed instead of a header with no rows under it (not with --json): what an empty list means here. */
    empty(input: CtlInput): string;
  };
  /**
   * The part of the answer to print (one kind out of the list); a string says why there is
   * none, and devtrustctl exits 1.
   */
  select?(body: Record<string, unknown>, input: CtlInput): Record<string, unknown> | string;
  /**
   * After a successful answer, what to read again (every second) until `done` says so, e.g. a
   * sync started with `--wait`; the last answer read is the one printed and judged. Null: none.
   */
  follow?(body: Record<string, unknown>, input: CtlInput): { path: string; done(body: Record<string, unknown>): boolean } | null;
  /** A 200 answer can still say the operation failed: this names why, and devtrustctl exits 1. */
  failure?(body: Record<string, unknown>, input: CtlInput): string | null;
  /**
   * The answer holds a secret the collector never shows again (a client secret, an API key): its
   * field, and what to do once it is lost. devtrustctl says so on stderr, so --json stays the answer.
   */
  shownOnce?: { field: string; lost: string };
  /** How long to wait for the answer; vendor tests take as long as the vendor does. */
  timeoutMs?: number;
  /** The answer is a file, saved where this says (ctl-download.ts), not JSON to print. */
  download?(input: CtlInput): string;
  /**
   * A command that takes several calls (a preview, then releases): it makes them through
   * `call` and prints for itself; `request` then only checks the command line. Returns the exit code.
   */
  run?(call: CtlCall, input: CtlInput, io: CtlIo): Promise<number>;
}

/** One admin API call with the command's URL and key: the status and the parsed JSON answer. */
export type CtlCall = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

/** Where a `run` command prints, and whether --json was asked for. */
export interface CtlIo {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
  json: boolean;
}

/** Bad command-line input: devtrustctl prints one line and exits 2. */
export class UsageError extends Error {}

/**
 * A positional argument that names something in a URL path, as given. "." and ".." are refused:
 * a URL's dot segments are resolved before it is sent, so they would name another path.
 */
export function pathArg(input: CtlInput, index: number, what: string): string {
  const value = input.args[index];
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  if (value === '.' || value === '..') throw new UsageError(`"${value}" is not ${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what}`);
  return value;
}
const arg = (input: CtlInput, index: number, what: string): string => encodeURIComponent(pathArg(input, index, what));
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
/** Whether a listing was narrowed (a filter or a later page): its empty answer says "match", not "yet". */
export const filtered = (input: CtlInput): boolean => Object.values(input.flags).some((v) => v !== undefined);
function json(value: string, name: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new UsageError(`${name} must be JSON`);
  }
}
/** `--schedule`: a JSON object, or "nightly" (the caller's) back to the default. */
function scheduleOf(text: string): Record<string, unknown> {
  try {
    return object(text, '--schedule');
  } catch {
    throw new UsageError('--schedule must be a JSON object such as {"intervalMinutes":60} or {"hourUtc":3}, or nightly');
  }
}

function object(value: string, name: string): Record<string, unknown> {
  const parsed = json(value, name);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`${name} must be a JSON object`);
  return parsed as Record<string, unknown>;
}

/**
 * `--secrets`: the JSON itself, `@FILE` to read it from a file, or `-` from standard input. A
 * secret written on the command line is in every user's `ps` and in the shell's history; a file
 * only its owner reads, or a pipe, keeps it there. The text read is never echoed in an error. A
 * file is read as an upload is (input.readFile), so one it cannot read is named the same way:
 * `cannot read FILE: no such file`.
 */
async function secretsOf(input: CtlInput, value: string): Promise<Record<string, unknown>> {
  let text = value;
  if (value.startsWith('@')) text = new TextDecoder().decode(await input.readFile(value.slice(1)));
  else if (value === '-') {
    try {
      text = readFileSync(0, 'utf8');
    } catch (error) {
      throw new UsageError(`--secrets: cannot read standard input (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  }
  return object(text, '--secrets');
}

const endpointCommand = (verb: string, method: string, suffix: string, about: string): CtlCommand => ({
  name: `endpoint ${verb}`,
  usage: 'ID',
  about,
  args: ['ID'],
  request: (i) => ({ method, path: `/admin/v1/endpoints/${arg(i, 0, 'endpoint id')}${suffix}` }),
});
const appCommand = (verb: string, method: string, suffix: string, about: string): CtlCommand => ({
  name: `app ${verb}`,
  usage: 'ID',
  about,
  args: ['ID'],
  request: (i) => ({ method, path: `/admin/v1/applications/${arg(i, 0, 'application id')}${suffix}` }),
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
    usage: '[--q TEXT] [--trusted true|false] [--approval pending|approved|denied] [--sort lastSeen|enrolled] [--limit N] [--cursor C]',
    about:
      'list endpoints (devices running the agent), a page at a time: --cursor continues where the last page ended; lastSeen (the default) orders by the hour last seen, newest first',
    flags: ['q', 'trusted', 'approval', 'sort', 'limit', 'cursor'],
    request: (i) => ({
      method: 'GET',
      path: `/admin/v1/endpoints${query({
        q: i.flags.q,
        trusted: i.flags.trusted,
        approval: i.flags.approval,
        sort: i.flags.sort,
        limit: i.flags.limit,
        cursor: i.flags.cursor,
      })}`,
    }),
    // approval: pending rows wait for an admin (endpoint approve / endpoint deny); "-" never needed one.
    // waitsOn: on a page with pending rows, which endpoint holds what each waits on.
    table: {
      key: 'endpoints',
      columns: endpointColumns,
      empty: (i) => (filtered(i) ? 'No endpoints match these filters.' : 'No endpoints yet: none has enrolled.'),
      // hostname: marked when it holds another endpoint's id (ctl-hostname.ts). blocked: "released"
      // for a released endpoint (its key retired for good, never unblocked), as the console's list says.
      row: (e) => ({
        ...e,
        hostname: hostnameCell(e),
        blocked: typeof e.releasedAt === 'number' ? 'released' : e.blocked,
        waitsOn: waitsOnCell(e.waitsOn, e.waitsOnCount, e.waitsOnOutdated),
      }),
    },
  },
  endpointCommand('show', 'GET', '', "one endpoint's identifiers, matches and health"),
  endpointCommand('block', 'POST', '/block', 'deny every sign-in from this endpoint'),
  unblockCommand,
  {
    ...endpointCommand(
      'forget',
      'DELETE',
      '',
      'delete the endpoint (its agent enrolls again); prints the endpoints left waiting on its identifiers, for you to approve or deny; asks for --yes for a denied one (a clone kept out: forgetting it erases the trace)',
    ),
    usage: 'ID [--yes]',
    switches: ['yes'],
    run: forgetEndpoint,
  },
  approveCommand,
  endpointCommand('deny', 'POST', '/deny', 'refuse a pending endpoint: it is blocked and its claims never count'),
  releaseCommand,
  releaseReenrolledCommand,
  {
    name: 'integrations',
    usage: '',
    about: 'list inventory and EDR integrations',
    request: () => ({ method: 'GET', path: '/admin/v1/integrations' }),
    table: {
      key: 'integrations',
      columns: ['id', 'kind', 'name', 'devices', 'syncedAt'],
      empty: () => 'No integrations yet (devtrustctl integration create adds one).',
    },
  },
  {
    name: 'kinds',
    usage: '',
    about: 'list the integration kinds and their config fields (--json for labels, secrets, defaults)',
    request: () => ({ method: 'GET', path: '/admin/v1/kinds' }),
    table: { key: 'kinds', columns: ['kind', 'category', 'label', 'platforms', 'fields'], empty: () => 'No integration kinds.' },
  },
  {
    name: 'kind',
    usage: 'KIND',
    about: "one integration kind's config fields: label, type, whether required or secret, default (for --config and --secrets)",
    args: ['KIND'],
    request: (i) => {
      arg(i, 0, 'kind (devtrustctl kinds lists them)');
      return { method: 'GET', path: '/admin/v1/kinds' };
    },
    select: (body, i) => {
      const kinds = Array.isArray(body.kinds) ? (body.kinds as { kind?: unknown; fields?: unknown }[]) : [];
      const found = kinds.find((k) => k.kind === i.args[0]);
      if (!found) return `no integration kind "${i.args[0]}" (known: ${kinds.map((k) => String(k.kind)).join(', ')})`;
      return { fields: found.fields };
    },
    table: {
      key: 'fields',
      columns: ['name', 'label', 'type', 'required', 'secret', 'default'],
      empty: (i) => `The kind ${String(i.args[0])} has no config fields.`,
    },
  },
  integrationCommand('show', 'GET', '', 'one integration (secrets are never shown)'),
  {
    name: 'integration create',
    usage: '--kind KIND --name NAME --platforms windows,macos[,linux] [--config JSON] [--secrets JSON|@FILE|-]',
    about:
      'add an integration (devtrustctl kinds lists the kinds and their config fields): --secrets sets its secret fields, as on update (kept encrypted, never printed; @FILE or - reads them from a file or standard input, out of ps and the shell history)',
    flags: ['kind', 'name', 'platforms', 'config', 'secrets'],
    request: async (i) => {
      // Secret fields travel inside config, as the API's create takes them; the collector seals them.
      const secrets = i.flags.secrets === undefined ? undefined : await secretsOf(i, i.flags.secrets);
      const config = secrets ? { ...object(i.flags.config ?? '{}', '--config'), ...secrets } : json(i.flags.config ?? '{}', '--config');
      return {
        method: 'POST',
        path: '/admin/v1/integrations',
        body: { kind: required(i, 'kind'), name: required(i, 'name'), platforms: list(required(i, 'platforms')), config },
      };
    },
  },
  {
    name: 'integration update',
    usage: 'ID [--name NAME] [--platforms windows,macos,linux] [--config JSON] [--secrets JSON|@FILE|-] [--schedule JSON|nightly]',
    about:
      'change an integration: --config fields replace the stored ones (null removes one), --secrets sets secret fields, --schedule sets when a vendor integration syncs ({"intervalMinutes":60}, {"hourUtc":3}, {"enabled":false}; "nightly" goes back to the default); what is left out stays',
    args: ['ID'],
    flags: ['name', 'platforms', 'config', 'secrets', 'schedule'],
    request: async (i) => {
      const config = i.flags.config === undefined ? undefined : object(i.flags.config, '--config');
      const secrets = i.flags.secrets === undefined ? undefined : await secretsOf(i, i.flags.secrets);
      const schedule = i.flags.schedule === undefined ? undefined : i.flags.schedule === 'nightly' ? null : scheduleOf(i.flags.schedule);
      const body = {
        ...(i.flags.name !== undefined ? { name: i.flags.name } : {}),
        ...(i.flags.platforms !== undefined ? { platforms: list(i.flags.platforms) } : {}),
        // Secret fields travel inside config, as on create; the collector keeps them sealed.
        ...(config || secrets ? { config: { ...config, ...secrets } } : {}),
        ...(schedule !== undefined ? { schedule } : {}),
      };
      if (Object.keys(body).length === 0)
        throw new UsageError('nothing to change: give --name, --platforms, --config, --secrets or --schedule');
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
  {
    name: 'integration sync',
    usage: 'ID [--allow-empty [--min-devices N]] [--wait]',
    about:
      'start a sync now (answers the sync id at once; with --wait, the finished run, and exit 1 unless it succeeded); a sync that lists no devices, or far fewer than the last good inventory, keeps that inventory unless --allow-empty confirms this one run may empty or shrink it (with --min-devices, to no fewer than N devices)',
    args: ['ID'],
    flags: ['min-devices'],
    switches: ['allow-empty', 'wait'],
    follow: (body, i) =>
      i.flags.wait === 'true' && typeof body.syncId === 'string'
        ? {
            path: `/admin/v1/integrations/${arg(i, 0, 'integration id')}/syncs/${encodeURIComponent(body.syncId)}`,
            done: (run) => run.status !== 'running',
          }
        : null,
    failure: (run) =>
      run.status === 'failed' || run.status === 'cancelled'
        ? `the sync ${run.status === 'failed' ? 'failed' : 'was cancelled'}: ${String(run.error ?? 'no reason given')}`
        : null,
    request: (i) => ({
      method: 'POST',
      path: `/admin/v1/integrations/${arg(i, 0, 'integration id')}/sync${query({ allowEmpty: i.flags['allow-empty'], minDevices: i.flags['min-devices'] })}`,
    }),
  },
  integrationCommand('cancel', 'POST', '/sync/cancel', 'stop the running sync; the last good inventory stays'),
  {
    ...integrationCommand('syncs', 'GET', '/syncs', 'recent syncs and their outcome'),
    table: {
      key: 'syncs',
      columns: ['id', 'status', 'trigger', 'allowEmpty', 'pages', 'devices', 'error'],
      empty: (i) => `No syncs or uploads yet for integration ${String(i.args[0])}.`,
    },
  },
  {
    name: 'integration upload',
    usage: 'ID FILE.csv [--allow-empty]',
    about:
      "replace a CSV integration's inventory with the file (docs/csv-format.md); a file with no device rows is refused unless --allow-empty says emptying the inventory is meant",
    args: ['ID', 'FILE.csv'],
    switches: ['allow-empty'],
    timeoutMs: 300_000,
    request: async (i) => {
      const id = arg(i, 0, 'integration id');
      const file = i.args[1];
      if (!file) throw new UsageError('missing CSV file');
      const path = `/admin/v1/integrations/${id}/inventory${query({ allowEmpty: i.flags['allow-empty'] })}`;
      return { method: 'PUT', path, body: await i.readFile(file), contentType: 'text/csv' };
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
  integrationDeleteCommand,
  {
    name: 'trusted-endpoints show',
    usage: 'ID',
    about: "an MDM integration's trusted endpoints configuration key and device ID variable (--json: where they go per platform)",
    args: ['ID'],
    request: (i) => ({ method: 'GET', path: `/admin/v1/trusted-endpoints/${arg(i, 0, 'integration id')}` }),
  },
  {
    name: 'trusted-endpoints rotate',
    usage: 'ID',
    about: 'replace the configuration key: devices keep the asserted level only once the MDM pushes the new one',
    args: ['ID'],
    request: (i) => ({ method: 'POST', path: `/admin/v1/trusted-endpoints/${arg(i, 0, 'integration id')}/rotate` }),
  },
  {
    name: 'apps',
    usage: '',
    about: 'list protected applications',
    request: () => ({ method: 'GET', path: '/admin/v1/applications' }),
    table: {
      key: 'applications',
      columns: ['id', 'name', 'clientId', 'reasonDetail'],
      empty: () => 'No applications yet (devtrustctl app create registers one).',
    },
  },
  {
    name: 'app create',
    usage: '--name NAME --redirect-uris URI1,URI2 [--policy JSON] [--reason-detail summary|full]',
    about: 'register an application (its client secret is shown once)',
    flags: ['name', 'redirect-uris', 'policy', 'reason-detail'],
    shownOnce: { field: 'clientSecret', lost: 'devtrustctl app rotate-secret ID issues a new one' },
    request: (i) => ({
      method: 'POST',
      path: '/admin/v1/applications',
      body: {
        name: required(i, 'name'),
        redirectUris: list(required(i, 'redirect-uris')),
        ...(i.flags.policy ? { policy: json(i.flags.policy, '--policy') } : {}),
        ...(i.flags['reason-detail'] ? { reasonDetail: i.flags['reason-detail'] } : {}),
      },
    }),
  },
  appCommand('show', 'GET', '', 'one application: redirect URIs, policy overrides, reason detail (never its secret)'),
  {
    name: 'app update',
    usage: 'ID [--name NAME] [--redirect-uris URI1,URI2] [--policy JSON] [--inherit RULE1,RULE2] [--reason-detail summary|full]',
    about:
      'change an application: --policy keys replace its overrides (null removes one), --inherit removes overrides so the global policy applies again; what is left out stays',
    args: ['ID'],
    flags: ['name', 'redirect-uris', 'policy', 'inherit', 'reason-detail'],
    request: (i) => {
      const overrides = i.flags.policy === undefined ? undefined : object(i.flags.policy, '--policy');
      const inherited = list(i.flags.inherit);
      const policy =
        overrides || inherited ? { ...overrides, ...Object.fromEntries((inherited ?? []).map((rule) => [rule, null])) } : undefined;
      const body = {
        ...(i.flags.name !== undefined ? { name: i.flags.name } : {}),
        ...(i.flags['redirect-uris'] !== undefined ? { redirectUris: list(i.flags['redirect-uris']) } : {}),
        ...(policy ? { policy } : {}),
        ...(i.flags['reason-detail'] !== undefined ? { reasonDetail: i.flags['reason-detail'] } : {}),
      };
      if (Object.keys(body).length === 0)
        throw new UsageError('nothing to change: give --name, --redirect-uris, --policy, --inherit or --reason-detail');
      return { method: 'PATCH', path: `/admin/v1/applications/${arg(i, 0, 'application id')}`, body };
    },
  },
  {
    ...appCommand(
      'rotate-secret',
      'POST',
      '/rotate-secret',
      'give the application a new client secret (shown once); the old one stops working at once',
    ),
    shownOnce: { field: 'clientSecret', lost: 'devtrustctl app rotate-secret ID issues a new one' },
  },
  appCommand('delete', 'DELETE', '', 'delete the application: its client ID and secret stop working'),
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
    table: {
      key: 'users',
      columns: ['username', 'groups'],
      empty: () => 'No users yet (devtrustctl user set USERNAME --groups a,b adds one to groups).',
    },
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
    table: {
      key: 'groups',
      columns: ['name', 'members'],
      empty: () => 'No groups yet (devtrustctl user set USERNAME --groups a,b puts a user in one).',
    },
  },
  {
    name: 'log',
    usage:
      '[--user USER] [--application ID] [--endpoint ID] [--verdict trusted|untrusted] [--outcome attested|unattested|abandoned|all] [--since DATE] [--until DATE] [--reference tx_…] [--limit N] [--cursor C]',
    about:
      'the auth log: every verdict with its reasons, newest first, a page at a time (by default attested and unattested sign-ins; --outcome abandoned shows prompts no agent answered; --reference finds the sign-in a user or an application quotes)',
    flags: ['user', 'application', 'endpoint', 'verdict', 'outcome', 'since', 'until', 'reference', 'limit', 'cursor'],
    request: (i) => ({
      method: 'GET',
      path: `/admin/v1/auth-log${query({
        user: i.flags.user,
        applicationId: i.flags.application,
        endpointId: i.flags.endpoint,
        verdict: i.flags.verdict,
        outcome: i.flags.outcome,
        since: i.flags.since,
        until: i.flags.until,
        reference: i.flags.reference,
        limit: i.flags.limit,
        cursor: i.flags.cursor,
      })}`,
    }),
    table: {
      key: 'entries',
      columns: ['at', 'username', 'applicationName', 'outcome', 'verdict', 'access', 'reasons'],
      empty: (i) => (filtered(i) ? 'No sign-ins match these filters.' : 'No sign-ins yet.'),
    },
  },
  adminLogCommand,
  {
    name: 'findings',
    usage: '',
    about: 'problems the collector found (duplicate identifiers, failing syncs, ...), each with what to do',
    request: () => ({ method: 'GET', path: '/admin/v1/findings' }),
    // Not a table: a finding's message says what to do, and a table cell cut it off at "(held by…".
    run: async (call, _input, io) => {
      const answer = await call('GET', '/admin/v1/findings');
      const body = answer.body as { findings?: { severity: string; type: string; message: string }[] } | null;
      if (answer.status !== 200 || !body?.findings) {
        io.err.write(`devtrustctl: ${answer.status}: the collector refused\n`);
        return 1;
      }
      if (io.json) io.out.write(`${JSON.stringify(body, null, 2)}\n`);
      else if (body.findings.length === 0) io.out.write('No findings.\n');
      else io.out.write(body.findings.map((f) => `${f.severity}  ${f.type}\n  ${f.message}\n`).join('\n'));
      return 0;
    },
  },
  {
    name: 'keys',
    usage: '',
    about: 'list API keys (never their secrets)',
    request: () => ({ method: 'GET', path: '/admin/v1/api-keys' }),
    table: { key: 'apiKeys', columns: ['id', 'name', 'role', 'revokedAt'], empty: () => 'No API keys.' },
  },
  {
    name: 'key create',
    usage: '--name NAME --role owner|admin|app-manager|read-only',
    about: 'create an API key (shown once)',
    flags: ['name', 'role'],
    shownOnce: { field: 'key', lost: 'revoke it (devtrustctl key revoke ID) and create another' },
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
    name: 'oidc keys',
    usage: '',
    about: "list the OIDC provider's signing keys (active, next, retired)",
    request: () => ({ method: 'GET', path: '/admin/v1/oidc/keys' }),
    table: { key: 'keys', columns: ['kid', 'alg', 'state', 'createdAt', 'activatesAt'], empty: () => 'No signing keys yet.' },
  },
  {
    name: 'oidc rotate-keys',
    usage: '[--immediate] [--withdraw-previous]',
    about:
      'add a signing key: published now, signing in 10 minutes (--immediate: now); --immediate --withdraw-previous also takes every older key out of the JWKS (a compromised key)',
    switches: ['immediate', 'withdraw-previous'],
    request: (i) => {
      const immediate = i.flags.immediate === 'true';
      const withdraw = i.flags['withdraw-previous'] === 'true';
      if (withdraw && !immediate) throw new UsageError('--withdraw-previous needs --immediate (something must sign at once)');
      const body = { ...(immediate ? { immediate } : {}), ...(withdraw ? { withdrawPrevious: true } : {}) };
      return { method: 'POST', path: '/admin/v1/oidc/rotate-keys', body };
    },
  },
  {
    name: 'oidc withdraw-key',
    usage: 'KID',
    about: 'take one retired or next signing key out of the JWKS (tokens it signed stop verifying)',
    args: ['KID'],
    request: (i) => ({ method: 'DELETE', path: `/admin/v1/oidc/keys/${arg(i, 0, 'key id')}` }),
  },
  {
    name: 'enrollment-key rotate',
    usage: '',
    about: 'replace the agent enrollment key (shown once; enrolled agents keep working)',
    shownOnce: { field: 'enrollmentKey', lost: 'devtrustctl enrollment-key rotate issues a new one' },
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
/** Every switch (a flag without a value) some command takes. */
export const COMMAND_SWITCHES: readonly string[] = [...new Set(COMMANDS.flatMap((c) => c.switches ?? []))];

/** The command named by the leading positional words (two words before one). */
export function findCommand(words: string[]): CtlCommand | undefined {
  const two = words.slice(0, 2).join(' ');
  return COMMANDS.find((c) => c.name === two) ?? COMMANDS.find((c) => c.name === words[0]);
}
