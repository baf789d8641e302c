import type { SafeStorageLike } from '../keys/safe-storage-store.js';

/**
 * The slice of Electron the tray app uses, as plain interfaces. Only index.ts imports
 * `electron` (and the compiler checks there that the real module fits these); every
 * other file takes an ElectronPort, so tests can drive the app with fakes and no
 * Electron binary. Methods use method syntax on purpose: Electron's overloaded
 * `on(event, …)` signatures then fit the one generic signature below.
 */
export interface ElectronPort {
  app: AppPort;
  Tray: new (image: ImagePort) => TrayPort;
  Menu: { buildFromTemplate(template: MenuItemSpec[]): MenuPort };
  BrowserWindow: new (options: WindowOptions) => WindowPort;
  ipcMain: IpcMainPort;
  nativeImage: { createEmpty(): ImagePort };
  shell: { openPath(path: string): Promise<string>; openExternal(url: string): Promise<void> };
  clipboard: { writeText(text: string): void };
  safeStorage: SafeStorageLike;
}

export interface AppPort {
  readonly isPackaged: boolean;
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<void>;
  quit(): void;
  exit(code: number): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Electron's listeners take event-specific arguments
  on(event: string, listener: (...args: any[]) => void): unknown;
  setLoginItemSettings(settings: { openAtLogin: boolean }): void;
  setAsDefaultProtocolClient(protocol: string, path?: string, args?: string[]): boolean;
  getPath(name: 'logs' | 'userData'): string;
  readonly dock?: { hide(): void } | undefined;
}

export interface ImagePort {
  addRepresentation(options: { scaleFactor: number; buffer: Buffer }): void;
}

export interface TrayPort {
  setImage(image: ImagePort): void;
  setToolTip(text: string): void;
  setContextMenu(menu: MenuPort | null): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  destroy(): void;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- opaque: built by Menu, handed to the tray
export interface MenuPort {}

export interface MenuItemSpec {
  id?: string;
  label?: string;
  type?: 'normal' | 'separator';
  enabled?: boolean;
  click?: () => void;
}

export interface WindowOptions {
  width: number;
  height: number;
  minWidth?: number;
  minHeight?: number;
  resizable?: boolean;
  show: boolean;
  title: string;
  autoHideMenuBar?: boolean;
  webPreferences: {
    preload: string;
    sandbox: boolean;
    contextIsolation: boolean;
    nodeIntegration: boolean;
    nodeIntegrationInWorker: boolean;
    webviewTag: boolean;
    webSecurity: boolean;
    spellcheck: boolean;
    devTools: boolean;
  };
}

export interface WebContentsPort {
  send(channel: string, ...args: unknown[]): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  setWindowOpenHandler(handler: () => { action: 'deny' }): void;
  readonly session: {
    setPermissionRequestHandler(
      handler: ((webContents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null,
    ): void;
  };
}

export interface WindowPort {
  readonly webContents: WebContentsPort;
  loadFile(file: string): Promise<void>;
  show(): void;
  close(): void;
  hide(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  once(event: string, listener: (...args: any[]) => void): unknown;
}

/** What an IPC handler sees of the event: which frame sent it. */
export interface IpcEventPort {
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
}

export interface IpcMainPort {
  handle(channel: string, listener: (event: IpcEventPort, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}
