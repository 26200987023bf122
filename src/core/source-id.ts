// Canonical URLs and the short, stable source IDs hashed from them.
import { base36Digits, MAX_BASE36_DIGITS, sha256Words } from "./hash";

/**
 * Version of the ID algorithm. Version 1: the ID of a URL is `base36Digits(SHA-256(UTF-8(canonicalUrl(url))), n)`
 * (see hash.ts): digit i is floor(N / 36^i) mod 36 of the digest N read as a big-endian integer, so the
 * 7-character ID of a URL is its 6-character ID plus one more character. Changing anything here, including
 * the canonical form, changes IDs already written into vaults: bump the version and migrate.
 */
export const SOURCE_ID_VERSION = 1;
export const SOURCE_ID_LENGTH = 6;
export const MAX_SOURCE_ID_LENGTH = MAX_BASE36_DIGITS;

/** Query parameters that only track the click, dropped everywhere (compared case-insensitively). */
export const TRACKING_PARAMS: readonly string[] = [
  "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "twclid", "ttclid", "li_fat_id",
  "mc_cid", "mc_eid", "igshid", "yclid", "_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp", "hsctatracking",
  "ref_src", "ref_url", "mkt_tok", "_ga", "_gl", "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv",
  "wickedid", "srsltid", "s_cid", "spm",
];
/** Parameter name prefixes that only track (e.g. every `utm_*`). */
export const TRACKING_PARAM_PREFIXES: readonly string[] = ["utm_", "pk_", "mtm_"];
/** Parameters that track on one site but may mean something elsewhere (`si` is YouTube's and Spotify's share tag). */
export const HOST_TRACKING_PARAMS: Readonly<Record<string, readonly string[]>> = {
  "youtube.com": ["si", "pp"],
  "youtu.be": ["si"],
  "spotify.com": ["si"],
  "x.com": ["s", "t"],
  "twitter.com": ["s", "t"],
};

const TRACKING = new Set(TRACKING_PARAMS);

function isTracking(name: string, host: string): boolean {
  const key = name.toLowerCase();
  if (TRACKING.has(key)) return true;
  for (const prefix of TRACKING_PARAM_PREFIXES) if (key.startsWith(prefix)) return true;
  for (const site in HOST_TRACKING_PARAMS) {
    if (host === site || host.endsWith("." + site)) {
      if (HOST_TRACKING_PARAMS[site]!.includes(key)) return true;
    }
  }
  return false;
}

// RFC 3986 §6.2.2: hex digits of escapes are case-insensitive, and escaped unreserved characters equal
// the characters themselves. "." stays escaped: decoding it could create "." / ".." path segments.
function normalizeEscapes(s: string): string {
  if (!s.includes("%")) return s;
  // A "%" that starts no escape is a literal percent sign ("%%" would also open an Obsidian comment).
  return s.replace(/%(?![0-9a-fA-F]{2})/g, "%25").replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => {
    const c = parseInt(hex, 16);
    const unreserved =
      (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f || c === 0x7e;
    return unreserved ? String.fromCharCode(c) : "%" + hex.toUpperCase();
  });
}

function decodeKey(rawKey: string): string {
  try {
    return decodeURIComponent(rawKey.replace(/\+/g, " "));
  } catch {
    return rawKey;
  }
}

/**
 * The form of a URL that IDs are hashed from, or null if it is not an absolute http(s) URL.
 * Parsing is WHATWG `URL` (the same standard in Electron and mobile WebViews): it lowercases scheme and host,
 * converts IDNs to punycode, drops default ports and resolves dot segments. On top of that:
 * credentials and fragment are dropped; escapes are normalised (uppercase hex, unreserved characters decoded);
 * trailing slashes are dropped from every path except the root, which is always "/";
 * tracking parameters are dropped (see TRACKING_PARAMS); the rest are sorted by name, stably, so repeated
 * names keep their order; an empty query loses its "?".
 */
export function canonicalUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return null;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return null;
  const host = u.hostname;
  if (host === "") return null;

  let path = normalizeEscapes(u.pathname);
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === 0x2f) end--;
  path = end === path.length ? path : path.slice(0, end);
  if (path === "") path = "/";

  let query = "";
  const search = u.search;
  if (search.length > 1) {
    const kept: { key: string; part: string }[] = [];
    for (const raw of search.slice(1).split("&")) {
      if (raw === "") continue;
      const part = normalizeEscapes(raw);
      const eq = part.indexOf("=");
      const key = decodeKey(eq === -1 ? part : part.slice(0, eq));
      if (isTracking(key, host)) continue;
      kept.push({ key, part });
    }
    // Array.prototype.sort is stable (ES2019): equal names keep their relative order.
    kept.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    query = kept.map((k) => k.part).join("&");
  }
  return `${u.protocol}//${host}${u.port === "" ? "" : ":" + u.port}${path}${query === "" ? "" : "?" + query}`;
}

/** True for absolute http(s) URLs: the only sources that get an ID and a link. */
export function isHttpUrl(url: string): boolean {
  return canonicalUrl(url) !== null;
}

/** The `length`-character ID of a canonical URL (no canonicalisation: for callers that already have it). */
export function sourceIdOfCanonical(canonical: string, length = SOURCE_ID_LENGTH): string {
  return base36Digits(sha256Words(canonical), length);
}

/** The `length`-character source ID of a URL (version SOURCE_ID_VERSION), or null for non-http(s) URLs. */
export function sourceId(url: string, length = SOURCE_ID_LENGTH): string | null {
  if (!Number.isInteger(length) || length < 1 || length > MAX_SOURCE_ID_LENGTH) {
    throw new RangeError(`source ID length must be an integer in 1..${MAX_SOURCE_ID_LENGTH}, got ${length}`);
  }
  const canonical = canonicalUrl(url);
  return canonical === null ? null : sourceIdOfCanonical(canonical, length);
}

/** What an ID already stands for: nothing, this very URL, or another URL. */
export type IdStatus = "free" | "same" | "other";

/**
 * The shortest ID of `url` (from 6 characters up) that is not taken by a different URL. The digest is
 * computed once: lengthening only reads more of it. Throws a RangeError for non-http(s) URLs, which never
 * get an ID (check with `canonicalUrl` or `isHttpUrl` first).
 */
export function resolveSourceId(url: string, isTaken: (id: string) => IdStatus): string {
  const canonical = canonicalUrl(url);
  if (canonical === null) throw new RangeError(`not an http(s) URL, so it gets no source ID: ${url}`);
  const full = sourceIdOfCanonical(canonical, MAX_SOURCE_ID_LENGTH);
  for (let length = SOURCE_ID_LENGTH; length <= MAX_SOURCE_ID_LENGTH; length++) {
    const id = full.slice(0, length);
    if (isTaken(id) !== "other") return id;
  }
  throw new Error(`every ID of ${canonical} up to ${MAX_SOURCE_ID_LENGTH} characters is taken by another URL`);
}
