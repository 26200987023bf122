// Pure, synchronous SHA-256 (FIPS 180-4) and a base-36 rendering of it.
// Pure because Obsidian mobile has no Node `crypto`, and Web Crypto is async only.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

// Scratch buffers are reused: hashing thousands of short URLs must not allocate per call.
const W = new Int32Array(16);
let scratch = new Uint8Array(256);
const encoder = new TextEncoder();

/** SHA-256 of the UTF-8 bytes of `text`, as eight unsigned 32-bit big-endian words. */
export function sha256Words(text: string): number[] {
  const maxBytes = text.length * 3;
  const needed = Math.ceil((maxBytes + 9) / 64) * 64;
  if (scratch.length < needed) scratch = new Uint8Array(needed * 2);
  const byteLength = encoder.encodeInto(text, scratch).written;
  const blocks = Math.ceil((byteLength + 9) / 64);
  const total = blocks * 64;
  const buf = scratch;
  buf[byteLength] = 0x80;
  buf.fill(0, byteLength + 1, total - 8);
  const bitsHigh = Math.floor(byteLength / 0x20000000);
  const bitsLow = (byteLength << 3) >>> 0;
  buf[total - 8] = bitsHigh >>> 24;
  buf[total - 7] = (bitsHigh >>> 16) & 0xff;
  buf[total - 6] = (bitsHigh >>> 8) & 0xff;
  buf[total - 5] = bitsHigh & 0xff;
  buf[total - 4] = bitsLow >>> 24;
  buf[total - 3] = (bitsLow >>> 16) & 0xff;
  buf[total - 2] = (bitsLow >>> 8) & 0xff;
  buf[total - 1] = bitsLow & 0xff;

  // The message schedule is computed as the rounds use it, in a ring of 16 words; module constants are read
  // through locals. Together about a fifth faster than a separate schedule loop (parsing a note hashes every answer).
  const w = W, k = K;
  let h0 = H0[0]!, h1 = H0[1]!, h2 = H0[2]!, h3 = H0[3]!, h4 = H0[4]!, h5 = H0[5]!, h6 = H0[6]!, h7 = H0[7]!;
  for (let off = 0; off < total; off += 64) {
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    for (let i = 0; i < 64; i++) {
      let wi: number;
      if (i < 16) {
        const p = off + i * 4;
        wi = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
      } else {
        const x = w[(i - 15) & 15]!, y = w[(i - 2) & 15]!;
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        wi = (w[i & 15]! + s0 + w[(i - 7) & 15]! + s1) | 0;
      }
      w[i & 15] = wi;
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + k[i]! + wi) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
  }
  return [h0 >>> 0, h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0, h5 >>> 0, h6 >>> 0, h7 >>> 0];
}

/** SHA-256 of the UTF-8 bytes of `text` as 64 lowercase hex digits (for tests against published vectors). */
export function sha256Hex(text: string): string {
  return sha256Words(text).map((w) => w.toString(16).padStart(8, "0")).join("");
}

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
/** 36^49 < 2^256 < 36^50: only the 49 lowest base-36 digits of a digest are (almost) uniform. */
export const MAX_BASE36_DIGITS = 49;

/**
 * The `length` least significant base-36 digits of the 256-bit digest read as a big-endian unsigned
 * integer N, least significant first: digit i is floor(N / 36^i) mod 36. Taking them from the low end
 * keeps every digit uniform, and a longer rendering always extends a shorter one.
 */
export function base36Digits(words: readonly number[], length: number): string {
  if (!Number.isInteger(length) || length < 1 || length > MAX_BASE36_DIGITS) {
    throw new RangeError(`base-36 length must be an integer in 1..${MAX_BASE36_DIGITS}, got ${length}`);
  }
  const n = words.slice();
  let out = "";
  for (let i = 0; i < length; i++) {
    let rem = 0;
    for (let j = 0; j < n.length; j++) {
      // rem < 36, so cur < 36 * 2^32 < 2^53: exact in a double.
      const cur = rem * 4294967296 + n[j]!;
      const q = Math.floor(cur / 36);
      n[j] = q;
      rem = cur - q * 36;
    }
    out += ALPHABET[rem]!;
  }
  return out;
}

/** Hash of a text (UTF-8, SHA-256, 12 base-36 digits as in `base36Digits`): detects edits to an answer. */
export function hashText(s: string): string {
  return base36Digits(sha256Words(s), 12);
}
