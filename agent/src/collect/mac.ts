/**
 * MAC address rules shared by the per-OS probes. A MAC is only worth reporting when it
 * belongs to a physical NIC and stays put: virtual, VPN, container and bridge interfaces
 * come and go, and randomised ("private") addresses change per network or per boot.
 */

/** "00-1A-2B-3C-4D-5E", "001A2B3C4D5E", "0:1a:2b:3c:4d:5e" → "00:1a:2b:3c:4d:5e"; null when not a MAC. */
export function canonicalMac(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null;
  const text = raw.trim();
  let octets: string[];
  if (/^[0-9a-f]{12}$/i.test(text)) octets = text.match(/../g) ?? [];
  else if (/^[0-9a-f]{1,2}([:-][0-9a-f]{1,2}){5}$/i.test(text)) octets = text.split(/[:-]/).map((o) => o.padStart(2, '0'));
  else return null;
  return octets.join(':').toLowerCase();
}

const firstOctet = (mac: string) => Number.parseInt(mac.slice(0, 2), 16);

/** The U/L bit: set on addresses a host or hypervisor made up rather than a vendor burned in. */
export function isLocallyAdministered(mac: string): boolean {
  return (firstOctet(mac) & 0b10) !== 0;
}

/** All-zero, broadcast and multicast addresses are never one NIC's own. */
export function isNonUnicast(mac: string): boolean {
  return mac === '00:00:00:00:00:00' || (firstOctet(mac) & 0b1) !== 0;
}

/**
 * Interface names of loopback, tunnels, bridges, containers, hypervisors, Apple's
 * peer-to-peer links and Bluetooth PAN (bnep: its address is the Bluetooth radio's,
 * which an MDM inventory records as the Bluetooth address, not a network one).
 */
export const VIRTUAL_INTERFACE_NAME =
  /^(bnep|lo|docker|veth|br-|bridge|virbr|vmnet|vboxnet|utun|tun|tap|wg|tailscale|zt|awdl|llw|anpi|ap\d|gif|stf|ifb|dummy|bond|team|macvtap|macvlan|cni|flannel|cali|kube|podman|lxc|lxd|ip6tnl|sit|gre|nlmon|vxlan|genev)/i;

/**
 * Windows adapter descriptions of virtual, VPN and loopback adapters (a safety net behind
 * `-Physical`), and Bluetooth PAN, which `-Physical` lists: "Bluetooth Device (Personal Area Network)".
 */
export const VIRTUAL_ADAPTER_DESCRIPTION =
  /(Bluetooth Device|Personal Area Network|Hyper-V Virtual|VMware Virtual|VirtualBox Host-Only|TAP-Windows|Wintun|WireGuard|Tailscale|ZeroTier|WAN Miniport|Npcap Loopback|KM-TEST Loopback|Wi-Fi Direct Virtual|AnyConnect|Secure Client Virtual|GlobalProtect|PANGP|Fortinet|Juniper|Check Point Virtual)/i;

export interface MacCandidate {
  mac: string | null | undefined;
  /** The OS says this is the NIC's permanent (burned-in or hypervisor-assigned) address. */
  permanent: boolean;
}

/**
 * Keeps the addresses worth matching: unicast, and either permanent or universally
 * administered. A locally administered address the OS does not call permanent is
 * most likely randomised; a permanent one is kept (clouds assign those to their NICs).
 * Returns sorted, de-duplicated canonical MACs.
 */
export function stableMacs(candidates: readonly MacCandidate[]): string[] {
  const kept = new Set<string>();
  for (const candidate of candidates) {
    const mac = canonicalMac(candidate.mac);
    if (mac === null || isNonUnicast(mac)) continue;
    if (isLocallyAdministered(mac) && !candidate.permanent) continue;
    kept.add(mac);
  }
  return [...kept].sort();
}
