import type { ElectronPort, WindowPort } from './electron-port.js';

export interface StatusWindowFiles {
  indexHtml: string;
  /** The devtrust:// confirmation page (same preload, its own IPC channels). */
  confirmHtml: string;
  preload: string;
}

/** The status window: our index.html in a locked-down window. */
export function createStatusWindow(electron: Pick<ElectronPort, 'BrowserWindow'>, files: StatusWindowFiles, devTools: boolean): WindowPort {
  return createLockedWindow(electron, {
    file: files.indexHtml,
    preload: files.preload,
    devTools,
    width: 600,
    height: 760,
    minWidth: 420,
    minHeight: 480,
    title: 'DevTrust',
  });
}

/**
 * A window locked down: sandboxed renderer, isolated context, no Node, no webviews, no
 * navigation, no new windows, no permissions. It only ever shows our own file.
 */
export function createLockedWindow(
  electron: Pick<ElectronPort, 'BrowserWindow'>,
  options: {
    file: string;
    preload: string;
    devTools: boolean;
    title: string;
    width: number;
    height: number;
    minWidth?: number;
    minHeight?: number;
    resizable?: boolean;
  },
): WindowPort {
  const { file, preload, devTools, ...size } = options;
  const window = new electron.BrowserWindow({
    ...size,
    show: false,
    autoHideMenuBar: true,
    webPreferences: {
      preload,
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
  void window.loadFile(file);
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
