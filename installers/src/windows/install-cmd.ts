/**
 * One msiexec property value on a .cmd line: inside double quotes cmd leaves & | < > ^
 * alone; a quote is doubled (msiexec's escape, and an even number of quotes keeps cmd's
 * quoting in step); % is doubled because cmd expands it even inside quotes in a batch
 * file; delayed expansion is off in the script, so ! is literal.
 */
export function cmdMsiProperty(name: string, value: string): string {
  if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`not a public MSI property name: ${name}`);
  if (/[\r\n]/.test(value) || value.includes('\0')) throw new Error(`${name} cannot hold line breaks`);
  return `${name}="${value.replace(/"/g, '""').replace(/%/g, '%%')}"`;
}

export function buildInstallCmd(settings: {
  collectorUrl: string;
  previousCollectorUrls?: string[];
  enrollmentKey: string;
  trustedEndpointsKey?: string;
  trustedEndpointIdentifier?: string;
}): string {
  const properties = [cmdMsiProperty('COLLECTORURL', settings.collectorUrl), cmdMsiProperty('ENROLLMENTKEY', settings.enrollmentKey)];
  // One registry string, split at blanks by the agent.
  if (settings.previousCollectorUrls?.length)
    properties.push(cmdMsiProperty('PREVIOUSCOLLECTORURLS', settings.previousCollectorUrls.join(' ')));
  // The MDM fills its device ID variable into the command line it runs (where it does).
  if (settings.trustedEndpointsKey && settings.trustedEndpointIdentifier)
    properties.push(
      cmdMsiProperty('TRUSTEDENDPOINTSKEY', settings.trustedEndpointsKey),
      cmdMsiProperty('TRUSTEDENDPOINTIDENTIFIER', settings.trustedEndpointIdentifier),
    );
  return [
    '@echo off',
    'rem DevTrust silent install, made by devtrust-installers. Run as administrator',
    'rem (Intune Win32 app, Configuration Manager, GPO startup script) beside DevTrust.msi.',
    'rem It holds the enrollment key: keep it where only administrators can read it.',
    'setlocal EnableExtensions DisableDelayedExpansion',
    'set "MSI=%~dp0DevTrust.msi"',
    `msiexec.exe /i "%MSI%" /qn /norestart /l*v "%TEMP%\\DevTrust-install.log" ${properties.join(' ')}`,
    'set "RC=%ERRORLEVEL%"',
    'rem 3010: installed, a restart was requested; the agent runs without one.',
    'if "%RC%"=="3010" exit /b 0',
    'exit /b %RC%',
    '',
  ].join('\r\n');
}
