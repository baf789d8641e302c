import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'vitest';
import { pino } from 'pino';
import type { ManagedSettings } from '@devtrust/agent/config/managed/types';
import { IPC_CHANNELS } from '@devtrust/agent/main/ipc-channels';
import { IpcRefused } from '@devtrust/agent/main/ipc';
import type { StatusView } from '@devtrust/agent/main/status-view';
import { TrayApp } from '@devtrust/agent/main/tray-app';
import { trayIconPng } from '@devtrust/agent/main/tray-icons';
import { FakeAgent } from './fake-agent.js';
import { fakeElectron, type FakeImage } from './fake-electron.js';

const FILES = {
  indexHtml: '/opt/DevTrust/resources/app/dist/renderer/index.html',
  confirmHtml: '/opt/DevTrust/resources/app/dist/renderer/confirm.html',
  preload: '/opt/DevTrust/resources/app/dist/preload/index.cjs',
};
const OWN_PAGE = pathToFileURL(FILES.indexHtml).href;
const CONFIRM_PAGE = pathToFileURL(FILES.confirmHtml).href;

async function startApp(
  options: { managed?: ManagedSettings; argv?: string[]; platform?: NodeJS.Platform; problem?: string; lock?: boolean } = {},
) {
  const fake = fakeElectron();
  fake.app.lockAvailable = options.lock ?? true;
  const agent = new FakeAgent();
  const managed = options.managed ?? {};
  const tray = await TrayApp.start(fake.electron, {
    files: FILES,
    createAgent: async () => (options.problem ? { problem: options.problem, managed } : { agent, managed }),
    logDir: '/fake/logs',
    log: pino({ level: 'silent' }),
    version: '0.1.0',
    argv: options.argv ?? ['/opt/DevTrust/DevTrust.exe'],
    platform: options.platform ?? 'win32',
    execPath: 'C:\\Program Files\\DevTrust\\DevTrust.exe',
  });
  return { ...fake, agent, trayApp: tray };
}

const menuIds = (f: Awaited<ReturnType<typeof startApp>>) => f.tray().menu!.template.map((item) => item.id ?? item.type);
const iconOf = (image: FakeImage) => image.representations.find((r) => r.scaleFactor === 1)!.buffer;
const flush = () => new Promise((resolve) => setImmediate(resolve));
const confirmWindows = (f: Awaited<ReturnType<typeof startApp>>) => f.windows().filter((w) => w.loaded === FILES.confirmHtml);

/** The person in front of the confirmation window: reads it over IPC as its page would, then answers. */
async function answer(f: Awaited<ReturnType<typeof startApp>>, allow: boolean) {
  await flush();
  const view = await f.ipcMain.invoke(CONFIRM_PAGE, IPC_CHANNELS.getConfirmation);
  await f.ipcMain.invoke(CONFIRM_PAGE, IPC_CHANNELS.answerConfirmation, allow);
  await flush();
  return view;
}

describe('tray app: start-up', () => {
  it('takes the single-instance lock, registers login item and devtrust://, starts the agent', async () => {
    const f = await startApp({ platform: 'darwin' });
    assert.ok(f.trayApp);
    assert.deepEqual(f.app.loginItem, { openAtLogin: true });
    assert.deepEqual(f.app.protocols, [['devtrust']]);
    assert.equal(f.app.dockHidden, true);
    assert.equal(f.agent.started, true);
    assert.equal(f.app.quitCalls, 0);
  });

  it('Windows: the protocol registration carries "--" before the link, like the MSI\'s', async () => {
    const f = await startApp({ platform: 'win32' });
    assert.deepEqual(f.app.protocols, [['devtrust', 'C:\\Program Files\\DevTrust\\DevTrust.exe', ['--']]]);
  });

  it('a development run (not packaged) registers neither a login item nor the protocol', async () => {
    const fake = fakeElectron();
    fake.app.isPackaged = false;
    await TrayApp.start(fake.electron, {
      files: FILES,
      createAgent: async () => ({ problem: 'x', managed: {} }),
      logDir: '/fake/logs',
      log: pino({ level: 'silent' }),
      version: '0.1.0',
      argv: [],
      platform: 'win32',
      execPath: 'electron',
    });
    assert.equal(fake.app.loginItem, null);
    assert.deepEqual(fake.app.protocols, []);
  });

  it('a second instance (lock held elsewhere) quits at once and builds nothing', async () => {
    const f = await startApp({ lock: false });
    assert.equal(f.trayApp, null);
    assert.equal(f.app.quitCalls, 1);
    assert.equal(f.agent.started, false);
  });

  it('when another instance starts, this one shows and focuses its window', async () => {
    const f = await startApp();
    f.app.emit('second-instance', {}, ['/opt/DevTrust/DevTrust.exe'], '/');
    assert.equal(f.windows().length, 1);
    const window = f.windows()[0]!;
    assert.equal(window.visible, true);
    window.minimized = true;
    window.hide();
    f.app.emit('second-instance', {}, ['/opt/DevTrust/DevTrust.exe'], '/');
    assert.equal(f.windows().length, 1, 'the same window, not a new one');
    assert.equal(window.visible, true);
    assert.equal(window.minimized, false);
    assert.ok(window.focused >= 1);
  });

  it('not configured: the tray says so, in the attention state', async () => {
    const f = await startApp({ problem: 'Not configured (collectorUrl: no collector URL). Ask your IT department.' });
    assert.deepEqual(iconOf(f.tray().images.at(-1)!), trayIconPng('attention', 16));
    assert.equal(f.tray().menu!.template[0]!.label, 'DevTrust: DevTrust is not set up');
    const view = (await f.ipcMain.invoke(OWN_PAGE, IPC_CHANNELS.getStatus)) as StatusView;
    assert.equal(view.connection.link, 'not-configured');
  });
});

describe('tray app: icon and menu follow the agent', () => {
  it('connected → trusted → attention, with the status line and tooltip', async () => {
    const f = await startApp();
    assert.deepEqual(iconOf(f.tray().images.at(-1)!), trayIconPng('connected', 16));
    assert.equal(f.tray().tooltip, 'DevTrust — Connected to trust.example.com');

    f.agent.set({ lastVerdict: { transactionId: 't1', verdict: 'trusted', access: 'allow', reasons: [], at: new Date().toISOString() } });
    assert.deepEqual(iconOf(f.tray().images.at(-1)!), trayIconPng('trusted', 16));
    assert.equal(f.tray().menu!.template[0]!.label, 'DevTrust: This device is trusted');

    f.agent.set({ link: 'offline', lastError: 'cannot reach the collector' });
    assert.deepEqual(iconOf(f.tray().images.at(-1)!), trayIconPng('attention', 16));
    assert.deepEqual(menuIds(f), ['status', 'detail', 'separator', 'show-status', 'check-now', 'open-logs', 'separator', 'quit']);
    assert.equal(f.tray().menu!.template.find((i) => i.id === 'check-now')!.enabled, false);
  });

  it('the icons have a @2x representation, and the three states differ', async () => {
    const f = await startApp();
    const image = f.tray().images.at(-1)!;
    assert.deepEqual(
      image.representations.map((r) => r.scaleFactor),
      [1, 2],
    );
    const pngs = new Set(['connected', 'trusted', 'attention'].map((s) => trayIconPng(s as 'trusted', 16).toString('base64')));
    assert.equal(pngs.size, 3);
  });

  it('pushes every status change to an open window', async () => {
    const f = await startApp();
    f.app.emit('second-instance', {}, [], '/');
    f.agent.set({ link: 'refused', lastError: 'enrollment key refused' });
    const [channel, [view]] = f.windows()[0]!.webContents.sent.at(-1)! as [string, [StatusView]];
    assert.equal(channel, IPC_CHANNELS.statusChanged);
    assert.equal(view.state, 'attention');
    assert.equal(view.headline, 'Refused by your organization');
  });

  it('menu actions: check now reports, open logs opens the log folder, quit quits', async () => {
    const f = await startApp();
    const click = (id: string) => f.tray().menu!.template.find((item) => item.id === id)!.click!();
    click('check-now');
    click('open-logs');
    await flush();
    assert.equal(f.agent.reports, 1);
    assert.deepEqual(f.opened, ['/fake/logs']);
    click('quit');
    assert.equal(f.app.quitCalls, 1);
  });

  it('managed disallowQuit: no Quit item, and quit() does nothing', async () => {
    const f = await startApp({ managed: { disallowQuit: true } });
    assert.ok(!menuIds(f).includes('quit'));
    f.trayApp!.quit();
    assert.equal(f.app.quitCalls, 0);
  });

  it('quitting stops the agent first', async () => {
    const f = await startApp();
    let prevented = false;
    f.app.emit('will-quit', { preventDefault: () => (prevented = true) });
    await flush();
    assert.equal(prevented, true);
    assert.equal(f.agent.stopped, true);
    assert.equal(f.app.quitCalls, 1);
  });
});

describe('tray app: devtrust:// links', () => {
  it('macOS open-url → a confirmation window with labelled fields and the origin → Allow → attest', async () => {
    const f = await startApp({ platform: 'darwin' });
    let prevented = false;
    f.app.emit('open-url', { preventDefault: () => (prevented = true) }, 'devtrust://attest?tx=tx_9QmY2');
    await flush();
    assert.equal(prevented, true);
    assert.deepEqual(f.agent.described, ['tx_9QmY2']);
    const [window] = confirmWindows(f);
    assert.ok(window, 'a confirmation window opened');
    assert.equal(window.visible, true);
    assert.equal(window.options.webPreferences.sandbox, true);
    assert.equal(window.options.webPreferences.contextIsolation, true);
    assert.equal(window.options.webPreferences.nodeIntegration, false);
    assert.deepEqual(f.agent.attested, [], 'nothing attested before the answer');
    const { expiresAt } = f.agent.description as { expiresAt: string };
    const view = await answer(f, true);
    assert.deepEqual(view, {
      kind: 'ask',
      application: 'Payroll',
      username: 'alice@example.com',
      collector: 'https://trust.example.com:443',
      expiresAt,
    });
    assert.deepEqual(f.agent.attested, ['tx_9QmY2']);
    assert.equal(window.isDestroyed(), true, 'the window closes once answered');
  });

  it('a link the user declines, or whose window is closed, is not attested', async () => {
    const f = await startApp({ platform: 'darwin' });
    f.app.emit('open-url', { preventDefault: () => undefined }, 'devtrust://attest?tx=someone_elses');
    await answer(f, false);
    f.app.emit('open-url', { preventDefault: () => undefined }, 'devtrust://attest?tx=closed_one');
    await flush();
    confirmWindows(f)[1]!.close();
    await flush();
    assert.equal(confirmWindows(f).length, 2);
    assert.deepEqual(f.agent.attested, []);
  });

  it('while a confirmation is open, another link is cancelled unseen (it cannot slip in under the click)', async () => {
    const f = await startApp({ platform: 'darwin' });
    f.app.emit('open-url', { preventDefault: () => undefined }, 'devtrust://attest?tx=mine');
    await flush();
    f.agent.description = { application: 'Payroll', username: 'mallory@example.com' };
    f.app.emit('open-url', { preventDefault: () => undefined }, 'devtrust://attest?tx=theirs');
    await flush();
    assert.equal(confirmWindows(f).length, 1);
    const view = (await answer(f, true)) as { username: string };
    assert.equal(view.username, 'alice@example.com');
    assert.deepEqual(f.agent.attested, ['mine']);
  });

  it('a description refused as unsafe (by the agent link or the collector) is shown as refused, with nothing to allow', async () => {
    for (const code of ['UNSAFE_TEXT', 'TRANSACTION_UNSAFE']) {
      const f = await startApp({ platform: 'darwin' });
      f.agent.description = Object.assign(
        new Error("the collector's answer names the username with U+202E, a control or bidirectional character"),
        {
          code,
        },
      );
      f.app.emit('open-url', { preventDefault: () => undefined }, 'devtrust://attest?tx=lure');
      const view = (await answer(f, true)) as { kind: string; collector: string; reason: string };
      assert.equal(view.kind, 'refused');
      assert.equal(view.collector, 'https://trust.example.com:443');
      assert.match(view.reason, /refused and nothing was vouched for: .*U\+202E/);
      assert.deepEqual(f.agent.attested, [], `${code}: Allow on a refusal attests nothing`);
    }
  });

  it('the status page cannot answer a confirmation, nor the confirmation page read the status', async () => {
    const f = await startApp({ platform: 'darwin' });
    f.app.emit('open-url', { preventDefault: () => undefined }, 'devtrust://attest?tx=tx_1');
    await flush();
    assert.equal(await f.ipcMain.invoke(OWN_PAGE, IPC_CHANNELS.answerConfirmation, true), undefined);
    assert.equal(await f.ipcMain.invoke(OWN_PAGE, IPC_CHANNELS.getConfirmation), undefined);
    assert.equal(await f.ipcMain.invoke(CONFIRM_PAGE, IPC_CHANNELS.getStatus), undefined);
    await assert.rejects(f.ipcMain.invoke(CONFIRM_PAGE, IPC_CHANNELS.answerConfirmation, 'yes'), IpcRefused);
    assert.deepEqual(f.agent.attested, []);
    await answer(f, false);
  });

  it("Windows: the link in a second instance's argv, and in our own argv on a cold start", async () => {
    const f = await startApp({ argv: ['C:\\Program Files\\DevTrust\\DevTrust.exe', '--', 'devtrust://attest/?tx=cold-start'] });
    await answer(f, true);
    assert.deepEqual(f.agent.attested, ['cold-start']);
    f.app.emit('second-instance', {}, ['C:\\Program Files\\DevTrust\\DevTrust.exe', '--', 'devtrust://attest?tx=warm_1'], 'C:\\');
    await answer(f, true);
    assert.deepEqual(f.agent.attested, ['cold-start', 'warm_1']);
    assert.equal(f.windows().length - confirmWindows(f).length, 0, 'a link does not pop the status window');
  });

  it('malformed links are ignored', async () => {
    const f = await startApp({ platform: 'darwin' });
    for (const url of [
      'devtrust://attest',
      'devtrust://attest?tx=',
      'devtrust://attest?tx=a%20b',
      'devtrust://enroll?tx=abc',
      'devtrust://attest?tx=abc&tx=def',
      'https://attest?tx=abc',
    ]) {
      f.app.emit('open-url', { preventDefault: () => undefined }, url);
    }
    await flush();
    assert.deepEqual(f.agent.described, []);
    assert.deepEqual(f.windows(), []);
  });

  it('a confirmation closes as Cancel when its transaction expires', async () => {
    const f = await startApp({ platform: 'darwin' });
    f.agent.description = { application: 'Payroll', username: 'alice@example.com', expiresAt: new Date(Date.now() - 1000).toISOString() };
    f.app.emit('open-url', { preventDefault: () => undefined }, 'devtrust://attest?tx=stale');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(confirmWindows(f)[0]!.isDestroyed(), true);
    assert.equal(await f.ipcMain.invoke(CONFIRM_PAGE, IPC_CHANNELS.getConfirmation), null);
    assert.deepEqual(f.agent.attested, []);
  });

  it('links are rate-limited', async () => {
    const f = await startApp({ platform: 'darwin' });
    for (let i = 0; i < 15; i++) f.app.emit('open-url', { preventDefault: () => undefined }, `devtrust://attest?tx=t${i}`);
    await flush();
    assert.equal(f.agent.described.length, 10);
    assert.equal(confirmWindows(f).length, 1);
  });
});

describe('tray app: IPC', () => {
  it("the window's own page gets its status", async () => {
    const f = await startApp();
    const view = (await f.ipcMain.invoke(OWN_PAGE, IPC_CHANNELS.getStatus)) as StatusView;
    assert.equal(view.identity.serialNumber, 'PF2ABCDE');
    assert.deepEqual(
      [...f.ipcMain.handlers.keys()].sort(),
      Object.values(IPC_CHANNELS)
        .filter((c) => c !== IPC_CHANNELS.statusChanged)
        .sort(),
    );
  });

  it('IPC from an unknown sender is dropped: another page, another file, a subframe, no frame', async () => {
    const f = await startApp();
    for (const event of [
      { senderFrame: { url: 'https://evil.example/index.html', parent: null } },
      { senderFrame: { url: 'file:///tmp/index.html', parent: null } },
      { senderFrame: { url: `file://attacker${new URL(OWN_PAGE).pathname}`, parent: null } },
      { senderFrame: { url: OWN_PAGE, parent: {} } },
      { senderFrame: null },
    ]) {
      assert.equal(await f.ipcMain.invokeFrom(event, IPC_CHANNELS.getStatus), undefined);
      assert.equal(await f.ipcMain.invokeFrom(event, IPC_CHANNELS.copyIdentifier, 'serialNumber'), undefined);
    }
    assert.deepEqual(f.clipboard, []);
  });

  it('bad arguments are refused', async () => {
    const f = await startApp();
    await assert.rejects(f.ipcMain.invoke(OWN_PAGE, IPC_CHANNELS.copyIdentifier, 'password'), IpcRefused);
    await assert.rejects(f.ipcMain.invoke(OWN_PAGE, IPC_CHANNELS.copyIdentifier), IpcRefused);
    await assert.rejects(f.ipcMain.invoke(OWN_PAGE, IPC_CHANNELS.copyIdentifier, 'serialNumber', 'extra'), IpcRefused);
    await assert.rejects(f.ipcMain.invoke(OWN_PAGE, IPC_CHANNELS.getStatus, { sneaky: true }), IpcRefused);
    assert.equal(await f.ipcMain.invoke(OWN_PAGE, IPC_CHANNELS.copyIdentifier, 'serialNumber'), true);
    assert.deepEqual(f.clipboard, ['PF2ABCDE']);
  });

  it('open support goes only to the managed https support URL', async () => {
    const withUrl = await startApp({ managed: { supportUrl: 'https://help.example.com/devtrust' } });
    await withUrl.ipcMain.invoke(OWN_PAGE, IPC_CHANNELS.openSupport);
    assert.deepEqual(withUrl.external, ['https://help.example.com/devtrust']);
    const sneaky = await startApp({ managed: { supportUrl: 'file:///etc/passwd' } });
    await sneaky.ipcMain.invoke(OWN_PAGE, IPC_CHANNELS.openSupport);
    assert.deepEqual(sneaky.external, []);
  });
});

describe('tray app: the status window is locked down', () => {
  it('sandboxed, isolated, no Node; no navigation, no new windows, no permissions', async () => {
    const f = await startApp();
    f.trayApp!.showStatus();
    const window = f.windows()[0]!;
    assert.deepEqual(window.options.webPreferences, {
      preload: FILES.preload,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      webSecurity: true,
      spellcheck: false,
      devTools: false,
    });
    assert.equal(window.loaded, FILES.indexHtml);
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false;
      window.webContents.emit(event, { preventDefault: () => (prevented = true) }, 'https://evil.example/');
      assert.equal(prevented, true, event);
    }
    assert.deepEqual(window.webContents.openHandler!(), { action: 'deny' });
    let granted: boolean | null = null;
    window.webContents.permissionHandler!(null, 'geolocation', (g) => (granted = g));
    assert.equal(granted, false);
  });

  it('closing the window hides it (the app lives in the tray)', async () => {
    const f = await startApp();
    f.trayApp!.showStatus();
    const window = f.windows()[0]!;
    let prevented = false;
    window.emit('close', { preventDefault: () => (prevented = true) });
    assert.equal(prevented, true);
    assert.equal(window.visible, false);
  });
});
