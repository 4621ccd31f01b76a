/** Growable typed-array vectors for build-time accumulation (amortized doubling, no per-item allocation). */
type Growable = Int32Array | Uint16Array;

class Vec<T extends Growable> {
  a: T;
  n = 0;
  constructor(private readonly make: (n: number) => T, cap: number) {
    this.a = make(cap);
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = this.make(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  view(): T {
    return this.a.subarray(0, this.n) as T;
  }
}

export class I32Vec extends Vec<Int32Array> {
  constructor(cap = 1024) {
    super((n) => new Int32Array(n), cap);
  }
}

/** 16-bit token hashes of registry entries. */
export class U16Vec extends Vec<Uint16Array> {
  constructor(cap = 1 << 16) {
    super((n) => new Uint16Array(n), cap);
  }
}
