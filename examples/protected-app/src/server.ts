import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createProtectedApp } from './app.js';
import { ConfigError, loadConfig, type ProtectedAppConfig } from './config.js';

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

/** Starts the example app on config.port (0: a free one) at 127.0.0.1. */
export async function startProtectedApp(config: ProtectedAppConfig): Promise<RunningApp> {
  const handler = await createProtectedApp(config);
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * For an issuer that differs from ISSUER (`localhost` for `127.0.0.1`, a port, a path): both
 * values and the fix. DevTrust names itself by its DEVTRUST_PUBLIC_URL, and ID tokens carry that
 * name, so ISSUER must be exactly it.
 */
export function issuerHint(error: unknown): string {
  const detail = error as { code?: string; cause?: { attribute?: string; expected?: string; body?: { issuer?: unknown } } };
  if (detail.code !== 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED' || detail.cause?.attribute !== 'issuer') return '';
  const actual = detail.cause.body?.issuer;
  if (typeof actual !== 'string') return '';
  return `\nDevTrust names itself ${JSON.stringify(actual)}, and ISSUER is ${JSON.stringify(detail.cause.expected)}: set ISSUER=${actual} (DevTrust's DEVTRUST_PUBLIC_URL).`;
}

// Run directly: `ISSUER=… CLIENT_ID=… CLIENT_SECRET=… PORT=3000 node dist/server.js`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const config = loadConfig();
    const running = await startProtectedApp(config);
    console.log(`example app on ${running.url} (open ${config.appUrl}/ and sign in)`);
  } catch (error) {
    const cause = (error as Error & { cause?: { message?: string } }).cause?.message;
    console.error(
      error instanceof ConfigError
        ? error.message
        : `cannot start: DevTrust's discovery at ${process.env.ISSUER}/.well-known/openid-configuration failed: ${(error as Error).message}${cause ? ` (${cause})` : ''}${issuerHint(error)}`,
    );
    process.exit(1);
  }
}
