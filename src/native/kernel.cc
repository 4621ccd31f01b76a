// contamscan's optional native kernel, loaded by src/fingerprint/native.ts. Per sample, one call each:
// - the fingerprint loops of src/fingerprint (tokenizeText, tokenizeCode, shingle, minhash), with the same arithmetic,
//   so the hashes are bit-for-bit the JS ones. The character, keyword and Baker tables are built in JS and handed
//   in: one source of truth;
// - the registry key search of match.ts lookup (Bloom filter, then KeyTable16 bucket walk, with software prefetch:
//   probe) and the postings of what it found (postings).
// And hugePages(), advice for the registry's shared buffer. test/native.test.ts compares every function with the
// JS code; CONTAMSCAN_NATIVE=0 turns the kernel off.
//
// Per-thread state (the copied sample text, Baker's identifier table, scratch) lives in the N-API instance data,
// so each worker thread has its own; the only memory threads share is the read-only registry. The character tables
// are kept alive by references; they are private to tokenize.ts and never transferred, so their buffers stay put.
#include <node_api.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace {

constexpr uint32_t FNV_PRIME_1 = 0x01000193u;
constexpr uint32_t FNV_PRIME_2 = 0x5bd1e995u;
constexpr uint32_t ROLL_B1 = 0x01000193u;
constexpr uint32_t ROLL_B2 = 0x2127599bu | 1u;
constexpr int IDENT_SLOTS = 65536;
constexpr int KW_SLOTS = 1024;
constexpr uint8_t C_SKIP = 0, C_IDENT = 1, C_DIGIT = 2;

inline uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

struct State {
  // tables from JS (kept alive by references)
  const uint16_t* textChar = nullptr;
  const uint8_t* codeClass = nullptr;
  const uint8_t* identPart = nullptr;
  const uint8_t* codeChar = nullptr;
  napi_ref refs[4] = {nullptr, nullptr, nullptr, nullptr};
  std::vector<char16_t> text;
  size_t len = 0;
  // Baker's identifier table: the JS code's direct-mapped table of IDENT_SLOTS slots (identifier hash -> its last
  // token position, valid for the current sample only), kept as a sparse set (Briggs and Torczon, "An efficient
  // representation for sparse sets", 1993): slot s holds live[sparse[s]] when sparse[s] < nLive and that entry's
  // slot is s. No clearing between samples (nLive = 0), and the table read for every identifier is 128 KiB of
  // uint16 that stays in L2, where the JS layout's {key, position, epoch} slots took 768 KiB: the Code loop spent
  // 44% of its time waiting on that read (perf annotate, 2026-11-23).
  struct Live {
    int32_t key;
    int32_t pos;
    uint32_t slot;
  };
  std::vector<uint16_t> sparse;
  std::vector<Live> live;
  std::vector<int32_t> cand;
  std::vector<uint32_t> orig;
  State() : sparse(IDENT_SLOTS), live(IDENT_SLOTS) {}
};

void finalizeState(napi_env env, void* data, void*) {
  State* s = static_cast<State*>(data);
  for (napi_ref r : s->refs)
    if (r) napi_delete_reference(env, r);
  delete s;
}

State* state(napi_env env) {
  void* d = nullptr;
  napi_get_instance_data(env, &d);
  return static_cast<State*>(d);
}

bool fail(napi_env env, const char* msg) {
  napi_throw_type_error(env, "E_NATIVE", msg);
  return false;
}

template <typename T>
bool typed(napi_env env, napi_value v, napi_typedarray_type want, T** out, size_t* len) {
  napi_typedarray_type type;
  size_t n;
  void* data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, &n, &data, &ab, &off) != napi_ok || type != want) return fail(env, "contamscan kernel: wrong typed array argument");
  *out = static_cast<T*>(data);
  if (len) *len = n;
  return true;
}

template <typename T>
bool element(napi_env env, napi_value arr, uint32_t i, napi_typedarray_type want, T** out, size_t* len) {
  napi_value v;
  if (napi_get_element(env, arr, i, &v) != napi_ok) return fail(env, "contamscan kernel: missing array element");
  return typed(env, v, want, out, len);
}

bool args(napi_env env, napi_callback_info info, size_t want, napi_value* argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < want) return fail(env, "contamscan kernel: missing arguments");
  return true;
}

int32_t i32(napi_env env, napi_value v) {
  int32_t x = 0;
  napi_get_value_int32(env, v, &x);
  return x;
}

napi_value num(napi_env env, double x) {
  napi_value r;
  napi_create_double(env, x, &r);
  return r;
}

// init(textChar: Uint16Array, codeClass: Uint8Array, identPart: Uint8Array, codeChar: Uint8Array)
napi_value Init(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, 4, argv)) return nullptr;
  State* s = state(env);
  size_t n0, n1, n2, n3;
  uint16_t* textChar;
  uint8_t *codeClass, *identPart, *codeChar;
  if (!typed(env, argv[0], napi_uint16_array, &textChar, &n0) || !typed(env, argv[1], napi_uint8_array, &codeClass, &n1) ||
      !typed(env, argv[2], napi_uint8_array, &identPart, &n2) || !typed(env, argv[3], napi_uint8_array, &codeChar, &n3))
    return nullptr;
  if (n0 != 65536 || n1 != 65536 || n2 != 65536 || n3 != 65536) {
    fail(env, "contamscan kernel: character tables must have 65536 entries");
    return nullptr;
  }
  // the tables are used only once all four are known good, and kept alive by the references below
  s->textChar = textChar;
  s->codeClass = codeClass;
  s->identPart = identPart;
  s->codeChar = codeChar;
  for (int i = 0; i < 4; i++) {
    if (s->refs[i]) napi_delete_reference(env, s->refs[i]);
    napi_create_reference(env, argv[i], 1, &s->refs[i]);
  }
  return nullptr;
}

// load(text: string): copies the sample's UTF-16 code units once for the calls that follow; returns its length.
napi_value Load(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv)) return nullptr;
  State* s = state(env);
  size_t n = 0;
  if (napi_get_value_string_utf16(env, argv[0], nullptr, 0, &n) != napi_ok) {
    fail(env, "contamscan kernel: load() takes a string");
    return nullptr;
  }
  if (s->text.size() < n + 1) s->text.resize(n + 1 + n / 2);
  napi_get_value_string_utf16(env, argv[0], s->text.data(), n + 1, &n);
  s->len = n;
  return num(env, static_cast<double>(n));
}

// A tokenizer's four output arrays: token n is stored while it fits, counted either way.
struct Out {
  int32_t *h1, *h2, *st, *en;
  size_t cap;
  void put(size_t n, int32_t a, int32_t b, size_t start, size_t end) const {
    if (n >= cap) return;
    h1[n] = a;
    h2[n] = b;
    st[n] = static_cast<int32_t>(start);
    en[n] = static_cast<int32_t>(end);
  }
  // n tokens, or -n when they did not all fit (the caller grows its arrays and calls again)
  napi_value result(napi_env env, size_t n) const { return num(env, n <= cap ? static_cast<double>(n) : -static_cast<double>(n)); }
};

bool outArrays(napi_env env, napi_value* v, Out* o) {
  size_t a, b, c, d;
  if (!typed(env, v[0], napi_int32_array, &o->h1, &a) || !typed(env, v[1], napi_int32_array, &o->h2, &b) ||
      !typed(env, v[2], napi_int32_array, &o->st, &c) || !typed(env, v[3], napi_int32_array, &o->en, &d))
    return false;
  o->cap = a < b ? a : b;
  if (c < o->cap) o->cap = c;
  if (d < o->cap) o->cap = d;
  return true;
}

// text(seed1, seed2, h1, h2, start, end, info: Int32Array) -> token count, or -(token count) when the arrays are
// too short (nothing past their end is written; grow them and call again). info[0] = code characters seen.
napi_value Text(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!args(env, info, 7, argv)) return nullptr;
  State* s = state(env);
  if (!s->textChar) {
    fail(env, "contamscan kernel: init() first");
    return nullptr;
  }
  const uint32_t seed1 = static_cast<uint32_t>(i32(env, argv[0]));
  const uint32_t seed2 = static_cast<uint32_t>(i32(env, argv[1]));
  Out o;
  int32_t* inf;
  size_t ninf;
  if (!outArrays(env, argv + 2, &o) || !typed(env, argv[6], napi_int32_array, &inf, &ninf)) return nullptr;
  if (ninf < 1) {
    fail(env, "contamscan kernel: text() info must hold 1 value");
    return nullptr;
  }
  const char16_t* t = s->text.data();
  const size_t len = s->len;
  const uint16_t* TC = s->textChar;
  const uint8_t* CC = s->codeChar;
  size_t n = 0, i = 0;
  int32_t codeChars = 0;
  while (i < len) {
    uint16_t c = t[i];
    uint32_t f = TC[c];
    if (f == 0) {
      codeChars += CC[c];
      i++;
      continue;
    }
    const size_t st = i;
    uint32_t a = seed1, b = seed2;
    for (;;) {
      a = (a ^ f) * FNV_PRIME_1;
      b = (b ^ f) * FNV_PRIME_2;
      if (++i >= len) break;
      f = TC[t[i]];
      if (f == 0) break;
    }
    o.put(n++, static_cast<int32_t>(fmix32(a)), static_cast<int32_t>(fmix32(b)), st, i);
  }
  inf[0] = codeChars;
  return o.result(env, n);
}

// Sampling level of a shingle: trailing zero bits of lane 2, capped at 7 (match.ts levelOf).
inline uint32_t levelOf(uint32_t v) {
  const uint32_t tz = v == 0 ? 7u : static_cast<uint32_t>(__builtin_ctz(v));
  return tz < 7 ? tz : 7;
}

inline bool isKeyword(const int32_t* slots, bool zero, int32_t h) {
  if (h == 0) return zero;
  uint32_t u = static_cast<uint32_t>(h);
  uint32_t slot = (u ^ (u >> 16)) & (KW_SLOTS - 1);
  for (;;) {
    int32_t v = slots[slot];
    if (v == h) return true;
    if (v == 0) return false;
    slot = (slot + 1) & (KW_SLOTS - 1);
  }
}

// code(seed1, seed2, kwSlots: Int32Array(1024), kwZero: 0|1, baker: Int32Array(512), h1, h2, start, end) -> as text()
napi_value Code(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!args(env, info, 9, argv)) return nullptr;
  State* s = state(env);
  if (!s->codeClass) {
    fail(env, "contamscan kernel: init() first");
    return nullptr;
  }
  const uint32_t seed1 = static_cast<uint32_t>(i32(env, argv[0]));
  const uint32_t seed2 = static_cast<uint32_t>(i32(env, argv[1]));
  int32_t *kw, *baker;
  size_t nkw, nbaker;
  if (!typed(env, argv[2], napi_int32_array, &kw, &nkw) || !typed(env, argv[4], napi_int32_array, &baker, &nbaker)) return nullptr;
  if (nkw != KW_SLOTS || nbaker != 512) {
    fail(env, "contamscan kernel: keyword table must have 1024 slots and the Baker table 512 entries");
    return nullptr;
  }
  const bool kwZero = i32(env, argv[3]) != 0;
  Out o;
  if (!outArrays(env, argv + 5, &o)) return nullptr;
  // a new sample: no slot is live (the JS code moves to a new epoch)
  uint16_t* sparse = s->sparse.data();
  State::Live* live = s->live.data();
  uint32_t nLive = 0;
  const char16_t* t = s->text.data();
  const size_t len = s->len;
  const uint8_t* CLS = s->codeClass;
  const uint8_t* IP = s->identPart;
  size_t n = 0, i = 0;
  while (i < len) {
    const uint16_t c = t[i];
    const uint8_t cls = CLS[c];
    if (cls == C_SKIP) {
      i++;
      continue;
    }
    const size_t st = i;
    uint32_t a = seed1, b = seed2;
    bool ident = false;
    if (cls == C_IDENT || cls == C_DIGIT) {
      ident = cls == C_IDENT;
      const uint8_t lim = ident ? 2 : 3;
      uint32_t d = c;
      for (;;) {
        a = (a ^ d) * FNV_PRIME_1;
        b = (b ^ d) * FNV_PRIME_2;
        if (++i >= len) break;
        d = t[i];
        const uint8_t p = IP[d];
        if (p == 0 || p >= lim) break;
      }
    } else if (c == 34 || c == 39 || c == 96) {
      i++;
      a = (a ^ 0x22u) * FNV_PRIME_1;
      b = (b ^ 0x22u) * FNV_PRIME_2;
      while (i < len) {
        const uint16_t d = t[i];
        if (d == 92) {
          i += 2;
          continue;
        }
        if (d == c) {
          i++;
          break;
        }
        if (d == 10 && c != 96) break;
        a = (a ^ d) * FNV_PRIME_1;
        b = (b ^ d) * FNV_PRIME_2;
        i++;
      }
    } else if (c == 35 || (c == 47 && i + 1 < len && t[i + 1] == 47)) {
      size_t j = i;
      while (j < len && t[j] != 10) j++;
      i = j;  // the newline itself, or len
      continue;
    } else if (c == 47 && i + 1 < len && t[i + 1] == 42) {
      size_t j = i + 2;
      while (j + 1 < len && !(t[j] == 42 && t[j + 1] == 47)) j++;
      i = j + 1 < len ? j + 2 : len;
      continue;
    } else {
      i++;
      a = (a ^ c) * FNV_PRIME_1;
      b = (b ^ c) * FNV_PRIME_2;
    }
    int32_t h1 = static_cast<int32_t>(fmix32(a));
    int32_t h2;
    if (ident && !isKeyword(kw, kwZero, h1)) {
      const uint32_t u = static_cast<uint32_t>(h1);
      const uint32_t slot = (u ^ (u >> 16)) & (IDENT_SLOTS - 1);
      const uint32_t j = sparse[slot];
      int32_t dist = 0;
      if (j < nLive && live[j].slot == slot) {
        State::Live& l = live[j];
        if (l.key == h1) {
          const int32_t d = static_cast<int32_t>(n) - l.pos;
          dist = d <= 255 ? d : 0;
        }
        l.key = h1;  // last writer wins, as in the JS table
        l.pos = static_cast<int32_t>(n);
      } else {
        // a slot not yet live in this sample: at most IDENT_SLOTS of them, so nLive - 1 fits the uint16 index
        sparse[slot] = static_cast<uint16_t>(nLive);
        live[nLive++] = {h1, static_cast<int32_t>(n), slot};
      }
      h1 = baker[2 * dist];
      h2 = baker[2 * dist + 1];
    } else {
      h2 = static_cast<int32_t>(fmix32(b));
    }
    o.put(n++, h1, h2, st, i);
  }
  return o.result(env, n);
}

inline uint32_t powU32(uint32_t base, int exp) {
  uint32_t r = 1;
  for (int i = 0; i < exp; i++) r *= base;
  return r;
}

// shingle(t1: Int32Array, t2: Int32Array, nt, k, f1: Int32Array, f2: Int32Array) -> shingle count (f1, f2 must
// hold nt - min(nt, k) + 1 values; the caller sizes them).
napi_value Shingle(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!args(env, info, 6, argv)) return nullptr;
  int32_t *t1, *t2, *f1, *f2;
  size_t n1, n2, m1, m2;
  if (!typed(env, argv[0], napi_int32_array, &t1, &n1) || !typed(env, argv[1], napi_int32_array, &t2, &n2) ||
      !typed(env, argv[4], napi_int32_array, &f1, &m1) || !typed(env, argv[5], napi_int32_array, &f2, &m2))
    return nullptr;
  const int32_t nt = i32(env, argv[2]);
  const int32_t k = i32(env, argv[3]);
  if (nt <= 0) return num(env, 0);
  if (k <= 0 || static_cast<size_t>(nt) > n1 || static_cast<size_t>(nt) > n2) {
    fail(env, "contamscan kernel: shingle() arguments out of range");
    return nullptr;
  }
  const int32_t kk = nt < k ? nt : k;
  const int32_t ns = nt - kk + 1;
  if (static_cast<size_t>(ns) > m1 || static_cast<size_t>(ns) > m2) {
    fail(env, "contamscan kernel: shingle() output arrays too short");
    return nullptr;
  }
  const uint32_t* u1 = reinterpret_cast<const uint32_t*>(t1);
  const uint32_t* u2 = reinterpret_cast<const uint32_t*>(t2);
  const uint32_t p1 = powU32(ROLL_B1, kk - 1);
  const uint32_t p2 = powU32(ROLL_B2, kk - 1);
  uint32_t a = 0, b = 0;
  for (int32_t j = 0; j < kk; j++) {
    a = a * ROLL_B1 + u1[j];
    b = b * ROLL_B2 + u2[j];
  }
  const uint32_t kx = static_cast<uint32_t>(kk);
  f1[0] = static_cast<int32_t>(fmix32(a ^ kx));
  f2[0] = static_cast<int32_t>(fmix32(b ^ kx));
  for (int32_t i = 1; i < ns; i++) {
    const int32_t o = i - 1;
    const int32_t nw = i + kk - 1;
    a = (a - u1[o] * p1) * ROLL_B1 + u1[nw];
    b = (b - u2[o] * p2) * ROLL_B2 + u2[nw];
    f1[i] = static_cast<int32_t>(fmix32(a ^ kx));
    f2[i] = static_cast<int32_t>(fmix32(b ^ kx));
  }
  return num(env, ns);
}

// minhash(f1, f2, n, k, seed, out: Uint32Array(k)): minhash.ts minhash(), one-permutation hashing with optimal
// densification, the same bins, values and densification sequence.
napi_value MinHash(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!args(env, info, 6, argv)) return nullptr;
  State* st = state(env);
  int32_t *f1, *f2;
  uint32_t* out;
  size_t n1, n2, no;
  if (!typed(env, argv[0], napi_int32_array, &f1, &n1) || !typed(env, argv[1], napi_int32_array, &f2, &n2) ||
      !typed(env, argv[5], napi_uint32_array, &out, &no))
    return nullptr;
  const int32_t n = i32(env, argv[2]);
  const int32_t k = i32(env, argv[3]);
  const uint32_t seed = static_cast<uint32_t>(i32(env, argv[4]));
  if (n < 0 || static_cast<size_t>(n) > n1 || static_cast<size_t>(n) > n2 || k <= 0 || static_cast<size_t>(k) != no) {
    fail(env, "contamscan kernel: minhash() arguments out of range");
    return nullptr;
  }
  constexpr uint32_t EMPTY = 0xffffffffu;
  std::fill(out, out + k, EMPTY);
  int32_t filled = 0;
  const uint64_t kk = static_cast<uint64_t>(k);
  for (int32_t i = 0; i < n; i++) {
    const uint32_t bin = static_cast<uint32_t>((static_cast<uint64_t>(static_cast<uint32_t>(f1[i])) * kk) >> 32);
    const uint32_t v = static_cast<uint32_t>(f2[i]);
    if (v < out[bin]) {
      if (out[bin] == EMPTY) filled++;
      out[bin] = v;
    }
  }
  if (filled == 0 || filled == k) return nullptr;
  if (st->orig.size() < static_cast<size_t>(k)) st->orig.resize(k);
  uint32_t* orig = st->orig.data();
  std::copy(out, out + k, orig);
  // x % k is x & (k - 1) when k is a power of two (the default 128): the same bins without a division, which was
  // most of the cost of densifying a short text's signature (~16 us for 10 shingles, k = 128).
  const uint32_t uk = static_cast<uint32_t>(k);
  const bool pow2 = (uk & (uk - 1)) == 0;
  for (int32_t i = 0; i < k; i++) {
    if (orig[i] != EMPTY) continue;
    const uint32_t base = (static_cast<uint32_t>(i + 1) * 0x9e3779b1u) ^ seed;
    for (uint32_t attempt = 1;; attempt++) {
      const uint32_t h = fmix32(base ^ (attempt * 0x85ebca6bu));
      const uint32_t j = pow2 ? (h & (uk - 1)) : h % uk;
      if (orig[j] != EMPTY) {
        out[i] = orig[j];
        break;
      }
    }
  }
  return nullptr;
}

// postings(found, nf, c, f2, payload: [entry, poschan, df], dfWeight: Float32Array(256), levelW: Float64Array(8),
//          hits: [entry: Int32Array, ePos: Int32Array, sPos: Int32Array, w: Float32Array, chan: Uint8Array],
//          cnt: Int32Array, wsum: Float32Array, touched: Int32Array, counters: Int32Array [hits n, touched n])
// match.ts postings() for the nf (shingle, first row, end row) triples probe() wrote, in the same order and with the
// same arithmetic (float32 stores of double sums), so hits, counts and weights are the JS ones. The caller sizes
// hits and touched for every row of the triples; a short array is an error here, never a write past its end.
napi_value Postings(napi_env env, napi_callback_info info) {
  napi_value argv[12];
  if (!args(env, info, 12, argv)) return nullptr;
  int32_t *found, *f2, *hEntry, *hEPos, *hSPos, *cnt, *touched, *counters;
  uint32_t *entry, *poschan;
  uint8_t *df, *hChan;
  float *dfw, *hW, *wsum;
  double* levelW;
  size_t nFound, nF2, nEntry, nPosChan, nDf, nDfw, nLevel, nHE, nHEP, nHSP, nHW, nHC, nCnt, nWsum, nTouched, nCounters;
  if (!typed(env, argv[0], napi_int32_array, &found, &nFound) || !typed(env, argv[3], napi_int32_array, &f2, &nF2) ||
      !element(env, argv[4], 0, napi_uint32_array, &entry, &nEntry) || !element(env, argv[4], 1, napi_uint32_array, &poschan, &nPosChan) ||
      !element(env, argv[4], 2, napi_uint8_array, &df, &nDf) || !typed(env, argv[5], napi_float32_array, &dfw, &nDfw) ||
      !typed(env, argv[6], napi_float64_array, &levelW, &nLevel) || !element(env, argv[7], 0, napi_int32_array, &hEntry, &nHE) ||
      !element(env, argv[7], 1, napi_int32_array, &hEPos, &nHEP) || !element(env, argv[7], 2, napi_int32_array, &hSPos, &nHSP) ||
      !element(env, argv[7], 3, napi_float32_array, &hW, &nHW) || !element(env, argv[7], 4, napi_uint8_array, &hChan, &nHC) ||
      !typed(env, argv[8], napi_int32_array, &cnt, &nCnt) || !typed(env, argv[9], napi_float32_array, &wsum, &nWsum) ||
      !typed(env, argv[10], napi_int32_array, &touched, &nTouched) || !typed(env, argv[11], napi_int32_array, &counters, &nCounters))
    return nullptr;
  const int32_t nf = i32(env, argv[1]);
  const uint32_t c = static_cast<uint32_t>(i32(env, argv[2]));
  const size_t rows = nEntry < nPosChan ? (nEntry < nDf ? nEntry : nDf) : (nPosChan < nDf ? nPosChan : nDf);
  size_t hitCap = nHE;
  for (size_t m : {nHEP, nHSP, nHW, nHC}) hitCap = m < hitCap ? m : hitCap;
  const size_t keys = nCnt < nWsum ? nCnt : nWsum;
  if (nf < 0 || static_cast<size_t>(nf) * 3 > nFound || nDfw < 256 || nLevel < 8 || nCounters < 2 || c > 1) {
    fail(env, "contamscan kernel: postings() arguments out of range");
    return nullptr;
  }
  int32_t hn = counters[0];
  int32_t tn = counters[1];
  if (hn < 0 || tn < 0) {
    fail(env, "contamscan kernel: postings() counters must not be negative");
    return nullptr;
  }
  for (int32_t q = 0; q < nf; q++) {
    const int32_t i = found[3 * q];
    const uint32_t r = static_cast<uint32_t>(found[3 * q + 1]);
    const uint32_t end = static_cast<uint32_t>(found[3 * q + 2]);
    if (i < 0 || static_cast<size_t>(i) >= nF2 || r >= end || end > rows) {
      fail(env, "contamscan kernel: postings() row out of range");
      return nullptr;
    }
    const uint32_t lv = levelOf(static_cast<uint32_t>(f2[i]));
    if (entry[r] == 0xffffffffu) {  // COMMON_ENTRY
      levelW[lv] -= 1;
      continue;
    }
    const double w = static_cast<double>(dfw[df[r]]);
    levelW[lv] += w - 1;
    if (static_cast<size_t>(hn) + (end - r) > hitCap || static_cast<size_t>(tn) + (end - r) > nTouched) {
      fail(env, "contamscan kernel: postings() hit arrays too short");
      return nullptr;
    }
    for (uint32_t x = end; x-- > r;) {
      const uint32_t pc = poschan[x];
      if ((pc & 1u) != c) continue;
      const uint32_t e = entry[x];
      const size_t key = static_cast<size_t>(e) * 2 + c;
      if (key >= keys) {
        fail(env, "contamscan kernel: postings() entry out of range");
        return nullptr;
      }
      hEntry[hn] = static_cast<int32_t>(e);
      hEPos[hn] = static_cast<int32_t>(pc >> 1);
      hSPos[hn] = i;
      hW[hn] = static_cast<float>(w);
      hChan[hn] = static_cast<uint8_t>(c);
      hn++;
      if (cnt[key]++ == 0) touched[tn++] = static_cast<int32_t>(key);
      wsum[key] = static_cast<float>(static_cast<double>(wsum[key]) + w);
    }
  }
  counters[0] = hn;
  counters[1] = tn;
  return nullptr;
}

// hugePages(view: Uint8Array) -> bytes advised. Asks the OS to back the 2 MiB-aligned interior of a large (registry) buffer
// with transparent huge pages: madvise(MADV_HUGEPAGE), called before the pages are touched, so the pages faulted in
// are 2 MiB. A Bloom probe into a 64 MB filter is a TLB miss per probe with 4 KiB pages. Advice only: where the
// kernel refuses (THP off, not Linux), nothing changes and 0 comes back.
napi_value HugePages(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv)) return nullptr;
  uint8_t* data;
  size_t n;
  if (!typed(env, argv[0], napi_uint8_array, &data, &n)) return nullptr;
  const uintptr_t HUGE = 2u << 20;
  uintptr_t a = reinterpret_cast<uintptr_t>(data);
  uintptr_t e = a + n;
  uintptr_t s = (a + HUGE - 1) & ~(HUGE - 1);
  e &= ~(HUGE - 1);
  if (e <= s) return num(env, 0);
#ifdef MADV_HUGEPAGE
  if (madvise(reinterpret_cast<void*>(s), e - s, MADV_HUGEPAGE) != 0) return num(env, 0);
  return num(env, static_cast<double>(e - s));
#else
  return num(env, 0);  // no transparent huge pages on this system
#endif
}

// probe(f1, f2, n, bloom, dir, key, mask, payload: [entry: Uint32Array, poschan: Uint32Array, df: Uint8Array],
//       out: Int32Array(3 n), levels: Float64Array(8)) -> found count. levels[l] += the shingles at sampling level l
// (trailing zero bits of lane 2, capped at 7; match.ts levelOf). match.ts lookup's key search: the Bloom filter, then the KeyTable16
// bucket walk (findKey16 / keyEnd16 of registry/table.ts) for the shingles it lets through. Writes, per shingle found,
// its index i, the first row r and the end row; the rows' payload is prefetched for the caller's postings loop.
// The memory accesses of several shingles are in flight at once (prefetches a fixed distance ahead), which a JS loop
// cannot ask for (its Bloom pass took ~55 ns a probe into the 64 MB filter of 1M entries; this one 15-20 ns).
napi_value Probe(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  if (!args(env, info, 10, argv)) return nullptr;
  State* s = state(env);
  double* levels;
  size_t nlv;
  if (!typed(env, argv[9], napi_float64_array, &levels, &nlv)) return nullptr;
  if (nlv < 8) {
    fail(env, "contamscan kernel: probe() levels must hold 8 values");
    return nullptr;
  }
  int32_t *f1, *f2, *out;
  uint32_t *bloom, *dir, *key, *entry, *poschan;
  uint8_t* df;
  size_t n1, n2, nb, nd, nk, no, ne, npc, ndf;
  if (!typed(env, argv[0], napi_int32_array, &f1, &n1) || !typed(env, argv[1], napi_int32_array, &f2, &n2) ||
      !typed(env, argv[3], napi_uint32_array, &bloom, &nb) || !typed(env, argv[4], napi_uint32_array, &dir, &nd) ||
      !typed(env, argv[5], napi_uint32_array, &key, &nk) || !typed(env, argv[8], napi_int32_array, &out, &no))
    return nullptr;
  if (!element(env, argv[7], 0, napi_uint32_array, &entry, &ne) || !element(env, argv[7], 1, napi_uint32_array, &poschan, &npc) ||
      !element(env, argv[7], 2, napi_uint8_array, &df, &ndf))
    return nullptr;
  const int32_t n = i32(env, argv[2]);
  const uint32_t mask = static_cast<uint32_t>(i32(env, argv[6]));
  if (n < 0 || static_cast<size_t>(n) > n1 || static_cast<size_t>(n) > n2 || static_cast<size_t>(3) * n > no || nb == 0 || (nb & (nb - 1)) != 0 ||
      nd < static_cast<size_t>(mask) + 2 || ne < nk || npc < nk || ndf < nk) {
    fail(env, "contamscan kernel: probe() arguments out of range");
    return nullptr;
  }
  if (s->cand.size() < static_cast<size_t>(n)) s->cand.resize(n + n / 2);
  int32_t* cand = s->cand.data();
  const uint32_t bmask = static_cast<uint32_t>(nb - 1);
  constexpr int AHEAD = 24;
  int32_t np = 0;
  uint32_t lc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int32_t i = 0; i < n; i++) {
    if (i + AHEAD < n) __builtin_prefetch(bloom + ((static_cast<uint32_t>(f1[i + AHEAD]) >> 5) & bmask));
    const uint32_t a = static_cast<uint32_t>(f1[i]);
    const uint32_t v = static_cast<uint32_t>(f2[i]);
    const uint32_t m = (1u << (a & 31)) | (1u << ((v >> 8) & 31));
    cand[np] = i;
    np += (bloom[(a >> 5) & bmask] & m) == m;
    lc[levelOf(v)]++;
  }
  for (int l = 0; l < 8; l++) levels[l] += lc[l];
  auto bucketOf = [mask](uint32_t a) { return (a ^ (a >> 15)) & mask; };
  constexpr int D1 = 16, D2 = 8;
  int32_t found = 0;
  for (int32_t q = 0; q < np; q++) {
    if (q + D1 < np) __builtin_prefetch(dir + bucketOf(static_cast<uint32_t>(f1[cand[q + D1]])));
    if (q + D2 < np) __builtin_prefetch(key + dir[bucketOf(static_cast<uint32_t>(f1[cand[q + D2]]))]);
    const int32_t i = cand[q];
    const uint32_t a = static_cast<uint32_t>(f1[i]);
    const uint32_t k = (a & 0xffff0000u) | (static_cast<uint32_t>(f2[i]) & 0xffffu);
    const uint32_t b = bucketOf(a);
    const uint32_t e = dir[b + 1] < nk ? dir[b + 1] : static_cast<uint32_t>(nk);  // a damaged directory cannot read past the keys
    uint32_t r = dir[b];
    while (r < e && key[r] != k) r++;
    if (r >= e) continue;
    uint32_t end = r + 1;
    while (end < e && key[end] == k) end++;
    __builtin_prefetch(entry + r);
    __builtin_prefetch(poschan + r);
    __builtin_prefetch(df + r);
    out[3 * found] = i;
    out[3 * found + 1] = static_cast<int32_t>(r);
    out[3 * found + 2] = static_cast<int32_t>(end);
    found++;
  }
  return num(env, found);
}

}  // namespace

NAPI_MODULE_INIT() {
  State* s = new State();
  napi_set_instance_data(env, s, finalizeState, nullptr);
  napi_property_descriptor props[] = {
      {"init", nullptr, Init, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"load", nullptr, Load, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"text", nullptr, Text, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"code", nullptr, Code, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"shingle", nullptr, Shingle, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"minhash", nullptr, MinHash, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"postings", nullptr, Postings, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"probe", nullptr, Probe, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"hugePages", nullptr, HugePages, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
