import { EventEmitter } from 'node:events';
import type { ElectronPort, ImagePort, IpcEventPort, MenuItemSpec, WindowOptions } from '@devtrust/agent/main/electron-port';

/** Electron at its boundary: every object records what the app did to it. */
export class FakeImage {
  readonly representations: Array<{ scaleFactor: number; buffer: Buffer }> = [];
  addRepresentation(options: { scaleFactor: number; buffer: Buffer }) {
    this.representations.push(options);
  }
}

export class FakeApp extends EventEmitter {
  isPackaged = true;
  lockAvailable = true;
  quitCalls = 0;
  loginItem: unknown = null;
  protocols: Array<[string, ...unknown[]]> = [];
  dockHidden = false;
  readonly dock = { hide: () => void (this.dockHidden = true) };
  requestSingleInstanceLock() {
    return this.lockAvailable;
  }
  whenReady() {
    return Promise.resolve();
  }
  quit() {
    this.quitCalls++;
  }
  exitCode: number | null = null;
  exit(code: number) {
    this.exitCode = code;
  }
  setLoginItemSettings(settings: unknown) {
    this.loginItem = settings;
  }
  setAsDefaultProtocolClient(protocol: string, ...rest: unknown[]) {
    this.protocols.push([protocol, ...rest]);
    return true;
  }
  getPath(name: string) {
    return `/fake/${name}`;
  }
}

export class FakeTray extends EventEmitter {
  static instances: FakeTray[] = [];
  images: FakeImage[] = [];
  tooltip = '';
  menu: { template: MenuItemSpec[] } | null = null;
  destroyed = false;
  constructor(image: ImagePort) {
    super();
    this.images.push(image as FakeImage);
    FakeTray.instances.push(this);
  }
  setImage(image: ImagePort) {
    this.images.push(image as FakeImage);
  }
  setToolTip(text: string) {
    this.tooltip = text;
  }
  setContextMenu(menu: { template: MenuItemSpec[] } | null) {
    this.menu = menu;
  }
  destroy() {
    this.destroyed = true;
  }
}

export class FakeWebContents extends EventEmitter {
  sent: Array<[string, unknown[]]> = [];
  openHandler: (() => { action: 'deny' }) | null = null;
  permissionHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null = null;
  readonly session = {
    setPermissionRequestHandler: (handler: FakeWebContents['permissionHandler']) => void (this.permissionHandler = handler),
  };
  send(channel: string, ...args: unknown[]) {
    this.sent.push([channel, args]);
  }
  setWindowOpenHandler(handler: () => { action: 'deny' }) {
    this.openHandler = handler;
  }
}

export class FakeWindow extends EventEmitter {
  static instances: FakeWindow[] = [];
  readonly webContents = new FakeWebContents();
  loaded: string | null = null;
  visible = false;
  focused = 0;
  minimized = false;
  destroyed = false;
  constructor(readonly options: WindowOptions) {
    super();
    FakeWindow.instances.push(this);
  }
  async loadFile(file: string) {
    this.loaded = file;
    this.emit('ready-to-show');
  }
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  /** Like Electron: 'close' may be prevented; otherwise the window is gone and 'closed' fires. */
  close() {
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    if (prevented) return;
    this.visible = false;
    this.destroyed = true;
    this.emit('closed');
  }
  focus() {
    this.focused++;
  }
  restore() {
    this.minimized = false;
  }
  isMinimized() {
    return this.minimized;
  }
  isDestroyed() {
    return this.destroyed;
  }
}

export class FakeIpcMain {
  readonly handlers = new Map<string, (event: IpcEventPort, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: IpcEventPort, ...args: unknown[]) => unknown) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke(channel, ...args) from a frame at `url` would get. */
  async invoke(url: string, channel: string, ...args: unknown[]) {
    return this.invokeFrom({ senderFrame: { url, parent: null } }, channel, ...args);
  }
  async invokeFrom(event: IpcEventPort, channel: string, ...args: unknown[]) {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(event, ...args);
  }
}

export function fakeElectron() {
  FakeTray.instances = [];
  FakeWindow.instances = [];
  const app = new FakeApp();
  const ipcMain = new FakeIpcMain();
  const opened: string[] = [];
  const external: string[] = [];
  const clipboard: string[] = [];
  const electron = {
    app,
    Tray: FakeTray,
    Menu: { buildFromTemplate: (template: MenuItemSpec[]) => ({ template }) },
    BrowserWindow: FakeWindow,
    ipcMain,
    nativeImage: { createEmpty: () => new FakeImage() },
    shell: {
      openPath: async (p: string) => (opened.push(p), ''),
      openExternal: async (url: string) => void external.push(url),
    },
    clipboard: { writeText: (text: string) => void clipboard.push(text) },
    safeStorage: {
      isEncryptionAvailable: () => true,
      encryptString: (s: string) => Buffer.from(s),
      decryptString: (b: Buffer) => b.toString(),
    },
  } satisfies ElectronPort;
  return {
    electron,
    app,
    ipcMain,
    opened,
    external,
    clipboard,
    tray: () => FakeTray.instances.at(-1)!,
    windows: () => FakeWindow.instances,
  };
}
