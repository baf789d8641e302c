import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { stableUuid } from '../uuid.js';
import { xmlEscape } from '../xml.js';

/** Never changes: Windows Installer finds earlier DevTrust installs by it. */
export const UPGRADE_CODE = 'B7E1C0A4-5D2F-4E8B-9A61-3F0D2C7E9B15';
export const EXE_NAME = 'DevTrust.exe';
/** Installed beside DevTrust.exe: trusts each user's loopback certificate, sets the browser policies. */
export const TRUST_SCRIPT = 'trust-loopback.ps1';
const POLICY_KEY = 'SOFTWARE\\Policies\\DevTrust\\Agent';

export interface AgentTree {
  /** Folder path relative to the agent dir ('' for the root) → file names in it. */
  folders: Map<string, string[]>;
}

export async function readAgentTree(agentDir: string): Promise<AgentTree> {
  const folders = new Map<string, string[]>();
  async function walk(relative: string): Promise<void> {
    const entries = await readdir(path.join(agentDir, relative), { withFileTypes: true });
    const files: string[] = [];
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory()) await walk(path.posix.join(relative, entry.name));
      else if (entry.isFile()) files.push(entry.name);
    }
    folders.set(relative, files);
  }
  await walk('');
  return { folders };
}

/** WiX ids: letters, digits, _ and . only, 72 characters at most; stable per path. */
const wixId = (prefix: string, relative: string): string => `${prefix}_${createHash('sha1').update(relative).digest('hex').slice(0, 24)}`;

/** Sources are relative to the agent dir: wixl 0.101 runs there and cannot open absolute paths. */
function directoryXml(tree: AgentTree, relative: string, indent: string): string[] {
  const lines: string[] = [];
  for (const file of tree.folders.get(relative) ?? []) {
    const filePath = path.posix.join(relative, file);
    lines.push(
      `${indent}<Component Id="${wixId('c', filePath)}" Guid="${stableUuid('devtrust-msi-component', filePath)}">`,
      `${indent}  <File Id="${wixId('f', filePath)}" Name="${xmlEscape(file)}" Source="${xmlEscape(filePath)}" KeyPath="yes" />`,
      `${indent}</Component>`,
    );
  }
  const children = [...tree.folders.keys()].filter(
    (other) => other !== relative && path.posix.dirname(other) === (relative === '' ? '.' : relative),
  );
  for (const child of children.sort()) {
    lines.push(
      `${indent}<Directory Id="${wixId('d', child)}" Name="${xmlEscape(path.posix.basename(child))}">`,
      ...directoryXml(tree, child, `${indent}  `),
      `${indent}</Directory>`,
    );
  }
  return lines;
}

function componentIds(tree: AgentTree): string[] {
  return [...tree.folders].flatMap(([relative, files]) => files.map((file) => wixId('c', path.posix.join(relative, file))));
}

/** A registry value in its own component, keyed by the value (no file to key it on). */
function registry(id: string, key: string, name: string | null, value: string, type: 'string' | 'integer' = 'string'): string[] {
  const nameAttr = name === null ? '' : ` Name="${xmlEscape(name)}"`;
  return [
    `      <Component Id="${id}" Guid="${stableUuid('devtrust-msi-registry', id)}">`,
    `        <RegistryValue Root="HKLM" Key="${xmlEscape(key)}"${nameAttr} Type="${type}" Value="${xmlEscape(value)}" KeyPath="yes" />`,
    '      </Component>',
  ];
}

/**
 * The WiX source of the DevTrust MSI: the agent's files under Program Files\DevTrust,
 * the managed policy values from the COLLECTORURL / ENROLLMENTKEY (/ PREVIOUSCOLLECTORURLS) properties, the
 * devtrust:// protocol, and a Run key that starts the tray at every sign-in.
 */
export function buildWxs(tree: AgentTree, version: string, extras: { trustScript?: string } = {}): string {
  if (!tree.folders.get('')?.includes(EXE_NAME)) throw new Error(`${EXE_NAME} is not at the top of the agent dir`);
  const scriptPath = extras.trustScript?.split(path.sep).join('/');
  const scriptComponent = scriptPath
    ? [
        `          <Component Id="TrustLoopbackScript" Guid="${stableUuid('devtrust-msi-component', TRUST_SCRIPT)}">`,
        `            <File Id="TrustLoopbackScriptFile" Name="${TRUST_SCRIPT}" Source="${xmlEscape(scriptPath)}" KeyPath="yes" />`,
        '          </Component>',
      ]
    : [];
  const exe = `[INSTALLDIR]${EXE_NAME}`;
  const registryComponents = [
    ...registry('PolicyCollectorUrl', POLICY_KEY, 'collectorUrl', '[COLLECTORURL]'),
    ...registry('PolicyEnrollmentKey', POLICY_KEY, 'enrollmentKey', '[ENROLLMENTKEY]'),
    // Earlier URLs of the collector (space-separated), whose enrollments the agent moves to
    // COLLECTORURL; left empty (ignored) when not given.
    ...registry('PolicyPreviousCollectorUrls', POLICY_KEY, 'previousCollectorUrls', '[PREVIOUSCOLLECTORURLS]'),
    // MDM-asserted identity; left empty (and so ignored by the agent) when not given.
    ...registry('PolicyTrustedEndpointsKey', POLICY_KEY, 'trustedEndpointsKey', '[TRUSTEDENDPOINTSKEY]'),
    ...registry('PolicyTrustedEndpointIdentifier', POLICY_KEY, 'trustedEndpointIdentifier', '[TRUSTEDENDPOINTIDENTIFIER]'),
    ...registry('ProtocolName', 'SOFTWARE\\Classes\\devtrust', null, 'URL:DevTrust attestation'),
    ...registry('ProtocolMarker', 'SOFTWARE\\Classes\\devtrust', 'URL Protocol', ''),
    ...registry('ProtocolIcon', 'SOFTWARE\\Classes\\devtrust\\DefaultIcon', null, `"${exe}",0`),
    // "--" ends Chromium's switches: nothing in a crafted link can become a flag.
    ...registry('ProtocolOpen', 'SOFTWARE\\Classes\\devtrust\\shell\\open\\command', null, `"${exe}" -- "%1"`),
    ...registry('RunAtSignIn', 'SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run', 'DevTrust', `"${exe}"`),
  ];
  const registryIds = registryComponents.filter((line) => line.includes('<Component ')).map((line) => /Id="([^"]+)"/.exec(line)![1]!);
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">',
    `  <Product Id="${stableUuid('devtrust-msi-product', version)}" Name="DevTrust" Language="1033" Version="${xmlEscape(version)}" Manufacturer="DevTrust" UpgradeCode="${UPGRADE_CODE}">`,
    '    <Package InstallerVersion="500" Compressed="yes" InstallScope="perMachine" Description="DevTrust agent" Manufacturer="DevTrust" />',
    '    <Media Id="1" Cabinet="devtrust.cab" EmbedCab="yes" />',
    // COLLECTORURL and ENROLLMENTKEY are public properties set on the msiexec line (by an
    // administrator: wixl's MajorUpgrade owns SecureCustomProperties, so a non-admin
    // elevated install would not pass them). The key is kept out of verbose logs.
    '    <Property Id="MsiHiddenProperties" Value="ENROLLMENTKEY;TRUSTEDENDPOINTSKEY" />',
    // A newer DevTrust replaces the installed one; an older one refuses to install over it.
    '    <MajorUpgrade DowngradeErrorMessage="A newer version of DevTrust is already installed." />',
    '    <Property Id="ARPNOMODIFY" Value="1" />',
    '    <Directory Id="TARGETDIR" Name="SourceDir">',
    '      <Directory Id="ProgramFiles64Folder">',
    '        <Directory Id="INSTALLDIR" Name="DevTrust">',
    ...directoryXml(tree, '', '          '),
    ...scriptComponent,
    '        </Directory>',
    '      </Directory>',
    ...registryComponents,
    '    </Directory>',
    '    <Feature Id="DevTrust" Title="DevTrust" Level="1">',
    ...[...componentIds(tree), ...(scriptPath ? ['TrustLoopbackScript'] : []), ...registryIds].map(
      (id) => `      <ComponentRef Id="${id}" />`,
    ),
    '    </Feature>',
    '  </Product>',
    '</Wix>',
    '',
  ].join('\n');
}
