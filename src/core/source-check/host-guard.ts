// Which hosts a source check may contact. A hostile answer could cite http://192.168.1.1/ or
// http://router.local/ and make the plugin call the user's router or local services: loopback, private,
// link-local, unique-local and unspecified addresses and local-only names are refused unless the user allows
// them. The URL parser has already turned "2130706433", "0x7f.1" and "[::ffff:127.0.0.1]" into their
// canonical forms, so only those need checking. Limit: a public name whose DNS answer is a private address
// (DNS rebinding) cannot be seen from a plugin, which has no resolver of its own.

const LOCAL_SUFFIXES = [".local", ".internal", ".localhost", ".lan", ".home", ".corp", ".intranet", ".home.arpa", ".localdomain"];

function ipv4Parts(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

function privateIpv4([a, b]: number[]): boolean {
  return (
    a === 0 || // "this network", 0.0.0.0
    a === 10 ||
    a === 127 ||
    (a === 100 && b! >= 64 && b! <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    a! >= 224 // multicast and reserved
  );
}

/** The 8 groups of an IPv6 address as the URL parser writes it (compressed, lowercase, no brackets). */
function ipv6Groups(host: string): number[] | null {
  if (!host.includes(":")) return null;
  const [head, tail] = host.split("::") as [string, string | undefined];
  const parse = (s: string | undefined) => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const h = parse(head);
  const t = parse(tail);
  if (tail === undefined) return h.length === 8 ? h : null;
  return [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
}

function privateIpv6(g: number[]): boolean {
  const allZero = (k: number) => g.slice(0, k).every((x) => x === 0);
  if (allZero(8)) return true; // ::
  if (allZero(7) && g[7] === 1) return true; // ::1
  if (allZero(5) && g[5] === 0xffff) return privateIpv4([g[6]! >> 8, g[6]! & 255]); // IPv4-mapped
  if ((g[0]! & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((g[0]! & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((g[0]! & 0xff00) === 0xff00) return true; // multicast
  return false;
}

/** Why this URL's host is refused ("a private network address"), or null when it may be fetched. */
export function privateHostReason(url: string): string | null {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return "not a valid URL";
  }
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  host = host.replace(/\.$/, "");
  const v4 = ipv4Parts(host);
  if (v4) return privateIpv4(v4) ? "a private or local network address" : null;
  const v6 = ipv6Groups(host);
  if (v6) return privateIpv6(v6) ? "a private or local network address" : null;
  if (host === "localhost" || LOCAL_SUFFIXES.some((s) => host.endsWith(s))) return "a local network name";
  if (!host.includes(".")) return "a local network name (no domain)";
  return null;
}
