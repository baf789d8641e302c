import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BINS, runBin } from '../support/bin.js';
import { freePort, spawnProcess } from './spawned.js';

const TOKEN = 'metrics-token-cli-0123456789abcd';

describe('devtrust-collector with DEVTRUST_METRICS_LISTEN', () => {
  let dataDir: string;
  let busy: Server;
  let busyPort: number;
  const env = () => ({ DEVTRUST_DATA_DIR: dataDir, DEVTRUST_HOST: '127.0.0.1', DEVTRUST_LOG_LEVEL: 'silent' });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-metrics-cli-'));
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => busy.close(() => resolve()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints where the metrics are and serves them there with the token', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const collector = spawnProcess(process.execPath, [BINS['devtrust-collector']], {
      env: { ...env(), DEVTRUST_PORT: String(port), DEVTRUST_METRICS_LISTEN: `127.0.0.1:${metricsPort}`, DEVTRUST_METRICS_TOKEN: TOKEN },
    });
    try {
      const [, url] = await collector.waitForOutput(/Prometheus metrics on (\S+)/, 'the metrics line');
      assert.equal(url, `http://127.0.0.1:${metricsPort}/metrics`);
      const answer = await fetch(url as string, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(answer.status, 200);
      assert.match(await answer.text(), /^devtrust_agent_sessions\{state="authenticated"\} 0$/m);
    } finally {
      await collector.stop();
    }
  });

  it('a metrics address in use stops start-up with a message that names DEVTRUST_METRICS_LISTEN, not DEVTRUST_PORT', async () => {
    const result = await runBin('devtrust-collector', [], {
      env: { ...env(), DEVTRUST_PORT: String(await freePort()), DEVTRUST_METRICS_LISTEN: `127.0.0.1:${busyPort}` },
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`cannot start: the metrics listener cannot listen on 127\\.0\\.0\\.1:${busyPort} \\(DEVTRUST_METRICS_LISTEN\\)`),
    );
    assert.doesNotMatch(result.stderr, /DEVTRUST_PORT/);
  });

  it('refuses a malformed address or a short token before starting', async () => {
    for (const [variable, value] of [
      ['DEVTRUST_METRICS_LISTEN', '9464'],
      ['DEVTRUST_METRICS_LISTEN', '127.0.0.1:99999'],
      ['DEVTRUST_METRICS_TOKEN', 'short'],
    ] as const) {
      const result = await runBin('devtrust-collector', [], { env: { ...env(), DEVTRUST_PORT: '0', [variable]: value } });
      assert.equal(result.code, 2, `${variable}=${value}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`bad configuration: ${variable}`));
    }
  });
});
