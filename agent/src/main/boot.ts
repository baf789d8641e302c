import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { AgentConfigError, loadAgentConfig } from '../config/config.js';
import { platformManagedReader } from '../config/managed/index.js';
import { Agent } from '../core/agent.js';
import { platformKeyStore } from '../keys/platform-key-store.js';
import { platformDeviceKeyStores } from '../keys/select-device-key.js';
import { loopbackTlsProvider } from '../loopback/tls.js';
import { loopbackCertCommand, type CommandIo } from '../loopback/tls-command.js';
import { AGENT_VERSION } from '../version.js';
import type { ElectronPort } from './electron-port.js';
import { TrayApp, type AgentFactory } from './tray-app.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Where the packaged app finds its window (dist/renderer) and preload (dist/preload). */
export const APP_FILES = {
  indexHtml: path.join(here, '..', 'renderer', 'index.html'),
  confirmHtml: path.join(here, '..', 'renderer', 'confirm.html'),
  preload: path.join(here, '..', 'preload', 'index.cjs'),
};

/**
 * Real wiring of the tray app: log file, configuration (managed settings first), the
 * key in Electron safeStorage, the loopback certificate, the agent core.
 */
export async function bootTrayApp(
  electron: ElectronPort,
  env: NodeJS.ProcessEnv = process.env,
  argv: readonly string[] = process.argv,
  io?: CommandIo,
): Promise<TrayApp | null> {
  // `DevTrust loopback-cert --data-dir DIR`: the pkg postinstall's way to make the
  // certificate without a UI (the packaged app has no Node to run devtrust-agent with).
  const certCommand = argv.indexOf('loopback-cert');
  if (certCommand > 0) {
    electron.app.exit(await loopbackCertCommand(argv.slice(certCommand + 1), io));
    return null;
  }
  const logDir = electron.app.getPath('logs');
  const log = pino(
    { level: env.DEVTRUST_AGENT_LOG_LEVEL ?? 'info', base: { service: 'devtrust-tray' } },
    pino.destination({ dest: path.join(logDir, 'devtrust.log'), mkdir: true, sync: false }),
  );

  const createAgent: AgentFactory = async () => {
    const managedResult = await platformManagedReader()();
    const managed = managedResult.settings;
    const userData = electron.app.getPath('userData');
    const userConfig = path.join(userData, 'config.json');
    // Electron's own argv is not ours to parse: the tray takes no flags, only managed
    // settings, DEVTRUST_AGENT_* variables and an optional config.json in its folder.
    const argv = [
      ...(env.DEVTRUST_AGENT_DATA_DIR ? [] : ['--data-dir', userData]),
      ...(existsSync(userConfig) ? ['--config', userConfig] : []),
    ];
    try {
      const config = await loadAgentConfig({ argv, env, managedReader: async () => managedResult });
      for (const warning of config.warnings) log.warn(warning);
      const agent = new Agent(config, {
        log: log.child({ component: 'agent' }),
        keyStore: platformKeyStore({ dataDir: config.dataDir, safeStorage: electron.safeStorage }),
        deviceKeys: platformDeviceKeyStores({
          dataDir: config.dataDir,
          safeStorage: electron.safeStorage,
          asSystem: false,
          hardware: config.hardwareKey ?? 'auto',
        }),
        loopbackTls: loopbackTlsProvider(config.dataDir, log),
      });
      return { agent, managed };
    } catch (error) {
      if (!(error instanceof AgentConfigError)) throw error;
      log.error({ err: error.message }, 'not configured');
      return { problem: `Not configured (${error.message}). Ask your IT department.`, managed };
    }
  };

  return TrayApp.start(electron, {
    files: APP_FILES,
    createAgent,
    logDir,
    log,
    version: AGENT_VERSION,
    argv,
    platform: process.platform,
    execPath: process.execPath,
  });
}
