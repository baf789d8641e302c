import { isIPv6 } from 'node:net';

/**
 * The key a per-address limit counts a client by: an IPv4 address as it is, and an IPv6
 * address by its /64 prefix (`2001:db8:1:2::/64`). An IPv6 subscriber is given a whole /64
 * and picks any address in it, so keyed by address each of its 2^64 addresses had a fresh
 * budget: twenty wrong API keys from twenty addresses of one /64 were never limited (re-review
 * r6). Every spelling of one address gives one key, and an IPv4-mapped IPv6 address is its
 * IPv4 address. Logs keep the whole address (http/client-address.ts).
 */
export function addressKey(address: string): string {
  if (!isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  const [a, b, c, d, e, f, g, h] = groups as [number, number, number, number, number, number, number, number];
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0xffff) return `${g >> 8}.${g & 0xff}.${h >> 8}.${h & 0xff}`;
  return `${[a, b, c, d].map((n) => n.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of an address `isIPv6` accepted (`::` expanded, an IPv4 tail as two groups); null for a zone. */
function ipv6Groups(address: string): number[] | null {
  if (address.includes('%')) return null;
  let text = address.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [w, x, y, z] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((w << 8) | x).toString(16)}:${((y << 8) | z).toString(16)}`;
  }
  const halves = text.split('::');
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const parts = halves.length === 2 ? [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail] : head;
  return parts.length === 8 ? parts.map((part) => parseInt(part, 16)) : null;
}
