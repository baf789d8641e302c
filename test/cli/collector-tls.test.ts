import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BINS } from '../support/bin.js';
import { selfSignedCertificate } from '../support/tls.js';
import { freePort, spawnProcess } from './spawned.js';

/** devtrust-collector serving HTTPS itself (DEVTRUST_TLS_CERT / DEVTRUST_TLS_KEY). */
describe('devtrust-collector with TLS of its own', () => {
  let dir: string;
  let cert: string;
  let key: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'devtrust-tls-'));
    ({ cert, key } = selfSignedCertificate(dir));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = async (env: Record<string, string>) => {
    const port = await freePort();
    const collector = spawnProcess(process.execPath, [BINS['devtrust-collector']], {
      env: {
        DEVTRUST_DATA_DIR: path.join(dir, `data-${port}`),
        DEVTRUST_HOST: '127.0.0.1',
        DEVTRUST_PORT: String(port),
        DEVTRUST_TLS_CERT: cert,
        DEVTRUST_TLS_KEY: key,
        DEVTRUST_PUBLIC_URL: `https://localhost:${port}`,
        DEVTRUST_LOG_LEVEL: 'warn',
        ...env,
      },
    });
    await collector.waitForOutput(/collector listening/, 'the listening line');
    return { collector, port };
  };

  it('serves HTTPS, and warns when it would believe X-Forwarded-For from anyone', async () => {
    const { collector, port } = await start({ DEVTRUST_TRUST_PROXY: 'true' });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        https
          .get(`https://localhost:${port}/healthz`, { ca: readFileSync(cert) }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject);
      });
      assert.equal(status, 200);
      await collector.waitForOutput(/DEVTRUST_TRUST_PROXY=true on a collector serving TLS itself/, 'the warning');
    } finally {
      await collector.stop();
    }
  });

  it('does not warn without DEVTRUST_TRUST_PROXY', async () => {
    const { collector } = await start({});
    try {
      assert.doesNotMatch(collector.stdout(), /DEVTRUST_TRUST_PROXY/);
    } finally {
      await collector.stop();
    }
  });
});
