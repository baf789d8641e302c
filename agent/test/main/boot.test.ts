import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { APP_FILES, bootTrayApp } from '@devtrust/agent/main/boot';
import { IPC_CHANNELS } from '@devtrust/agent/main/ipc-channels';
import type { StatusView } from '@devtrust/agent/main/status-view';
import { pathToFileURL } from 'node:url';
import { fakeElectron } from './fake-electron.js';

/** The real wiring (config, key store, certificate, agent core) under a fake Electron. */
function fakeWithDirs() {
  const fake = fakeElectron();
  const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-boot-'));
  fake.app.getPath = (name: string) => path.join(dir, name);
  return { ...fake, dir };
}

describe('tray app boot (real wiring, fake Electron)', () => {
  it('`DevTrust loopback-cert --data-dir DIR` makes the certificate, prints its path and exits', async () => {
    const f = fakeWithDirs();
    const dataDir = path.join(f.dir, 'data');
    let out = '';
    const io = { out: (text: string) => void (out += text), err: () => undefined };
    const result = await bootTrayApp(
      f.electron,
      {},
      ['/Applications/DevTrust.app/Contents/MacOS/DevTrust', 'loopback-cert', '--data-dir', dataDir],
      io,
    );
    assert.equal(result, null);
    assert.equal(f.app.exitCode, 0);
    assert.equal(out.trim(), path.join(dataDir, 'loopback', 'localhost.crt.pem'));
    assert.ok(existsSync(out.trim()));
    assert.equal(f.app.listenerCount('second-instance'), 0, 'no tray app was started');
  });

  it('without a collector URL the tray starts and says it is not set up', async () => {
    const f = fakeWithDirs();
    const tray = await bootTrayApp(f.electron, {}, ['DevTrust']);
    const view = (await f.ipcMain.invoke(pathToFileURL(APP_FILES.indexHtml).href, IPC_CHANNELS.getStatus)) as StatusView;
    assert.equal(view.connection.link, 'not-configured');
    assert.match(view.detail ?? '', /collectorUrl/);
    tray?.quit();
  });

  it("configured: the agent keeps its key through safeStorage in the tray's own folder", async () => {
    const f = fakeWithDirs();
    const encrypted: string[] = [];
    f.electron.safeStorage.encryptString = (text: string) => (encrypted.push(text), Buffer.from(text).reverse());
    f.electron.safeStorage.decryptString = (blob: Buffer) => Buffer.from(blob).reverse().toString();
    const tray = await bootTrayApp(
      f.electron,
      { DEVTRUST_AGENT_COLLECTOR_URL: 'http://127.0.0.1:9', DEVTRUST_AGENT_LOOPBACK_PORT: '0', DEVTRUST_AGENT_LOG_LEVEL: 'silent' },
      ['DevTrust'],
    );
    try {
      const view = (await f.ipcMain.invoke(pathToFileURL(APP_FILES.indexHtml).href, IPC_CHANNELS.getStatus)) as StatusView;
      assert.equal(view.connection.collector, 'http://127.0.0.1:9');
      assert.notEqual(view.connection.loopbackPort, null);
      assert.equal(encrypted.length, 1, 'the new device key went through safeStorage');
      assert.match(encrypted[0]!, /BEGIN PRIVATE KEY/);
      assert.ok(existsSync(path.join(f.dir, 'userData', 'device-key.safestorage')));
    } finally {
      // will-quit stops the agent (door and session) before the app exits.
      f.app.emit('will-quit', { preventDefault: () => undefined });
      await new Promise((resolve) => setTimeout(resolve, 50));
      void tray;
    }
  });
});
