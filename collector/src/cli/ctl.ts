import { readFile } from 'node:fs/promises';
import { toRequest, USAGE, UsageError, type Args, type CtlRequest } from './ctl-commands.js';

export function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) flags[arg.slice(2, eq)] = arg.slice(eq + 1);
    else if (argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith('--') && !['json', 'help'].includes(arg.slice(2)))
      flags[arg.slice(2)] = argv[++i] as string;
    else flags[arg.slice(2)] = true;
  }
  return { positional, flags };
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.join('; ');
  if (typeof value === 'number' && value > 1e12) return new Date(value).toISOString();
  return String(value);
}

export function renderTable(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = rows.map((row) => columns.map((c) => cell(row[c]).replace(/\s+/g, ' ').slice(0, 120)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] as string).length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(columns), ...cells.map(line)].join('\n');
}

/** devtrustctl; returns the exit code (0 ok, 1 API error, 2 usage). */
export async function main(argv = process.argv.slice(2), env = process.env, out = process.stdout, err = process.stderr): Promise<number> {
  const args = parseArgs(argv);
  if (args.flags.help || args.positional.length === 0) {
    out.write(USAGE);
    return args.positional.length === 0 && !args.flags.help ? 2 : 0;
  }
  const base = String(args.flags.url ?? env.DEVTRUST_URL ?? 'http://127.0.0.1:8700').replace(/\/+$/, '');
  const apiKey = args.flags['api-key'] ?? env.DEVTRUST_API_KEY;
  let request: CtlRequest;
  try {
    request = await toRequest(args, (file) => readFile(file, 'utf8'));
  } catch (error) {
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
      err.write(`devtrustctl: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
  if (typeof apiKey !== 'string' && request.path !== '/healthz') {
    err.write('devtrustctl: no API key (use --api-key or DEVTRUST_API_KEY)\n');
    return 2;
  }
  let response: Response;
  try {
    response = await fetch(`${base}${request.path}`, {
      method: request.method,
      headers: {
        ...(typeof apiKey === 'string' ? { authorization: `Bearer ${apiKey}` } : {}),
        ...(request.body !== undefined ? { 'content-type': request.contentType ?? 'application/json' } : {}),
      },
      ...(request.body !== undefined ? { body: typeof request.body === 'string' ? request.body : JSON.stringify(request.body) } : {}),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    err.write(`devtrustctl: cannot reach ${base}: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}\n`);
    return 1;
  }
  const text = await response.text();
  const body = text === '' ? null : (JSON.parse(text) as Record<string, unknown>);
  if (!response.ok) {
    const error = (body?.error ?? {}) as { code?: string; message?: string; field?: string };
    err.write(
      `devtrustctl: ${response.status} ${error.code ?? ''}: ${error.message ?? text}${error.field ? ` (field ${error.field})` : ''}\n`,
    );
    return 1;
  }
  if (body === null) out.write('ok\n');
  else if (request.table && !args.flags.json)
    out.write(`${renderTable((body[request.table.key] as Record<string, unknown>[]) ?? [], request.table.columns)}\n`);
  else out.write(`${JSON.stringify(body, null, 2)}\n`);
  return 0;
}
