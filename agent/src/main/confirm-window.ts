import type { ConfirmationView } from './confirm-view.js';
import type { ElectronPort, WindowPort } from './electron-port.js';
import { createLockedWindow } from './status-window.js';

export interface ConfirmWindowFiles {
  confirmHtml: string;
  preload: string;
}

/** Longest a question stays open when the collector gave no expiry. */
const MAX_OPEN_MS = 5 * 60_000;

interface Open {
  view: ConfirmationView;
  window: WindowPort;
  settle(allow: boolean): void;
}

/**
 * The devtrust:// confirmation: one small locked-down window at a time, showing the
 * application, the account and the collector's origin as labelled fields with Allow and
 * Cancel. Closing it or letting it expire counts as Cancel; a request arriving while it is
 * open is cancelled without being shown.
 */
export class ConfirmPrompt {
  private current: Open | null = null;

  constructor(
    private readonly electron: Pick<ElectronPort, 'BrowserWindow'>,
    private readonly files: ConfirmWindowFiles,
    private readonly devTools: boolean,
  ) {}

  /** What the confirmation page asks for over IPC. */
  view(): ConfirmationView | null {
    return this.current?.view ?? null;
  }

  /** Shows a question; resolves true only when the user pressed Allow in this window. */
  ask(view: ConfirmationView & { kind: 'ask' }): Promise<boolean> {
    return this.show(view, view.expiresAt ? Math.min(Math.max(Date.parse(view.expiresAt) - Date.now(), 0), MAX_OPEN_MS) : MAX_OPEN_MS);
  }

  /** Shows why a request was refused; there is nothing to allow. */
  tell(view: ConfirmationView & { kind: 'refused' }): void {
    void this.show(view, MAX_OPEN_MS);
  }

  /** The page's answer; false when no question is open (a refusal has nothing to allow). */
  answer(allow: boolean): boolean {
    const open = this.current;
    if (!open) return false;
    open.settle(open.view.kind === 'ask' && allow);
    return true;
  }

  private show(view: ConfirmationView, openMs: number): Promise<boolean> {
    // While one window is open, any other request is answered Cancel unseen: a page that
    // could replace or stack windows could swap its own request in under the user's click.
    if (this.current) return Promise.resolve(false);
    const window = createLockedWindow(this.electron, {
      file: this.files.confirmHtml,
      preload: this.files.preload,
      devTools: this.devTools,
      width: 460,
      height: 360,
      resizable: false,
      title: view.kind === 'ask' ? 'DevTrust — confirm sign-in' : 'DevTrust — sign-in refused',
    });
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const timer = setTimeout(() => open.settle(false), openMs);
      timer.unref?.();
      const open: Open = {
        view,
        window,
        settle: (allow) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (this.current === open) this.current = null;
          if (!window.isDestroyed()) window.close();
          resolve(allow);
        },
      };
      window.on('closed', () => open.settle(false));
      this.current = open;
    });
  }
}
