import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BINS } from '../support/bin.js';
import { freePort, spawnProcess } from './spawned.js';

const OPEN_FILES = 320;
/** What the collector keeps for everything but agents (collector/src/limits/open-files.ts). */
const HEADROOM = 256;

/**
 * A collector whose open-file limit cannot hold DEVTRUST_MAX_AGENT_CONNECTIONS: it says so at
 * start and refuses agents past what it can hold with 503, so the kernel never runs out of
 * descriptors and /healthz keeps answering (a supervisor must not restart a full collector).
 */
describe('devtrust-collector under a low open-file limit', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'devtrust-nofile-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('warns at start, refuses agents past the limit with 503, and keeps answering /healthz', async () => {
    const port = await freePort();
    const collector = spawnProcess(
      'bash',
      ['-c', `ulimit -n ${OPEN_FILES} && exec "${process.execPath}" "${BINS['devtrust-collector']}"`],
      {
        env: { DEVTRUST_DATA_DIR: dir, DEVTRUST_HOST: '127.0.0.1', DEVTRUST_PORT: String(port), DEVTRUST_LOG_LEVEL: 'warn' },
      },
    );
    const sockets: WebSocket[] = [];
    try {
      await collector.waitForOutput(/collector listening/, 'the listening line');
      assert.match(
        collector.stdout(),
        new RegExp(`the open-file limit \\(ulimit -n ${OPEN_FILES}\\) holds ${OPEN_FILES - HEADROOM} agent connections`),
      );
      const answers: string[] = [];
      for (let i = 0; i < OPEN_FILES - HEADROOM + 20; i++) {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/agent/v1`);
        sockets.push(ws);
        answers.push(
          await new Promise<string>((resolve) => {
            ws.once('message', () => resolve('open'));
            ws.once('unexpected-response', (_req, res) => resolve(`http ${res.statusCode}`));
            ws.once('error', (error) => resolve(`error ${error.message}`));
          }),
        );
      }
      assert.equal(answers.filter((a) => a === 'open').length, OPEN_FILES - HEADROOM);
      assert.deepEqual([...new Set(answers.slice(OPEN_FILES - HEADROOM))], ['http 503']);
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    } finally {
      for (const ws of sockets) ws.terminate();
      await collector.stop();
    }
  });
});
