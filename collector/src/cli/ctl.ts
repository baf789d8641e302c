import { CommandLineError, packageVersion, parseCommandLine, type FlagSpecs } from '@devtrust/shared/cli/command-line';
import { COMMAND_FLAGS, COMMAND_SWITCHES, COMMANDS, findCommand, UsageError, type CtlCommand, type CtlInput } from './ctl-commands.js';
import { download } from './ctl-download.js';
import { unreachableMessage } from './ctl-unreachable.js';
import { unknownCommandMessage } from './ctl-unknown-command.js';
import { readCommandLineFile } from './ctl-unreadable-file.js';
import { collectorBase } from './ctl-url.js';
import { terminalSafe } from './terminal-text.js';
import { renderObject, renderTable } from './ctl-render.js';

const VERSION = packageVersion(new URL('../../package.json', import.meta.url));
const DEFAULT_URL = 'http://127.0.0.1:8700';
const GLOBAL_FLAGS: FlagSpecs = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};
const FLAGS: FlagSpecs = {
  ...GLOBAL_FLAGS,
  ...Object.fromEntries(COMMAND_FLAGS.map((name) => [name, { type: 'string' as const }])),
  ...Object.fromEntries(COMMAND_SWITCHES.map((name) => [name, { type: 'boolean' as const }])),
};

const line = (c: CtlCommand): string => `  devtrustctl ${c.name}${c.usage ? ` ${c.usage}` : ''}`;

export const USAGE = [
  `devtrustctl ${VERSION}: administer a DevTrust collector through its admin API.`,
  '',
  '  devtrustctl [--url URL] [--api-key KEY] [--json] COMMAND [ARGS]',
  '  devtrustctl COMMAND --help      what one command does and takes',
  '  devtrustctl --version',
  '',
  `  --url URL       the collector (or DEVTRUST_URL; default ${DEFAULT_URL}, or that host on DEVTRUST_PORT)`,
  '  --api-key KEY   an API key (or DEVTRUST_API_KEY; prefer the variable: flags show in ps)',
  '  --json          print the JSON answer (default: a table for lists, key: value lines otherwise)',
  '',
  'Commands:',
  ...COMMANDS.map(line),
  '',
  'Exit codes: 0 done, 1 the collector refused or the operation failed, 2 bad command line.',
  '',
].join('\n');

function commandHelp(c: CtlCommand): string {
  return `${line(c).trimStart()}\n\n  ${c.about}.\n\nGlobal flags: --url URL, --api-key KEY, --json (see devtrustctl --help).\n`;
}

type Io = { write(text: string): unknown };

const bodyOf = (body: unknown): string | Uint8Array<ArrayBuffer> =>
  typeof body === 'string' || body instanceof Uint8Array ? (body as string | Uint8Array<ArrayBuffer>) : JSON.stringify(body);

/** devtrustctl; returns the exit code (0 ok, 1 refused or failed, 2 bad command line). */
export async function main(
  argv = process.argv.slice(2),
  env = process.env,
  out: Io = process.stdout,
  err: Io = process.stderr,
): Promise<number> {
  const usageError = (message: string): number => {
    err.write(`devtrustctl: ${message}\n`);
    return 2;
  };
  let parsed;
  try {
    parsed = parseCommandLine(argv, FLAGS, { positionals: true });
  } catch (error) {
    if (error instanceof CommandLineError) return usageError(error.message);
    throw error;
  }
  const { values, positionals } = parsed;
  if (values.json !== true) {
    out = terminalSafe(out);
    err = terminalSafe(err);
  }
  if (values.version) {
    out.write(`devtrustctl ${VERSION}\n`);
    return 0;
  }
  if (positionals.length === 0) {
    if (values.help) {
      out.write(USAGE);
      return 0;
    }
    err.write(USAGE);
    return 2;
  }
  const command = findCommand(positionals);
  if (!command) {
    const family = COMMANDS.filter((c) => c.name.split(' ')[0] === positionals[0]);
    if (values.help && family.length > 0) {
      out.write(`${family.map(line).join('\n')}\n`);
      return 0;
    }
    return usageError(
      unknownCommandMessage(
        positionals,
        COMMANDS.map((c) => c.name),
      ),
    );
  }
  if (values.help) {
    out.write(commandHelp(command));
    return 0;
  }
  const hint = `(see devtrustctl ${command.name} --help)`;
  const flags: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(values)) {
    if (name in GLOBAL_FLAGS) continue;
    if (command.switches?.includes(name)) flags[name] = value === true ? 'true' : undefined;
    else if (!command.flags?.includes(name)) return usageError(`unknown flag --${name} for "${command.name}" ${hint}`);
    else flags[name] = value as string;
  }
  const args = positionals.slice(command.name.split(' ').length);
  const extra = args[(command.args ?? []).length];
  if (extra !== undefined) return usageError(`unexpected argument "${extra}" for "${command.name}" ${hint}`);
  const input: CtlInput = { args, flags, readFile: readCommandLineFile };

  let base: string;
  let request;
  let saveAs: string | undefined;
  try {
    // DEVTRUST_PORT alone (as the collector was started with it, on this machine) points at 127.0.0.1 on that port.
    if (values.url !== undefined) base = collectorBase(String(values.url), '--url');
    else if (env.DEVTRUST_URL) base = collectorBase(env.DEVTRUST_URL, 'DEVTRUST_URL');
    else if (env.DEVTRUST_PORT) base = collectorBase(`http://127.0.0.1:${env.DEVTRUST_PORT}`, 'DEVTRUST_PORT');
    else base = DEFAULT_URL;
    request = await command.request(input);
    saveAs = command.download?.(input);
  } catch (error) {
    // A file named on the command line that cannot be read is a UsageError already, naming the
    // file and why (readCommandLineFile, and --secrets @FILE): no errno reaches here raw.
    if (error instanceof UsageError) return usageError(error.message);
    throw error;
  }
  const apiKey = values['api-key'] ?? env.DEVTRUST_API_KEY;
  if (typeof apiKey !== 'string' && request.path !== '/healthz') return usageError('no API key (set DEVTRUST_API_KEY or use --api-key)');

  const timeoutMs = command.timeoutMs ?? 60_000;
  if (command.run)
    return runCommand(
      command.run,
      { base, apiKey: typeof apiKey === 'string' ? apiKey : undefined, timeoutMs },
      input,
      out,
      err,
      values.json === true,
    );
  if (saveAs !== undefined) {
    return download({
      base,
      request,
      apiKey: typeof apiKey === 'string' ? apiKey : undefined,
      file: saveAs,
      timeoutMs,
      json: values.json === true,
      out,
      err,
    });
  }
  let status: number;
  let contentType: string;
  let text: string;
  try {
    const response = await fetch(`${base}${request.path}`, {
      method: request.method,
      headers: {
        accept: 'application/json',
        ...(typeof apiKey === 'string' ? { authorization: `Bearer ${apiKey}` } : {}),
        ...(request.body !== undefined ? { 'content-type': request.contentType ?? 'application/json' } : {}),
      },
      // Text and bytes (an uploaded file) go as they are; anything else as JSON.
      ...(request.body !== undefined ? { body: bodyOf(request.body) } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    contentType = response.headers.get('content-type') ?? 'no content type';
    text = await response.text();
  } catch (error) {
    err.write(`devtrustctl: ${unreachableMessage(base, error, timeoutMs)}\n`);
    return 1;
  }
  const notDevTrust = (): number => {
    err.write(
      `devtrustctl: ${base} does not answer like a DevTrust collector (${request.method} ${request.path.split('?')[0]}: HTTP ${status}, ${contentType.split(';')[0]}); check --url or DEVTRUST_URL\n`,
    );
    return 1;
  };
  let body: unknown = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      return notDevTrust();
    }
  }
  const object = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  if (status < 200 || status >= 300) {
    const error = object?.error as { code?: unknown; message?: unknown; field?: unknown } | undefined;
    if (typeof error?.code !== 'string') return notDevTrust();
    err.write(
      `devtrustctl: ${status} ${error.code}: ${String(error.message ?? '')}${error.field ? ` (field ${String(error.field)})` : ''}\n`,
    );
    return 1;
  }
  if (status === 204) {
    out.write('ok\n');
    return 0;
  }
  if (!object) return notDevTrust();
  const follow = command.follow?.(object, input);
  const answer = follow ? await followUntilDone(base, typeof apiKey === 'string' ? apiKey : undefined, follow, err) : object;
  if (answer === null) return 1;
  const selected = command.select ? command.select(answer, input) : answer;
  if (typeof selected === 'string') {
    err.write(`devtrustctl: ${selected}\n`);
    return 1;
  }
  if (command.table && !Array.isArray(selected[command.table.key])) return notDevTrust();
  if (values.json === true) out.write(`${JSON.stringify(selected, null, 2)}\n`);
  else if (command.table) {
    const { key, columns, row, footer, empty } = command.table;
    const rows = selected[key] as Record<string, unknown>[];
    // A header with no rows reads like a failure to show them: say the list is empty, and how to fill it.
    if (rows.length === 0) out.write(`${empty(input)}\n`);
    else out.write(`${renderTable(row ? rows.map((r) => row(r)) : rows, typeof columns === 'function' ? columns(rows) : columns)}\n`);
    const after = footer?.(selected, input);
    if (after) out.write(`${after}\n`);
    // A paged listing: say how to get the next page (stderr, so the table stays clean for pipes).
    else if (typeof selected.nextCursor === 'string')
      err.write(`devtrustctl: more follow: run again with --cursor ${selected.nextCursor}\n`);
  } else out.write(`${renderObject(selected)}\n`);
  const once = command.shownOnce;
  if (once && typeof answer[once.field] === 'string')
    err.write(`devtrustctl: the ${once.field} above is shown once: store it now; it cannot be shown again (if lost: ${once.lost})\n`);
  // Done, with something the admin should know (e.g. CSV rows no device can match): said on stderr too.
  const warnings = Array.isArray(answer.warnings) ? answer.warnings.filter((w): w is string => typeof w === 'string') : [];
  for (const warning of warnings) err.write(`devtrustctl: warning: ${warning}\n`);
  const failure = command.failure?.(answer, input);
  if (failure) {
    err.write(`devtrustctl: ${failure}\n`);
    return 1;
  }
  return 0;
}

/** A command of several calls (CtlCommand.run); an unreachable collector is said once, as for one call. */
async function runCommand(
  run: NonNullable<CtlCommand['run']>,
  target: { base: string; apiKey: string | undefined; timeoutMs: number },
  input: CtlInput,
  out: Io,
  err: Io,
  json: boolean,
): Promise<number> {
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${target.base}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = null;
    }
    return { status: response.status, body: parsed };
  };
  try {
    return await run(call, input, { out, err, json });
  } catch (error) {
    // fetch fails with a TypeError that has a cause (ECONNREFUSED, …), or times out; anything else is a bug.
    const unreachable = (error as Error).name === 'TimeoutError' || (error instanceof TypeError && 'cause' in error);
    if (!unreachable) throw error;
    err.write(`devtrustctl: ${unreachableMessage(target.base, error, target.timeoutMs)}\n`);
    return 1;
  }
}

/** How long `--wait` follows a run: a sync of a million devices beside heavy sign-in traffic takes minutes, not hours. */
const FOLLOW_LIMIT_MS = 6 * 3_600_000;

/**
 * Reads `follow.path` every second until `follow.done` (a sync run that ended); the last answer,
 * or null after saying on `err` why it stopped following (an error answer, or no end in sight).
 */
async function followUntilDone(
  base: string,
  apiKey: string | undefined,
  follow: { path: string; done(body: Record<string, unknown>): boolean },
  err: Io,
): Promise<Record<string, unknown> | null> {
  const deadline = Date.now() + FOLLOW_LIMIT_MS;
  for (;;) {
    let body: unknown;
    try {
      const response = await fetch(`${base}${follow.path}`, {
        headers: { accept: 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        signal: AbortSignal.timeout(60_000),
      });
      body = await response.json().catch(() => null);
      if (!response.ok) {
        const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
        err.write(`devtrustctl: ${response.status} ${error?.code ?? 'ERROR'}: ${error?.message ?? 'reading the run failed'}\n`);
        return null;
      }
    } catch (error) {
      err.write(`devtrustctl: following ${follow.path} failed: ${(error as Error).message}\n`);
      return null;
    }
    if (typeof body === 'object' && body !== null && !Array.isArray(body) && follow.done(body as Record<string, unknown>))
      return body as Record<string, unknown>;
    if (Date.now() > deadline) {
      err.write(`devtrustctl: still running after ${FOLLOW_LIMIT_MS / 3_600_000} h; follow it with the run's syncs\n`);
      return null;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
