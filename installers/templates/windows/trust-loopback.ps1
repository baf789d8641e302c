# DevTrust: lets every user's browser reach the agent's loopback door.
#
# Run as SYSTEM (or an administrator): from the MSI's install folder
#   powershell -ExecutionPolicy Bypass -File "C:\Program Files\DevTrust\trust-loopback.ps1"
# or as an Intune platform script / remediation on a schedule, so a certificate the tray
# makes (first start of each user, or a renewal) is trusted soon after.
#
# 1. Each user's tray makes its own loopback certificate at first start, in
#    %APPDATA%\DevTrust\loopback\localhost.crt.pem. Every such certificate is added to
#    the machine's Trusted Root store (certutil -addstore Root), which every browser on
#    the machine uses; older DevTrust loopback certificates are removed first.
# 2. Chrome and Edge policies (HKLM) let the collector's page call the door without the
#    Local Network Access prompt: LocalNetworkAccessAllowedForUrls (Chrome 139+, Edge
#    140+) and LoopbackNetworkAllowedForUrls (146+), listing the collector's origin only.
#
# Exit 0 when done (even with no certificate yet: run it again later); 1 on an error.
param([string]$Collector = '__COLLECTOR_URL__')
$ErrorActionPreference = 'Stop'
$certName = 'DevTrust agent loopback (localhost)'

# The installed MSI's copy has no collector filled in: it reads the one the MSI set.
if (-not $Collector -or $Collector -eq ('__COLLECTOR' + '_URL__')) {
  $policy = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Policies\DevTrust\Agent' -ErrorAction SilentlyContinue
  $Collector = if ($policy) { $policy.collectorUrl } else { $null }
}
if (-not $Collector) { Write-Error 'No collector URL: pass -Collector https://… or install the MSI with COLLECTORURL.'; exit 1 }
$origin = ([Uri]$Collector).GetLeftPart([UriPartial]::Authority)

# --- certificates: one per user profile that has run the tray ---------------------------
$profiles = Get-ChildItem -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList' |
  ForEach-Object { (Get-ItemProperty -LiteralPath $_.PSPath).ProfileImagePath } |
  Where-Object { $_ -and (Test-Path -LiteralPath $_) }
$certs = @()
foreach ($profilePath in $profiles) {
  $pem = Join-Path $profilePath 'AppData\Roaming\DevTrust\loopback\localhost.crt.pem'
  if (Test-Path -LiteralPath $pem) { $certs += $pem }
}
if ($certs.Count -gt 0) {
  # Renewed certificates replace the old ones: drop every DevTrust loopback root, add the current ones.
  & "$env:SystemRoot\System32\certutil.exe" -delstore Root $certName | Out-Null
  foreach ($pem in $certs) {
    & "$env:SystemRoot\System32\certutil.exe" -addstore -f Root $pem | Out-Null
    if ($LASTEXITCODE -ne 0) { Write-Error "certutil could not add $pem (exit $LASTEXITCODE)"; exit 1 }
    Write-Output "trusted $pem"
  }
} else {
  Write-Output 'no loopback certificate yet (the tray makes one at first sign-in): run this again later'
}

# --- browser policies: the collector's origin, added once ---------------------------------
function Add-PolicyListEntry([string]$key, [string]$value) {
  if (-not (Test-Path -LiteralPath $key)) { New-Item -Path $key -Force | Out-Null }
  $item = Get-ItemProperty -LiteralPath $key
  $names = @($item.PSObject.Properties | Where-Object { $_.Name -match '^\d+$' })
  if ($names | Where-Object { $_.Value -eq $value }) { return }
  $next = 1 + (@($names | ForEach-Object { [int]$_.Name }) + 0 | Measure-Object -Maximum).Maximum
  New-ItemProperty -LiteralPath $key -Name ([string]$next) -Value $value -PropertyType String -Force | Out-Null
}
foreach ($browser in 'HKLM:\SOFTWARE\Policies\Google\Chrome', 'HKLM:\SOFTWARE\Policies\Microsoft\Edge') {
  foreach ($policyName in 'LocalNetworkAccessAllowedForUrls', 'LoopbackNetworkAllowedForUrls') {
    Add-PolicyListEntry (Join-Path $browser $policyName) $origin
  }
}
Write-Output "Chrome and Edge allow $origin to reach the DevTrust agent"
exit 0
