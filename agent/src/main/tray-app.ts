import type { Logger } from 'pino';
import type { AgentStatus } from '../core/agent.js';
import type { ManagedSettings } from '../config/managed/types.js';
import { collectorOrigin, unsafeRefusal } from './confirm-view.js';
import { ConfirmPrompt } from './confirm-window.js';
import type { ElectronPort, ImagePort, TrayPort, WindowPort } from './electron-port.js';
import { IPC_CHANNELS, type CopyableField } from './ipc-channels.js';
import { registerIpc } from './ipc.js';
import { attestTxFromUrl, PROTOCOL_SCHEME, protocolUrlInArgv } from './protocol-url.js';
import { toStatusView, type StatusView, type TrayState } from './status-view.js';
import { createStatusWindow, lockDown, reveal, type StatusWindowFiles } from './status-window.js';
import { trayImage } from './tray-icons.js';
import { trayMenu } from './tray-menu.js';

/** What the tray needs of the agent core (the real `Agent` fits). */
export interface TrayAgent {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): AgentStatus;
  reportNow(): Promise<void>;
  attest(transactionId: string): Promise<unknown>;
  describeTransaction(transactionId: string): Promise<{ application: string; username: string; expiresAt?: string }>;
  on(event: 'status', listener: () => void): unknown;
}

/** Made after `ready` (safeStorage needs it); a problem instead when the agent is not set up. */
export type AgentFactory = () => Promise<{ agent: TrayAgent; managed: ManagedSettings } | { problem: string; managed: ManagedSettings }>;

export interface TrayAppOptions {
  files: StatusWindowFiles;
  createAgent: AgentFactory;
  logDir: string;
  log: Logger;
  version: string;
  /** This process's argv: on Windows a cold start by a devtrust:// link carries the URL. */
  argv: readonly string[];
  platform: NodeJS.Platform;
  /** This executable (process.execPath), for the Windows protocol registration. */
  execPath: string;
}

/** devtrust:// attestations accepted per minute: a page spamming links cannot make the agent spin. */
const URL_ATTESTS_PER_MINUTE = 10;

/** Describe refusals that mean "this text could disguise the request": the user is told, not asked. */
const UNSAFE_CODES = new Set(['UNSAFE_TEXT', 'TRANSACTION_UNSAFE']);

/** The tray app: one per user session, over the same agent core as the headless CLI. */
export class TrayApp {
  private tray: TrayPort | null = null;
  private window: WindowPort | null = null;
  private agent: TrayAgent | null = null;
  private managed: ManagedSettings = {};
  private problem: string | null = null;
  private readonly images = new Map<TrayState, ImagePort>();
  private readonly confirm: ConfirmPrompt;
  private readonly pendingUrls: string[] = [];
  private readonly urlAttests: number[] = [];
  private isReady = false;
  private quitting = false;
  private stopped = false;

  /** Takes the single-instance lock; null (and the process quits) when another instance has it. */
  static async start(electron: ElectronPort, options: TrayAppOptions): Promise<TrayApp | null> {
    if (!electron.app.requestSingleInstanceLock()) {
      electron.app.quit();
      return null;
    }
    const tray = new TrayApp(electron, options);
    tray.listen();
    await electron.app.whenReady();
    await tray.ready();
    return tray;
  }

  private constructor(
    private readonly electron: ElectronPort,
    private readonly options: TrayAppOptions,
  ) {
    this.confirm = new ConfirmPrompt(electron, options.files, !electron.app.isPackaged);
  }

  private listen(): void {
    const { app } = this.electron;
    // A second launch (login item, Start menu, or Windows handing us a devtrust:// link).
    app.on('second-instance', (_event: unknown, argv: string[]) => {
      const url = protocolUrlInArgv(argv ?? []);
      if (url) void this.handleUrl(url);
      else this.showStatus();
    });
    // macOS delivers links here, possibly before `ready`: registered first thing.
    app.on('open-url', (event: { preventDefault(): void }, url: string) => {
      event.preventDefault();
      void this.handleUrl(url);
    });
    // A tray app outlives its window.
    app.on('window-all-closed', () => undefined);
    // Defence in depth: whatever web contents appear, none may navigate or open windows.
    app.on('web-contents-created', (_event: unknown, contents: WindowPort['webContents']) => lockDown(contents));
    app.on('before-quit', () => {
      this.quitting = true;
    });
    app.on('will-quit', (event: { preventDefault(): void }) => {
      if (this.stopped || !this.agent) return;
      event.preventDefault();
      void this.agent.stop().finally(() => {
        this.stopped = true;
        app.quit();
      });
    });
  }

  private async ready(): Promise<void> {
    const { app, Tray, ipcMain } = this.electron;
    if (app.isPackaged) {
      app.setLoginItemSettings({ openAtLogin: true });
      // On Windows this writes HKCU, which wins over the MSI's HKLM entry: it must carry
      // the same "--" that stops a crafted link from becoming a Chromium switch.
      if (this.options.platform === 'win32') app.setAsDefaultProtocolClient(PROTOCOL_SCHEME, this.options.execPath, ['--']);
      else app.setAsDefaultProtocolClient(PROTOCOL_SCHEME);
    }
    if (this.options.platform === 'darwin') app.dock?.hide();
    this.tray = new Tray(this.image('attention'));
    this.tray.on('click', () => this.showStatus());
    registerIpc(ipcMain, {
      indexHtml: this.options.files.indexHtml,
      confirmHtml: this.options.files.confirmHtml,
      log: this.options.log,
      handlers: {
        getStatus: () => this.view(),
        checkNow: () => this.checkNow(),
        openLogs: () => this.openLogs(),
        openSupport: () => this.openSupport(),
        copyIdentifier: (field) => this.copyIdentifier(field),
        getConfirmation: () => this.confirm.view(),
        answerConfirmation: (allow) => this.confirm.answer(allow),
      },
    });
    const made = await this.options.createAgent();
    this.managed = made.managed;
    if ('agent' in made) {
      this.agent = made.agent;
      this.agent.on('status', () => this.refresh());
      try {
        await this.agent.start();
      } catch (error) {
        this.problem = `The agent could not start: ${(error as Error).message}`;
        this.options.log.error({ err: (error as Error).message }, 'agent start failed');
      }
    } else {
      this.problem = made.problem;
    }
    this.isReady = true;
    this.refresh();
    const coldStartUrl = protocolUrlInArgv(this.options.argv);
    if (coldStartUrl) this.pendingUrls.push(coldStartUrl);
    // Not awaited: start-up does not wait for a person to answer a confirmation.
    for (const url of this.pendingUrls.splice(0)) void this.handleUrl(url);
  }

  view(): StatusView {
    const status = this.agent && !this.problem ? this.agent.status() : null;
    return toStatusView(status, { managed: this.managed, version: this.options.version, problem: this.problem });
  }

  private image(state: TrayState): ImagePort {
    let image = this.images.get(state);
    if (!image) this.images.set(state, (image = trayImage(this.electron.nativeImage, state)));
    return image;
  }

  refresh(): void {
    if (!this.tray) return;
    const view = this.view();
    this.tray.setImage(this.image(view.state));
    this.tray.setToolTip(`DevTrust — ${view.headline}`);
    this.tray.setContextMenu(
      this.electron.Menu.buildFromTemplate(
        trayMenu(view, {
          showStatus: () => this.showStatus(),
          checkNow: () => void this.checkNow(),
          openLogs: () => void this.openLogs(),
          quit: () => this.quit(),
        }),
      ),
    );
    if (this.window && !this.window.isDestroyed()) this.window.webContents.send(IPC_CHANNELS.statusChanged, view);
  }

  /**
   * devtrust://attest?tx=… → after the user confirms the application, the account and the
   * collector in the confirmation window, the agent attests that transaction; anything else
   * is ignored. The confirmation matters: any web page can open such a link, including one
   * for somebody else's sign-in, so what it shows comes in labelled fields the page lays
   * out itself, and a description carrying control or bidi characters is refused, not shown.
   */
  async handleUrl(url: string): Promise<void> {
    if (!this.isReady) {
      this.pendingUrls.push(url);
      return;
    }
    const tx = attestTxFromUrl(url);
    if (!tx) {
      this.options.log.warn({ length: url.length }, 'ignored a devtrust:// link that is not attest?tx=<id>');
      return;
    }
    const now = Date.now();
    while (this.urlAttests.length > 0 && (this.urlAttests[0] as number) < now - 60_000) this.urlAttests.shift();
    if (!this.agent || this.problem || this.urlAttests.length >= URL_ATTESTS_PER_MINUTE) {
      this.options.log.warn(
        { tx },
        this.agent ? 'devtrust:// attestation refused (rate limit or agent not running)' : 'devtrust:// link while the agent is not set up',
      );
      return;
    }
    this.urlAttests.push(now);
    const collector = collectorOrigin(this.agent.status().collectorUrl);
    try {
      let info: Awaited<ReturnType<TrayAgent['describeTransaction']>>;
      try {
        info = await this.agent.describeTransaction(tx);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && UNSAFE_CODES.has(code)) {
          this.options.log.warn({ tx, code, err: (error as Error).message }, 'devtrust:// link refused: unsafe text in its description');
          this.confirm.tell(unsafeRefusal(collector, (error as Error).message));
          return;
        }
        throw error;
      }
      const allowed = await this.confirm.ask({
        kind: 'ask',
        application: info.application,
        username: info.username,
        collector,
        expiresAt: info.expiresAt ?? null,
      });
      if (!allowed) {
        this.options.log.info({ tx }, 'the user declined a devtrust:// attestation');
        return;
      }
      await this.agent.attest(tx);
      this.options.log.info({ tx }, 'attested from a devtrust:// link');
    } catch (error) {
      this.options.log.warn({ tx, err: (error as Error).message }, 'attestation from a devtrust:// link failed');
    }
    this.refresh();
  }

  showStatus(): void {
    if (this.window && !this.window.isDestroyed()) {
      reveal(this.window);
      return;
    }
    const window = createStatusWindow(this.electron, this.options.files, !this.electron.app.isPackaged);
    window.on('close', (event: { preventDefault(): void }) => {
      // Hide rather than destroy, so the tray reopens it instantly; really close on quit.
      if (this.quitting) return;
      event.preventDefault();
      window.hide();
    });
    this.window = window;
  }

  private async checkNow(): Promise<StatusView> {
    try {
      await this.agent?.reportNow();
    } catch (error) {
      this.options.log.warn({ err: (error as Error).message }, 'check now failed');
    }
    this.refresh();
    return this.view();
  }

  private async openLogs(): Promise<void> {
    const problem = await this.electron.shell.openPath(this.options.logDir);
    if (problem) this.options.log.warn({ problem }, 'cannot open the log folder');
  }

  private async openSupport(): Promise<void> {
    const url = this.view().managed.supportUrl;
    if (url) await this.electron.shell.openExternal(url);
  }

  private copyIdentifier(field: CopyableField): boolean {
    const view = this.view();
    const value = field === 'endpointId' ? view.connection.endpointId : view.identity[field];
    if (!value) return false;
    this.electron.clipboard.writeText(value);
    return true;
  }

  quit(): void {
    if (this.managed.disallowQuit) return;
    this.quitting = true;
    this.electron.app.quit();
  }
}
