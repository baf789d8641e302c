import type { ElectronPort, WindowPort } from './electron-port.js';

export interface StatusWindowFiles {
  indexHtml: string;
  preload: string;
}

/**
 * The status window, locked down: sandboxed renderer, isolated context, no Node, no
 * webviews, no navigation, no new windows, no permissions. It only ever shows our file.
 */
export function createStatusWindow(electron: Pick<ElectronPort, 'BrowserWindow'>, files: StatusWindowFiles, devTools: boolean): WindowPort {
  const window = new electron.BrowserWindow({
    width: 600,
    height: 760,
    minWidth: 420,
    minHeight: 480,
    show: false,
    title: 'DevTrust',
    autoHideMenuBar: true,
    webPreferences: {
      preload: files.preload,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      webSecurity: true,
      spellcheck: false,
      devTools,
    },
  });
  lockDown(window.webContents);
  window.once('ready-to-show', () => window.show());
  void window.loadFile(files.indexHtml);
  return window;
}

/** Also applied to every web contents the app creates (app 'web-contents-created'). */
export function lockDown(contents: WindowPort['webContents']): void {
  const deny = (event: { preventDefault(): void }) => event.preventDefault();
  contents.on('will-navigate', deny);
  contents.on('will-redirect', deny);
  contents.on('will-attach-webview', deny);
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
}

export function reveal(window: WindowPort): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
