// rng.mjs — the seeded pseudo-random source of the differential test.
//
// One Rng per seed; everything the generator chooses comes from it, so a seed (with the same
// engine, forms and step count) replays the same statements. mulberry32: 32-bit state, fast,
// good enough for test-case generation (not for anything else).

export class Rng {
  constructor(seed) {
    this.s = (Number(BigInt.asUintN(32, BigInt(seed))) ^ 0x9e3779b9) >>> 0;
  }

  // a float in [0, 1)
  next() {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  // an integer in [lo, hi]
  int(lo, hi) { return lo + Math.floor(this.next() * (hi - lo + 1)); }

  // true with probability p
  chance(p) { return this.next() < p; }

  pick(arr) { return arr[Math.floor(this.next() * arr.length)]; }

  // pick among [weight, value] pairs
  weighted(pairs) {
    let total = 0;
    for (const [w] of pairs) total += w;
    let r = this.next() * total;
    for (const [w, v] of pairs) {
      if ((r -= w) < 0) return v;
    }
    return pairs[pairs.length - 1][1];
  }

  shuffle(arr) {
    const a = arr.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }

  // a random non-empty subset (order randomised)
  subset(arr, min = 1) {
    const a = this.shuffle(arr);
    return a.slice(0, this.int(Math.min(min, a.length), a.length));
  }
}
