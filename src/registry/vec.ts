/** Growable typed-array vectors for build-time accumulation (amortized doubling, no per-item allocation). */
type Growable = Int32Array | Uint16Array;

class Vec<T extends Growable> {
  a: T;
  n = 0;
  constructor(private readonly make: (n: number) => T, cap: number) {
    this.a = make(cap);
  }
  push(v: number): void {
    if (this.n === this.a.length) this.reserve(this.n + 1);
    this.a[this.n++] = v;
  }
  /** Room for at least `cap` items (then write `a[n++]` directly in a hot loop). */
  reserve(cap: number): void {
    if (cap <= this.a.length) return;
    let size = Math.max(1, this.a.length * 2);
    while (size < cap) size *= 2;
    const b = this.make(size);
    b.set(this.a.subarray(0, this.n));
    this.a = b;
  }
  /** Appends all of xs. */
  append(xs: ArrayLike<number>): void {
    this.reserve(this.n + xs.length);
    this.a.set(xs, this.n);
    this.n += xs.length;
  }
  view(): T {
    return this.a.subarray(0, this.n) as T;
  }
}

export class I32Vec extends Vec<Int32Array> {
  /** `shared`: the array lives in a SharedArrayBuffer (worker threads can view it). */
  constructor(cap = 1024, shared = false) {
    super(shared ? (n) => new Int32Array(new SharedArrayBuffer(4 * n)) : (n) => new Int32Array(n), cap);
  }
}

/** 16-bit token hashes of registry entries. */
export class U16Vec extends Vec<Uint16Array> {
  constructor(cap = 1 << 16) {
    super((n) => new Uint16Array(n), cap);
  }
}

/** Strings stored back to back as UTF-8, with their offsets: written into one growing buffer, no Buffer per string. */
export class Utf8Blob {
  private buf = Buffer.allocUnsafe(1 << 16);
  size = 0;
  offsets: number[] = [0];
  private room(extra: number): void {
    const need = this.size + extra;
    if (need <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(need, 2 * this.buf.length));
    this.buf.copy(b, 0, 0, this.size);
    this.buf = b;
  }
  add(s: string): void {
    this.room(3 * s.length); // UTF-8 takes at most 3 bytes per UTF-16 unit
    this.size += this.buf.write(s, this.size, 'utf8');
    this.offsets.push(this.size);
  }
  bytes(): Uint8Array {
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.size);
  }
}
