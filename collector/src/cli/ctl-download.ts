import { createHash } from 'node:crypto';
import { access, link, open, rm, type FileHandle } from 'node:fs/promises';
import type { CtlRequest } from './ctl-commands.js';
import { renderObject } from './ctl-render.js';
import { unreachableMessage } from './ctl-unreachable.js';

type Io = { write(text: string): unknown };

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

export interface DownloadOptions {
  base: string;
  request: CtlRequest;
  apiKey: string | undefined;
  file: string;
  timeoutMs: number;
  json: boolean;
  out: Io;
  err: Io;
}

/**
 * Saves a file the collector answers with (`devtrustctl backup FILE`): written to
 * FILE.partial (owner-only, never over an existing file), checked against the SHA-256 and
 * length the collector announced, and only then given its name, so FILE is either a whole,
 * verified backup or absent. Returns the exit code.
 */
export async function download(options: DownloadOptions): Promise<number> {
  const { base, request, file, err } = options;
  const fail = (message: string): number => {
    err.write(`devtrustctl: ${message}\n`);
    return 1;
  };
  if (await exists(file)) return fail(`${file} exists: a backup never overwrites a file; choose another name`);
  const partial = `${file}.partial`;
  let handle: FileHandle | undefined;
  try {
    handle = await open(partial, 'wx', 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(
      code === 'EEXIST' ? `${partial} exists: remove it, or choose another file` : `cannot write ${partial}: ${(error as Error).message}`,
    );
  }
  const removePartial = async (): Promise<void> => {
    await handle?.close().catch(() => undefined);
    await rm(partial, { force: true });
  };
  try {
    let response: Response;
    try {
      response = await fetch(`${base}${request.path}`, {
        method: request.method,
        headers: options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` },
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      return fail(unreachableMessage(base, error, options.timeoutMs));
    }
    const type = response.headers.get('content-type') ?? '';
    if (response.status !== 200 || !type.startsWith('application/vnd.sqlite3')) {
      const text = await response.text();
      let error: { code?: unknown; message?: unknown } | undefined;
      try {
        error = (JSON.parse(text) as { error?: typeof error }).error;
      } catch {
        /* not JSON */
      }
      if (typeof error?.code !== 'string')
        return fail(
          `${base} does not answer like a DevTrust collector (${request.method} ${request.path}: HTTP ${response.status}, ${type || 'no content type'})`,
        );
      return fail(`${response.status} ${error.code}: ${String(error.message ?? '')}`);
    }
    const expected = response.headers.get('x-devtrust-backup-sha256');
    const length = Number(response.headers.get('content-length'));
    const hash = createHash('sha256');
    let bytes = 0;
    const output = handle;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        bytes += chunk.length;
        await output.write(chunk);
      }
      await output.sync();
    } catch (error) {
      const { cause } = error as { cause?: { code?: string; message?: string } };
      return fail(
        `the backup broke off after ${bytes} bytes (${cause?.code ?? cause?.message ?? (error as Error).message}); nothing saved`,
      );
    }
    await output.close();
    handle = undefined;
    const digest = hash.digest('hex');
    if (digest !== expected || bytes !== length)
      return fail(
        `the backup arrived damaged (${bytes} of ${length} bytes, SHA-256 ${digest.slice(0, 12)}… not ${expected?.slice(0, 12)}…); nothing saved`,
      );
    try {
      await link(partial, file); // fails when FILE appeared meanwhile: never overwrite a backup
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return fail(code === 'EEXIST' ? `${file} exists: a backup never overwrites a file; choose another name` : (error as Error).message);
    }
    const summary = {
      backup: file,
      bytes,
      sha256: digest,
      takenAt: response.headers.get('x-devtrust-backup-taken-at'),
      collectorVersion: response.headers.get('x-devtrust-version'),
      schema: response.headers.get('x-devtrust-schema'),
      masterKeyCheck: response.headers.get('x-devtrust-master-key-check'),
    };
    if (options.json) options.out.write(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      options.out.write(`${renderObject(summary)}\n`);
      options.out.write(
        `The master key is not in the backup. Keep the collector's master key (DATA_DIR/master.key or DEVTRUST_MASTER_KEY, check ${summary.masterKeyCheck}) apart from it: without that key the backup cannot be restored.\n`,
      );
    }
    return 0;
  } finally {
    await removePartial();
  }
}
