import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildDetectPs1, buildTrustLoopbackPs1 } from './intune/detect-ps1.js';
import { buildMobileconfig, type AgentSettings } from './macos/mobileconfig.js';
import { buildAndroidManagedConfig, buildIosAppConfig } from './trusted-endpoints.js';
import { readTemplate } from './templates.js';
import { buildInstallCmd } from './windows/install-cmd.js';

/** Every file `devtrust-installers payloads` writes, relative to --out. */
export const PAYLOAD_FILES = [
  'macos/devtrust.mobileconfig',
  'windows/DevTrust.admx',
  'windows/en-US/DevTrust.adml',
  'windows/install.cmd',
  'intune/detect.ps1',
  'intune/trust-loopback.ps1',
] as const;

/** Written besides PAYLOAD_FILES with --mdm: the mobile client's managed app configurations. */
export const MOBILE_PAYLOAD_FILES = ['ios/managed-app-config.plist', 'android/managed-config.json'] as const;

export async function writePayloads(outDir: string, settings: AgentSettings, collectorOrigin: string): Promise<string[]> {
  const contents: Record<(typeof PAYLOAD_FILES)[number], string> = {
    'macos/devtrust.mobileconfig': buildMobileconfig(settings, collectorOrigin),
    'windows/DevTrust.admx': await readTemplate('windows/DevTrust.admx'),
    'windows/en-US/DevTrust.adml': await readTemplate('windows/en-US/DevTrust.adml'),
    'windows/install.cmd': buildInstallCmd(settings),
    'intune/detect.ps1': await buildDetectPs1(settings.collectorUrl),
    'intune/trust-loopback.ps1': await buildTrustLoopbackPs1(settings.collectorUrl),
  };
  const files: [string, string][] = PAYLOAD_FILES.map((relative) => [relative, contents[relative]]);
  // With --mdm: the mobile client's managed app configurations as well (the desktop payloads above already carry both settings).
  if (settings.trustedEndpointsKey && settings.trustedEndpointIdentifier) {
    const trusted = { trustedEndpointsKey: settings.trustedEndpointsKey, trustedEndpointIdentifier: settings.trustedEndpointIdentifier };
    files.push([MOBILE_PAYLOAD_FILES[0], buildIosAppConfig(trusted)], [MOBILE_PAYLOAD_FILES[1], buildAndroidManagedConfig(trusted)]);
  }
  const written: string[] = [];
  for (const [relative, text] of files) {
    const file = path.join(outDir, relative);
    await mkdir(path.dirname(file), { recursive: true });
    // The profile, install.cmd and app configurations hold keys: owner-only where the OS honours it.
    await writeFile(file, text, { mode: 0o600 });
    written.push(file);
  }
  return written;
}
