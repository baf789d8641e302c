import { PLATFORMS, type Platform } from '@devtrust/shared/identity';

/** Other names MDM exports and people write for a platform. */
const PLATFORM_ALIASES: Record<string, Platform> = {
  mac: 'macos',
  osx: 'macos',
  'mac os': 'macos',
  darwin: 'macos',
  win: 'windows',
  win32: 'windows',
  'mac os x': 'macos',
  'os x': 'macos',
  ipados: 'ios',
};

/** An MDM export's OS with its version ("macOS 14.2.1", "Windows 11 Enterprise", "iPadOS 17"): the platform word. */
const PLATFORM_WITH_VERSION = /^(windows|macos|mac os x|mac os|os x|ios|ipados|android|linux)(?=[\s\d(]|$)/;

/**
 * A Linux distribution's name, with or without its version and edition, as inventories of Linux
 * machines write their OS ("Ubuntu 22.04.3 LTS", "Red Hat Enterprise Linux 9.3", "Debian
 * GNU/Linux 12 (bookworm)", "SLES 15 SP5"): every one is the platform `linux` agents report.
 * ChromeOS is not among them: its devices are not Linux machines to an MDM.
 */
const LINUX_DISTRIBUTION =
  /^(ubuntu|kubuntu|xubuntu|debian|fedora|red ?hat|rhel|centos|rocky|almalinux|alma linux|opensuse|suse|sles|sled|arch|archlinux|manjaro|linux ?mint|pop!?_? ?os|amazon linux|oracle linux|kali|elementary os|zorin os|gentoo|nixos)(?=[\s\d(/_-]|$)/;

/**
 * Words that make a distribution's name something else: Linux under Windows (WSL, "for
 * Windows"), a phone (Ubuntu Touch, Linux on Android). Such a cell is refused, not guessed.
 */
const NOT_A_LINUX_MACHINE = /\b(windows|wsl|android|touch|ios|macos|mac os)\b/;

/**
 * The platform a CSV cell names, null for an empty cell, or undefined when it names none
 * DevTrust knows (the caller refuses the row, naming the cell).
 */
export function csvPlatform(cell: string): Platform | null | undefined {
  const raw = cell.trim().toLowerCase();
  if (raw === '') return null;
  if (LINUX_DISTRIBUTION.test(raw)) return NOT_A_LINUX_MACHINE.test(raw) ? undefined : 'linux';
  const word = PLATFORM_WITH_VERSION.exec(raw)?.[1] ?? raw;
  // Own keys only: a cell such as "constructor" must not read Object.prototype.
  const candidate = Object.hasOwn(PLATFORM_ALIASES, word) ? (PLATFORM_ALIASES[word] as Platform) : word;
  return (PLATFORMS as readonly string[]).includes(candidate) ? (candidate as Platform) : undefined;
}
