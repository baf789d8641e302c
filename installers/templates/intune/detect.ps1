# DevTrust detection script for Intune (Win32 app > Detection rules > Use a custom
# detection script). Intune treats the app as installed when this exits 0 AND writes
# to standard output; anything else means "not installed" and Intune (re)installs.
$ErrorActionPreference = 'SilentlyContinue'
$expectedCollector = '__COLLECTOR_URL__'

$exe = Join-Path $env:ProgramFiles 'DevTrust\DevTrust.exe'
if (-not (Test-Path -LiteralPath $exe)) { exit 1 }

# Installed by our MSI with the organization's collector (HKLM policy values).
$policy = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Policies\DevTrust\Agent'
if (-not $policy -or ($policy.collectorUrl.TrimEnd('/') -ne $expectedCollector.TrimEnd('/'))) { exit 1 }

$version = (Get-Item -LiteralPath $exe).VersionInfo.ProductVersion
$running = Get-Process -Name 'DevTrust' | Where-Object { $_.Path -eq $exe }
if ($running) {
  Write-Output "DevTrust $version installed and running"
  exit 0
}

# The tray app starts at sign-in (HKLM Run key). Right after a silent install, or with
# nobody signed in, it cannot be running yet: count that as installed.
$signedIn = Get-Process -Name 'explorer' -IncludeUserName | Where-Object { $_.UserName }
$justInstalled = (Get-Item -LiteralPath $exe).LastWriteTime -gt (Get-Date).AddMinutes(-30)
if (-not $signedIn -or $justInstalled) {
  Write-Output "DevTrust $version installed; it starts at the next sign-in"
  exit 0
}
exit 1
