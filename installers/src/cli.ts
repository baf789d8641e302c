import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageVersion } from '@devtrust/shared/cli/command-line';
import { withoutSecrets } from '@devtrust/shared/protocol/url-secrets';
import {
  collectorSetting,
  collectorUrl,
  enrollmentKey,
  parseFlags,
  previousCollectorUrls,
  requiredPath,
  UsageError,
  type Flags,
} from './args.js';
import { buildMsi, MsiBuildError, WIXL_CANDIDATES } from './msi/build-msi.js';
import { writePayloads } from './payloads.js';
import { trustedEndpointSettings } from './trusted-endpoints.js';

const VERSION = packageVersion(new URL('../package.json', import.meta.url));

const PAYLOADS_HELP = `  devtrust-installers payloads --collector URL --enrollment-key KEY --out DIR
        [--support-url URL] [--disallow-quit] [--mdm KIND --trusted-endpoints-key KEY]
        [--previous-collector-url URL]...
      --previous-collector-url: an earlier URL of this same collector (repeatable); agents enrolled
      under it keep their enrollment instead of enrolling again (docs/agent.md)
      DIR/macos/devtrust.mobileconfig   configuration profile (agent settings + Chrome/Edge policy)
      DIR/windows/DevTrust.admx, DIR/windows/en-US/DevTrust.adml   Group Policy / Intune ADMX
      DIR/windows/install.cmd           silent msiexec line with COLLECTORURL and ENROLLMENTKEY
      DIR/intune/detect.ps1             Intune detection script (the installed product, not the running tray)
      DIR/intune/trust-loopback.ps1     trusts each user's loopback certificate, sets Chrome/Edge local-network policies
      with --mdm (workspace-one, mobileiron-core, intune, jamf-pro, kandji) and the integration's configuration key,
      the profile and install.cmd also carry the key and the MDM's device ID variable (MDM-asserted identity), and:
      DIR/ios/managed-app-config.plist  iOS managed app configuration for a mobile client (none ships
                                        with DevTrust: docs/mdm-asserted-identity.md#mobile-clients-ios-android)
      DIR/android/managed-config.json   Android managed configuration for a mobile client (likewise)
`;
const MSI_HELP = `  devtrust-installers msi --agent-dir DIR --out FILE.msi [--version X.Y.Z] [--wixl PATH]
      builds the Windows installer from the packaged agent (DIR holds DevTrust.exe) with wixl;
      it installs trust-loopback.ps1 beside DevTrust.exe
`;
const HELP = `devtrust-installers ${VERSION}: what MDM tools deploy for DevTrust.

${PAYLOADS_HELP}
${MSI_HELP}
  devtrust-installers --version         print the version
  devtrust-installers COMMAND --help    help for one command

Deployment guides: installers/docs/.
`;

function firstWixl(explicit: Flags[string] | undefined): string {
  if (typeof explicit === 'string') return explicit;
  const found = WIXL_CANDIDATES.find((candidate) => existsSync(candidate));
  if (!found) throw new UsageError('wixl not found: install it (Debian: apt-get install -y wixl msitools) or pass --wixl PATH');
  return found;
}

/** The agent's version, for the MSI's ProductVersion (MSI wants N.N.N). */
function agentVersion(explicit: Flags[string] | undefined): string {
  const version =
    typeof explicit === 'string'
      ? explicit
      : (JSON.parse(readFileSync(new URL('../../agent/package.json', import.meta.url), 'utf8')) as { version: string }).version;
  if (!/^\d{1,3}\.\d{1,3}\.\d{1,5}$/.test(version)) throw new UsageError(`--version "${version}" must be N.N.N (an MSI ProductVersion)`);
  return version;
}

async function payloads(argv: string[]): Promise<number> {
  const flags = parseFlags(
    argv,
    ['--collector', '--enrollment-key', '--out', '--support-url', '--mdm', '--trusted-endpoints-key'],
    ['--disallow-quit'],
    ['--previous-collector-url'],
  );
  if (flags['--help']) {
    process.stdout.write(PAYLOADS_HELP);
    return 0;
  }
  const url = collectorUrl(flags['--collector']);
  // Agents use the collector's address alone (a path would only earn a warning on every device).
  // (A query or fragment was refused; a path is named through withoutSecrets all the same: "%3F" in it reads as "?".)
  if (!/^\/*$/.test(url.pathname))
    process.stderr.write(
      `devtrust-installers: warning: --collector ${withoutSecrets(url.href)} is more than a collector's address: the payloads hold ${url.origin}, the only part agents use\n`,
    );
  const key = enrollmentKey(flags['--enrollment-key']);
  // The collector URL itself as an earlier one moves nothing (the agent compares addresses):
  // most likely the old and new URLs were mixed up, so say so, and leave it out.
  const previous = previousCollectorUrls(flags['--previous-collector-url']).filter((earlier) => {
    if (earlier !== url.origin) return true;
    process.stderr.write(
      `devtrust-installers: warning: --previous-collector-url ${earlier} is the address of --collector itself, not an earlier one: left out (list the URL agents reached the collector by before the move)\n`,
    );
    return false;
  });
  if (url.protocol === 'http:')
    process.stderr.write(
      `devtrust-installers: warning: --collector ${url.origin} is plain http://: the enrollment key and every device report travel unencrypted, and browsers on HTTPS pages refuse it; use https:// outside a lab\n`,
    );
  const out = requiredPath(flags, '--out');
  const supportRaw = flags['--support-url'];
  if (supportRaw !== undefined && (typeof supportRaw !== 'string' || !/^https:\/\/[^\s]+$/i.test(supportRaw)))
    throw new UsageError('--support-url must be an https:// URL');
  const trusted = trustedEndpointSettings(flags['--mdm'], flags['--trusted-endpoints-key']);
  const settings = {
    ...(trusted ?? {}),
    collectorUrl: collectorSetting(url),
    ...(previous.length > 0 ? { previousCollectorUrls: previous } : {}),
    enrollmentKey: key,
    ...(flags['--disallow-quit'] ? { disallowQuit: true } : {}),
    ...(typeof supportRaw === 'string' ? { supportUrl: supportRaw } : {}),
  };
  const written = await writePayloads(out, settings, url.origin);
  for (const file of written) process.stdout.write(`wrote ${file}\n`);
  return 0;
}

async function msi(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, ['--agent-dir', '--out', '--version', '--wixl']);
  if (flags['--help']) {
    process.stdout.write(MSI_HELP);
    return 0;
  }
  const agentDir = requiredPath(flags, '--agent-dir');
  const out = requiredPath(flags, '--out');
  if (!existsSync(agentDir) || !statSync(agentDir).isDirectory()) throw new UsageError(`--agent-dir ${agentDir} is not a directory`);
  if (!existsSync(path.join(agentDir, 'DevTrust.exe')))
    throw new UsageError(`--agent-dir ${agentDir} has no DevTrust.exe (use electron-builder's win-unpacked folder)`);
  if (!out.toLowerCase().endsWith('.msi')) throw new UsageError('--out must name a .msi file');
  await buildMsi({ agentDir, out, version: agentVersion(flags['--version']), wixl: firstWixl(flags['--wixl']) });
  process.stdout.write(`wrote ${out}\n`);
  return 0;
}

/** devtrust-installers: returns the exit code; bad input is one line on stderr and 2. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'payloads') return await payloads(rest);
    if (command === 'msi') return await msi(rest);
    if (command === undefined || command === 'help') {
      (command === undefined ? process.stderr : process.stdout).write(HELP);
      return command === undefined ? 2 : 0;
    }
    if (command.startsWith('-')) {
      const flags = parseFlags(argv, [], ['--version']);
      process.stdout.write(flags['--version'] ? `devtrust-installers ${VERSION}\n` : HELP);
      return 0;
    }
    throw new UsageError(`unknown command "${command}" (payloads or msi; see --help)`);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`devtrust-installers: ${error.message}\n`);
      return 2;
    }
    if (error instanceof MsiBuildError) {
      process.stderr.write(`devtrust-installers: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`devtrust-installers: ${(error as Error).message}\n`);
    return 1;
  }
}

// Run directly (node --import tsx installers/src/cli.ts …); the bin imports main() instead.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
