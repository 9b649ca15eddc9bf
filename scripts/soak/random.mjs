// A reproducible random stream: draw n is the first 48 bits of sha256("<seed>:<n>"). Slow next to a real PRNG,
// and a soak draws a few thousand numbers, so that does not matter; what matters is that a seed names a run.
import { createHash } from 'node:crypto';

export class Random {
  #n = 0;

  constructor(seed) {
    this.seed = String(seed);
  }

  /** A float in [0, 1). */
  next() {
    const h = createHash('sha256').update(`${this.seed}:${this.#n++}`).digest();
    return h.readUIntBE(0, 6) / 2 ** 48;
  }

  /** A whole number in [lo, hi]. */
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p) {
    return this.next() < p;
  }

  pick(items) {
    return items[Math.floor(this.next() * items.length)];
  }

  /** `count` distinct items of `items`, in a random order. */
  sample(items, count) {
    const pool = [...items];
    const out = [];
    while (out.length < count && pool.length) out.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0]);
    return out;
  }
}
