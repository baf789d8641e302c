// The preload of the tray's windows (status and confirmation). Sandboxed preloads run as CommonJS with no module loader
// for our own files, so this file is self-contained: the channel names are repeated
// here and checked against main/ipc-channels.ts by the compiler (the `satisfies` below).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS on purpose: sandboxed preloads cannot be ES modules
import electron = require('electron');
import type { IPC_CHANNELS } from '../main/ipc-channels.js' with { 'resolution-mode': 'import' };
import type { DevTrustApi, StatusView } from './api.js' with { 'resolution-mode': 'import' };

const CHANNELS = {
  getStatus: 'devtrust:get-status',
  checkNow: 'devtrust:check-now',
  openLogs: 'devtrust:open-logs',
  openSupport: 'devtrust:open-support',
  copyIdentifier: 'devtrust:copy-identifier',
  statusChanged: 'devtrust:status-changed',
  getConfirmation: 'devtrust:get-confirmation',
  answerConfirmation: 'devtrust:answer-confirmation',
} as const satisfies typeof IPC_CHANNELS;

const { contextBridge, ipcRenderer } = electron;

// Only invoke wrappers and one listener that never hands the renderer the IPC event
// (which would expose ipcRenderer itself).
const api: DevTrustApi = {
  getStatus: () => ipcRenderer.invoke(CHANNELS.getStatus),
  checkNow: () => ipcRenderer.invoke(CHANNELS.checkNow),
  openLogs: () => ipcRenderer.invoke(CHANNELS.openLogs),
  openSupport: () => ipcRenderer.invoke(CHANNELS.openSupport),
  copyIdentifier: (field) => ipcRenderer.invoke(CHANNELS.copyIdentifier, field),
  getConfirmation: () => ipcRenderer.invoke(CHANNELS.getConfirmation),
  answerConfirmation: (allow) => ipcRenderer.invoke(CHANNELS.answerConfirmation, allow === true),
  onStatus(callback) {
    const listener = (_event: unknown, view: StatusView) => callback(view);
    ipcRenderer.on(CHANNELS.statusChanged, listener);
    return () => {
      ipcRenderer.removeListener(CHANNELS.statusChanged, listener);
    };
  },
};

contextBridge.exposeInMainWorld('devtrust', api);
