// The tray app's entry: the only module that imports Electron itself.
import { app, BrowserWindow, clipboard, ipcMain, Menu, nativeImage, safeStorage, shell, Tray } from 'electron';
import { bootTrayApp } from './boot.js';
import type { ElectronPort } from './electron-port.js';

const electron: ElectronPort = {
  app,
  BrowserWindow,
  clipboard,
  ipcMain,
  Menu,
  nativeImage,
  safeStorage,
  shell,
  // The one cast: Tray wants a NativeImage, and the ImagePort we hand it is always one
  // (made by nativeImage.createEmpty above); the port type cannot say so without
  // re-declaring NativeImage's whole surface.
  Tray: Tray as unknown as ElectronPort['Tray'],
};

bootTrayApp(electron).catch((error: unknown) => {
  process.stderr.write(`devtrust: cannot start: ${(error as Error).stack ?? String(error)}\n`);
  app.exit(1);
});
