/** A growable set of small non-negative integers, one bit each (32 per word). */
export class SubscriberBitset {
  words: Uint32Array;

  constructor(capacityBits = 1024) {
    this.words = new Uint32Array(Math.max(1, Math.ceil(capacityBits / 32)));
  }

  /** Adds `index`. */
  add(index: number): void {
    const word = index >>> 5;
    if (word >= this.words.length) this.grow(word + 1);
    this.words[word]! |= 1 << (index & 31);
  }

  /** Removes `index`. */
  delete(index: number): void {
    const word = index >>> 5;
    if (word < this.words.length) this.words[word]! &= ~(1 << (index & 31));
  }

  /** Whether `index` is in the set. */
  has(index: number): boolean {
    const word = index >>> 5;
    return word < this.words.length && (this.words[word]! & (1 << (index & 31))) !== 0;
  }

  private grow(minWords: number): void {
    // 1.25× keeps the slack small at millions of users; the copies cost O(1) per add amortized.
    const next = new Uint32Array(Math.max(minWords, Math.ceil(this.words.length * 1.25) + 32));
    next.set(this.words);
    this.words = next;
  }
}

/** Set bits of a 32-bit word. */
export function popcount32(value: number): number {
  let v = value >>> 0;
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * Users in `base` and in at least one bitset of each group (AND of ORs), word by word. A group
 * with no bitset matches nobody. Reads the words as they are when it is built (an add that grows
 * a bitset later is not seen).
 */
export class SubscriberBitsetQuery {
  /** Words to read: beyond the shortest AND operand, every word is 0. */
  readonly length: number;
  private readonly base: Uint32Array;
  /** Groups of one bitset (plain ANDs). */
  private readonly single: Uint32Array[] = [];
  /** Groups of several bitsets (ORed, then ANDed). */
  private readonly multiple: Uint32Array[][] = [];

  constructor(base: SubscriberBitset, groups: ReadonlyArray<readonly SubscriberBitset[]>) {
    this.base = base.words;
    let length = base.words.length;
    for (const group of groups) {
      let longest = 0;
      for (const bitset of group) longest = Math.max(longest, bitset.words.length);
      length = Math.min(length, longest);
      if (group.length === 1) this.single.push(group[0]!.words);
      else this.multiple.push(group.map((bitset) => bitset.words));
    }
    this.length = length;
  }

  /** The matching bits of word `w` (as a signed 32-bit number). */
  word(w: number): number {
    let value = this.base[w]! | 0;
    const single = this.single;
    for (let g = 0; g < single.length && value !== 0; g++) value &= single[g]![w]!;
    const multiple = this.multiple;
    for (let g = 0; g < multiple.length && value !== 0; g++) {
      const group = multiple[g]!;
      let any = 0;
      for (let i = 0; i < group.length; i++) any |= group[i]![w] ?? 0;
      value &= any;
    }
    return value;
  }

  /** Number of matching users. */
  count(): number {
    const { base, single, length } = this;
    let total = 0;
    if (this.multiple.length === 0 && single.length <= 1) {
      // The common cases (everyone, one country…) as one tight loop.
      const other = single[0];
      for (let w = 0; w < length; w++) {
        const value = other ? base[w]! & other[w]! : base[w]!;
        if (value !== 0) total += popcount32(value);
      }
      return total;
    }
    for (let w = 0; w < length; w++) {
      const value = this.word(w);
      if (value !== 0) total += popcount32(value);
    }
    return total;
  }
}
