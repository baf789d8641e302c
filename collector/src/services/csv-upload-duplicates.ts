import type { SingleIdentifierKind } from '../domain/identifiers.js';

/**
 * Which identifiers more than one row of an upload holds, in bounded memory. A Set of the
 * normalised strings took ~260 MB for 2,000,000 identifiers (a million rows with a serial and a
 * hardware UUID); here each identifier is kept as a 64-bit fingerprint in an open-addressed
 * table of typed arrays, 9 bytes a slot: 2^22 slots (36 MB) for those two million.
 *
 * Limits, said in the warning where they bite:
 * - at most MAX_SLOTS slots (72 MB), filled to 3/4: past ~6.3 million distinct identifiers,
 *   new ones are no longer remembered (those already seen are still checked);
 * - two different identifiers share a fingerprint with odds of about n²/2^65 (1 in 10^7 at two
 *   million): such a pair would be counted as one duplicate. A warning, never a verdict: the
 *   store's findings name the real duplicates.
 */
const INITIAL_SLOTS = 1 << 16;
const MAX_SLOTS = 1 << 23;
/** Distinct identifiers remembered at most (three quarters of MAX_SLOTS), as the warning says it. */
export const DUPLICATE_CHECK_LIMIT = ((MAX_SLOTS / 4) * 3).toLocaleString('en-US');
/** Examples named in the warning. */
const NAMED = 3;

const EMPTY = 0;
const SEEN = 1;
/** Seen in a second row, and counted. */
const COUNTED = 2;

export class DuplicateIdentifiers {
  /** Distinct identifiers held by more than one row. */
  count = 0;
  /** The first few of them, as [kind, value]. */
  readonly examples: [SingleIdentifierKind, string][] = [];
  /** Whether the table filled up, so identifiers past it went unchecked. */
  full = false;
  private hi = new Uint32Array(INITIAL_SLOTS);
  private lo = new Uint32Array(INITIAL_SLOTS);
  private state = new Uint8Array(INITIAL_SLOTS);
  private size = 0;

  /** Notes one row's identifier (normalised, as stored); rows never hold one identifier twice. */
  add(kind: SingleIdentifierKind, value: string): void {
    const [hi, lo] = fingerprint(`${kind}\u0000${value}`);
    const slot = this.find(hi, lo);
    const state = this.state[slot];
    if (state === SEEN) {
      this.state[slot] = COUNTED;
      this.count++;
      if (this.examples.length < NAMED) this.examples.push([kind, value]);
      return;
    }
    if (state === COUNTED) return;
    if (!this.roomForOneMore()) {
      this.full = true;
      return;
    }
    // The table may have grown: the slot found before is no longer the one.
    const free = this.find(hi, lo);
    this.hi[free] = hi;
    this.lo[free] = lo;
    this.state[free] = SEEN;
    this.size++;
  }

  /** The slot holding the fingerprint, or the empty slot where it would go (linear probing). */
  private find(hi: number, lo: number): number {
    const mask = this.state.length - 1;
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    while (this.state[slot] !== EMPTY && (this.hi[slot] !== hi || this.lo[slot] !== lo)) slot = (slot + 1) & mask;
    return slot;
  }

  /** Grows the table at half full; at MAX_SLOTS, takes new identifiers up to three quarters. */
  private roomForOneMore(): boolean {
    const slots = this.state.length;
    if (this.size + 1 <= slots / 2) return true;
    if (slots >= MAX_SLOTS) return this.size + 1 <= (slots / 4) * 3;
    const { hi, lo, state } = this;
    this.hi = new Uint32Array(slots * 2);
    this.lo = new Uint32Array(slots * 2);
    this.state = new Uint8Array(slots * 2);
    for (let i = 0; i < slots; i++) {
      if (state[i] === EMPTY) continue;
      const to = this.find(hi[i] as number, lo[i] as number);
      this.hi[to] = hi[i] as number;
      this.lo[to] = lo[i] as number;
      this.state[to] = state[i] as number;
    }
    return true;
  }
}

/** Two 32-bit hashes of the text (cyrb53's mixing, kept to 64 bits). */
function fingerprint(text: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}
