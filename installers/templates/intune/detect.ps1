# DevTrust detection script for Intune (Win32 app > Detection rules > Use a custom
# detection script). Intune treats the app as installed when this exits 0 AND writes
# to standard output; anything else means "not installed" and Intune (re)installs.
#
# It detects the installed product, never the running process: a user who quits the
# tray has not uninstalled it, and reinstalling over it would not start it either.
$ErrorActionPreference = 'SilentlyContinue'
$expectedCollector = '__COLLECTOR_URL__'

# 1. Windows Installer's record of the product (Apps & features), 64-bit view.
$uninstallKeys = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*'
$product = Get-ItemProperty -Path $uninstallKeys |
  Where-Object { $_.DisplayName -eq 'DevTrust' -and $_.Publisher -eq 'DevTrust' } |
  Select-Object -First 1
if (-not $product) { exit 1 }

# 2. Its files where the MSI puts them (a half-removed install has the record but no exe).
$installDir = if ($product.InstallLocation) { $product.InstallLocation } else { Join-Path $env:ProgramFiles 'DevTrust' }
$exe = Join-Path $installDir 'DevTrust.exe'
if (-not (Test-Path -LiteralPath $exe)) {
  $exe = Join-Path $env:ProgramFiles 'DevTrust\DevTrust.exe'
  if (-not (Test-Path -LiteralPath $exe)) { exit 1 }
}

# 3. Installed for this organization's collector (the MSI's HKLM policy values).
$policy = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Policies\DevTrust\Agent'
if (-not $policy -or -not $policy.collectorUrl -or ($policy.collectorUrl.TrimEnd('/') -ne $expectedCollector.TrimEnd('/'))) { exit 1 }

Write-Output "DevTrust $($product.DisplayVersion) installed for $($policy.collectorUrl)"
exit 0
