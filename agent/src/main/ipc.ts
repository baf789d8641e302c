import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { IpcEventPort, IpcMainPort } from './electron-port.js';
import { COPYABLE_FIELDS, IPC_CHANNELS, type CopyableField } from './ipc-channels.js';
import type { ConfirmationView } from './confirm-view.js';
import type { StatusView } from './status-view.js';

export interface IpcHandlers {
  getStatus(): StatusView;
  checkNow(): Promise<StatusView>;
  openLogs(): Promise<void>;
  openSupport(): Promise<void>;
  copyIdentifier(field: CopyableField): boolean;
  getConfirmation(): ConfirmationView | null;
  answerConfirmation(allow: boolean): boolean;
}

/** Thrown back to the renderer for arguments that do not fit; the message says no more. */
export class IpcRefused extends Error {
  constructor(channel: string) {
    super(`${channel}: refused`);
    this.name = 'IpcRefused';
  }
}

/**
 * Only our own page, in its top frame, may call the main process: a frame that navigated
 * elsewhere, an iframe or any other page gets nothing. Each channel names its page, so
 * the status window cannot answer a confirmation.
 */
export function isOwnPage(event: IpcEventPort, indexHtml: string): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent) return false;
  try {
    const url = new URL(frame.url);
    // No host: a file://server/share/… URL (a UNC path on Windows) is someone else's file.
    return url.protocol === 'file:' && url.host === '' && url.pathname === pathToFileURL(indexHtml).pathname;
  } catch {
    return false;
  }
}

const noArgs = (args: unknown[]): boolean => args.length === 0;
const isCopyable = (value: unknown): value is CopyableField =>
  typeof value === 'string' && (COPYABLE_FIELDS as readonly string[]).includes(value);

export function registerIpc(
  ipcMain: IpcMainPort,
  options: { indexHtml: string; confirmHtml: string; handlers: IpcHandlers; log: Logger },
): () => void {
  const { handlers, log, indexHtml, confirmHtml } = options;
  const routes: Array<[string, string, (args: unknown[]) => boolean, (args: unknown[]) => unknown]> = [
    [IPC_CHANNELS.getStatus, indexHtml, noArgs, () => handlers.getStatus()],
    [IPC_CHANNELS.checkNow, indexHtml, noArgs, () => handlers.checkNow()],
    [IPC_CHANNELS.openLogs, indexHtml, noArgs, () => handlers.openLogs()],
    [IPC_CHANNELS.openSupport, indexHtml, noArgs, () => handlers.openSupport()],
    [
      IPC_CHANNELS.copyIdentifier,
      indexHtml,
      (args) => args.length === 1 && isCopyable(args[0]),
      (args) => handlers.copyIdentifier(args[0] as CopyableField),
    ],
    [IPC_CHANNELS.getConfirmation, confirmHtml, noArgs, () => handlers.getConfirmation()],
    [
      IPC_CHANNELS.answerConfirmation,
      confirmHtml,
      (args) => args.length === 1 && typeof args[0] === 'boolean',
      (args) => handlers.answerConfirmation(args[0] as boolean),
    ],
  ];
  for (const [channel, page, valid, run] of routes) {
    ipcMain.handle(channel, (event, ...args) => {
      if (!isOwnPage(event, page)) {
        log.warn({ channel, sender: event.senderFrame?.url ?? null }, 'IPC from an unknown sender dropped');
        return undefined;
      }
      if (!valid(args)) throw new IpcRefused(channel);
      return run(args);
    });
  }
  return () => {
    for (const [channel] of routes) ipcMain.removeHandler(channel);
  };
}
