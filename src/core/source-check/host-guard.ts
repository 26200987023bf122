// Which hosts a source check may contact. A hostile answer could cite http://192.168.1.1/ or
// http://router.local/ and make the plugin call the user's router or local services: loopback, private,
// link-local, unique-local, reserved and unspecified addresses and local-only names are refused unless the user
// allows them. The URL parser has already turned "2130706433", "0x7f.1" and "[::ffff:127.0.0.1]" into their
// canonical forms, so only those need checking in a URL. A public name can still resolve to a private address
// (or to a public one when checked and a private one when used: DNS rebinding), and a public page can redirect
// anywhere: `privateAddressReason` judges the address a name resolved to, and the desktop fetcher calls it for
// every address of every hop, on the very answer it then connects to (see obsidian/check/node-page-fetch.ts).
//
// Domain lists ("domains never fetched") compare hosts in one form: lower case, no trailing dot, Unicode names
// as punycode, so "Skipped.Example.ORG.", "bücher.example" and "xn--bcher-kva.example" are what they are.

const LOCAL_SUFFIXES = [".local", ".internal", ".localhost", ".lan", ".home", ".corp", ".intranet", ".home.arpa", ".localdomain"];

const PRIVATE_ADDRESS = "a private or local network address";

function ipv4Parts(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

function privateIpv4([a, b, c]: number[]): boolean {
  return (
    a === 0 || // "this network", 0.0.0.0 (which reaches the machine itself)
    a === 10 ||
    a === 127 ||
    (a === 100 && b! >= 64 && b! <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local (and cloud metadata services)
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) || // IETF protocol assignments, documentation
    (a === 192 && b === 88 && c === 99) || // 6to4 relays
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    (a === 198 && b === 51 && c === 100) || // documentation
    (a === 203 && b === 0 && c === 113) || // documentation
    a! >= 224 // multicast, reserved and broadcast
  );
}

/** The 8 groups of an IPv6 address (compressed or not, a dotted IPv4 tail allowed, a zone id ignored), or null. */
function ipv6Groups(text: string): number[] | null {
  let host = text.replace(/%.*$/, "");
  if (!host.includes(":") || !/^[0-9a-f:.]+$/i.test(host)) return null;
  const dotted = /(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(host);
  if (dotted) {
    const v4 = ipv4Parts(dotted[1]!);
    if (!v4) return null;
    host = host.slice(0, -dotted[1]!.length) + `${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = host.split("::");
  if (halves.length > 2) return null;
  const parse = (s: string | undefined) => (s ? s.split(":").map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN)) : []);
  const h = parse(halves[0]);
  const t = parse(halves[1]);
  if ([...h, ...t].some((g) => Number.isNaN(g))) return null;
  if (halves.length === 1) return h.length === 8 ? h : null;
  if (h.length + t.length > 7) return null;
  return [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/** The IPv4 address in two groups of an IPv6 address. */
function embedded(hi: number, lo: number): number[] {
  return [hi >> 8, hi & 255, lo >> 8, lo & 255];
}

function privateIpv6(g: number[]): boolean {
  const allZero = (k: number) => g.slice(0, k).every((x) => x === 0);
  if (allZero(8)) return true; // ::
  if (allZero(7) && g[7] === 1) return true; // ::1
  if (allZero(5) && g[5] === 0xffff) return privateIpv4(embedded(g[6]!, g[7]!)); // IPv4-mapped
  if (allZero(4) && g[4] === 0xffff && g[5] === 0) return privateIpv4(embedded(g[6]!, g[7]!)); // IPv4-translated (SIIT)
  if (allZero(6)) return privateIpv4(embedded(g[6]!, g[7]!)); // IPv4-compatible (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b) return g[2] === 1 || privateIpv4(embedded(g[6]!, g[7]!)); // NAT64 (local-use prefix: all)
  if (g[0] === 0x2002) return privateIpv4(embedded(g[1]!, g[2]!)); // 6to4
  if (g[0] === 0x2001 && g[1] === 0) return true; // Teredo: a tunnel, not a public web server
  if (g[0] === 0x2001 && g[1] === 0xdb8) return true; // documentation
  if (g[0] === 0x100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return true; // discard-only
  if ((g[0]! & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((g[0]! & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((g[0]! & 0xffc0) === 0xfec0) return true; // fec0::/10 site-local (deprecated)
  if ((g[0]! & 0xff00) === 0xff00) return true; // multicast
  return false;
}

/** Whether `host` is an IP address (v4, or v6 with or without brackets). */
export function isIpAddress(host: string): boolean {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  return ipv4Parts(bare) !== null || ipv6Groups(bare) !== null;
}

/**
 * Why an address a name resolved to is refused ("a private or local network address"), or null when it is a
 * public one. Anything that is not an IP address is refused: a resolver answer is never trusted blindly.
 */
export function privateAddressReason(address: string): string | null {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const v4 = ipv4Parts(bare);
  if (v4) return privateIpv4(v4) ? PRIVATE_ADDRESS : null;
  const v6 = ipv6Groups(bare);
  if (v6) return privateIpv6(v6) ? PRIVATE_ADDRESS : null;
  return "not an IP address";
}

/** Why this URL's host is refused ("a private network address"), or null when it may be fetched. */
export function privateHostReason(url: string): string | null {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return "not a valid URL";
  }
  if (host.startsWith("[") && host.endsWith("]")) return privateAddressReason(host);
  host = host.replace(/\.+$/, "");
  if (ipv4Parts(host)) return privateAddressReason(host);
  if (host === "localhost" || LOCAL_SUFFIXES.some((s) => host.endsWith(s))) return "a local network name";
  if (!host.includes(".")) return "a local network name (no domain)";
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// Domain lists

/**
 * A host as domain lists compare it: lower case, trailing dots dropped, Unicode labels as punycode (the URL
 * parser's own mapping, so full-width dots and case folding are as a browser does them). Accepts a bare host,
 * "*.example.com", ".example.com", "example.com/path" or a whole URL; null when there is no host in it.
 */
export function normalizeHost(entry: string): string | null {
  let text = entry.trim();
  if (text === "") return null;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `http://${text.replace(/^\*?\.+/, "")}`;
  let host: string;
  try {
    host = new URL(text).hostname;
  } catch {
    return null;
  }
  host = host.toLowerCase().replace(/\.+$/, "");
  return host === "" ? null : host;
}

/** A domain list as the user types it ("example.com, .Example.org\nbücher.example") in normal form, duplicates dropped. */
export function parseDomainList(text: string): string[] {
  const out: string[] = [];
  for (const entry of text.split(/[\s,;]+/)) {
    const host = normalizeHost(entry);
    if (host !== null && !out.includes(host)) out.push(host);
  }
  return out;
}

/** The entry of `list` (normal form) that covers `host` (itself or a subdomain of it), or undefined. */
export function domainOnList(host: string, list: readonly string[]): string | undefined {
  const normal = normalizeHost(host);
  if (normal === null) return undefined;
  return list.find((d) => normal === d || normal.endsWith(`.${d}`));
}

/** Why a URL may not be fetched: not a web address, on the list of domains never fetched, or private. */
export interface HostRefusal {
  kind: "not-web" | "skipped" | "private";
  /** In words that follow "not fetched: ". */
  reason: string;
}

/**
 * Why a page check may not request `url` (the cited URL, or a hop of its redirects), or null when it may: only
 * http(s), nothing on the skip list (normal form, `parseDomainList`), no private host unless allowed.
 */
export function hostRefusal(url: string, options: { allowPrivateHosts: boolean; skipDomains: readonly string[] }): HostRefusal | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: "not-web", reason: "not a valid URL" };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return { kind: "not-web", reason: `${parsed.protocol} is not a web address` };
  const listed = domainOnList(parsed.hostname, options.skipDomains);
  if (listed !== undefined) return { kind: "skipped", reason: `${listed} is on your list of domains never to fetch` };
  if (!options.allowPrivateHosts) {
    const reason = privateHostReason(url);
    if (reason !== null) return { kind: "private", reason: `${parsed.hostname.replace(/\.+$/, "")} is ${reason} (allow private hosts in settings to check it)` };
  }
  return null;
}
