import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { CollectorProcess, sleep } from './collector-process.js';

/**
 * Sends an upgrade request and resets the connection while (or before) the collector answers:
 * what a client that gives up, or a flood, does. Resolves once the socket is gone.
 */
function upgradeThenReset(url: string, requestPath: string, afterMs: number): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => {
      socket.write(
        `GET ${requestPath} HTTP/1.1\r\nHost: ${hostname}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      setTimeout(() => socket.resetAndDestroy(), afterMs);
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve());
  });
}

/** Sends an upgrade request to the agent channel and reads the answer's status; the socket is left open. */
function upgradeAndRead(url: string): Promise<{ status: number; socket: net.Socket }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => {
      socket.write(
        `GET /agent/v1 HTTP/1.1\r\nHost: ${hostname}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    socket.on('error', () => {});
    socket.once('data', (data: Buffer) =>
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data.toString('latin1'))?.[1] ?? 0), socket }),
    );
    socket.once('close', () => reject(new Error('closed before an answer')));
  });
}

// An attacker's review: one upgrade request to another path, reset at once, ended the collector
// with an unhandled ECONNRESET ('error' on the raw socket Node hands over at 'upgrade'); so did
// a reset of a socket refused for the connection caps. The shipped binary in its own process,
// since the fault ended the process.
describe('refused upgrades whose clients reset', () => {
  it('leave the collector running and answering', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-test-'));
    const collector = await CollectorProcess.start({
      DEVTRUST_DATA_DIR: dataDir,
      // One agent socket per address: a second upgrade to the channel is refused with 503.
      DEVTRUST_MAX_AGENT_CONNECTIONS_PER_ADDRESS: '1',
    });
    const holders: net.Socket[] = [];
    try {
      let refusedAtCap = 0;
      for (const afterMs of [0, 0, 1, 5, 20]) {
        // The channel's one place from this address: taken by this socket (101), or still held
        // by an earlier one (503), so the resets to the channel below are refused at the cap.
        // (An unauthenticated socket is closed after 5 s; the next round's probe takes the place.)
        const probe = await upgradeAndRead(collector.url);
        if (probe.status === 101) holders.push(probe.socket);
        else {
          assert.equal(probe.status, 503);
          refusedAtCap += 1;
          probe.socket.destroy();
        }
        await Promise.all([upgradeThenReset(collector.url, '/nope', afterMs), upgradeThenReset(collector.url, '/agent/v1', afterMs)]);
      }
      assert.ok(refusedAtCap > 0, 'the cap refused an upgrade to the channel');
      // Whatever the resets raised has been raised by now.
      await sleep(300);
      assert.equal(await collector.healthz(), 200);
    } finally {
      for (const socket of holders) socket.destroy();
      await collector.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
