// What Perplexity's `search_domain_filter` takes, in one place for the settings, profiles, note properties and
// the request: a host (`iea.org`), a top-level suffix (`.gov`, `.ac.uk`) or a full http(s) URL
// (`https://en.wikipedia.org/wiki/Chess`); at most 20 entries of 253 characters; allowed or excluded, not both.

export const MAX_DOMAIN_FILTERS = 20;
export const MAX_DOMAIN_ENTRY_LENGTH = 253;

/** A filter Perplexity would refuse; the message (lower case, a clause) says which entry or why. */
export class DomainError extends Error {
  constructor(
    message: string,
    /** "mixed": allowed and excluded domains in one list, which is a choice to change rather than a typo. */
    readonly kind: "entry" | "mixed" | "count" = "entry",
  ) {
    super(message);
  }
}

/**
 * One entry as Perplexity accepts it, lowercased where case does not matter; a URL that names only a site
 * becomes its host. Null for a blank entry; a DomainError for anything else. A host needs a dot: a single
 * word ("localhost", or "not" from "not a domain") is no site on the web.
 */
export function normalizeDomain(entry: string): string | null {
  const raw = entry.trim();
  if (!raw) return null;
  const notDomain = (): DomainError => new DomainError(`"${raw.slice(0, 80)}" is not a domain, a suffix like .gov or a URL`);
  let out: string;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw notDomain();
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw notDomain();
    const host = url.hostname.replace(/\.+$/, "");
    if (!isWebHost(host)) throw notDomain();
    const rest = url.pathname + url.search;
    out = rest === "/" || rest === "" ? host : `${url.protocol}//${host}${rest}`;
  } else if (raw.startsWith(".")) {
    out = raw.toLowerCase().replace(/\.+$/, "");
    if (!isHostName(out.slice(1))) throw notDomain();
  } else {
    // A host typed with a port, path or user part: Perplexity filters by site, so keep the host.
    let host = raw.toLowerCase().split(/[/?#:]/)[0] ?? "";
    if (host.includes("@")) host = host.slice(host.lastIndexOf("@") + 1);
    host = host.replace(/\.+$/, "");
    if (!host) return null;
    if (!isWebHost(host)) throw notDomain();
    out = host;
  }
  if (out.length > MAX_DOMAIN_ENTRY_LENGTH) throw new DomainError(`"${raw.slice(0, 40)}…" is longer than ${MAX_DOMAIN_ENTRY_LENGTH} characters`);
  return out;
}

function isHostName(host: string): boolean {
  return host !== "" && /^[a-z0-9.-]+$/.test(host) && !host.startsWith(".") && !host.includes("..") && !host.startsWith("-");
}

function isWebHost(host: string): boolean {
  return isHostName(host) && host.includes(".");
}

/**
 * The `search_domain_filter` list from allowed and excluded entries: allowed as they are, or excluded with a
 * leading "-" (a "-" typed in either list excludes). Duplicates are dropped; a DomainError for a bad entry, a
 * list that mixes the two modes, or more than 20 entries.
 */
export function domainFilterOf(allow: readonly unknown[], deny: readonly unknown[]): string[] {
  const allowed: string[] = [];
  const denied: string[] = [];
  const add = (entry: unknown, deny: boolean): void => {
    if (typeof entry !== "string") throw new DomainError("domains must be text");
    let text = entry.trim();
    let isDeny = deny;
    if (text.startsWith("-")) {
      isDeny = true;
      text = text.slice(1);
    }
    const host = normalizeDomain(text);
    if (host === null) return;
    const list = isDeny ? denied : allowed;
    if (!list.includes(host)) list.push(host);
  };
  for (const entry of allow) add(entry, false);
  for (const entry of deny) add(entry, true);
  if (allowed.length > 0 && denied.length > 0) {
    throw new DomainError(
      `the domain list mixes domains to search (${allowed[0]}) and domains to exclude (-${denied[0]}); Perplexity filters one way at a time: ` +
        "list only domains to search, or only domains to exclude (each with a leading -)",
      "mixed",
    );
  }
  const filter = allowed.length > 0 ? allowed : denied.map((host) => `-${host}`);
  if (filter.length > MAX_DOMAIN_FILTERS) throw new DomainError(`at most ${MAX_DOMAIN_FILTERS} domains are allowed, got ${filter.length}`, "count");
  return filter;
}
