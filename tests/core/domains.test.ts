// What search_domain_filter takes (core/domains.ts): the request, profiles and note properties all use it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError, domainFilterOf, normalizeDomain } from "../../src/core/domains";

describe("normalizeDomain", () => {
  it("keeps suffixes like .gov and page URLs, which Perplexity accepts", () => {
    expect(normalizeDomain(".gov")).toBe(".gov");
    expect(normalizeDomain(" .AC.uk. ")).toBe(".ac.uk");
    expect(normalizeDomain("https://en.wikipedia.org/wiki/Chess")).toBe("https://en.wikipedia.org/wiki/Chess");
    expect(normalizeDomain("HTTPS://User@Example.COM:8443/path?q#f")).toBe("https://example.com/path?q");
    expect(normalizeDomain("https://Example.COM/")).toBe("example.com");
  });

  it("normalizes a typed host to a bare lowercase host", () => {
    expect(normalizeDomain("User@Example.COM:8443/path?q#f")).toBe("example.com");
    expect(normalizeDomain("example.org.")).toBe("example.org");
    expect(normalizeDomain("  ")).toBeNull();
    // A single word is no site on the web: "not a domain" typed as a list is three bad entries, not three hosts.
    for (const word of ["not", "localhost", "http://intranet/page"]) expect(() => normalizeDomain(word)).toThrow(/is not a domain, a suffix like \.gov or a URL/);
    fc.assert(
      fc.property(fc.domain(), fc.constantFrom("", "http://", "https://"), fc.constantFrom("", "/"), (host, scheme, path) => {
        const normalized = normalizeDomain(`${scheme}${host.toUpperCase()}${path}`);
        expect(normalized).toBe(host.toLowerCase());
      }),
    );
  });
});

describe("domainFilterOf", () => {
  it("allows or excludes, never both, drops duplicates before counting", () => {
    expect(domainFilterOf(["IEA.org", "iea.org", " "], [])).toEqual(["iea.org"]);
    expect(domainFilterOf(["-reddit.com"], ["pinterest.com", "reddit.com"])).toEqual(["-reddit.com", "-pinterest.com"]);
    const mixed = (() => {
      try {
        domainFilterOf(["iea.org"], ["reddit.com"]);
      } catch (error) {
        return error;
      }
    })();
    expect(mixed).toBeInstanceOf(DomainError);
    expect(mixed).toMatchObject({ kind: "mixed", message: expect.stringContaining("mixes domains to search (iea.org) and domains to exclude (-reddit.com)") });
    // Twenty distinct domains typed twice each are twenty.
    const twenty = Array.from({ length: 20 }, (_, i) => `site${i}.example`);
    expect(domainFilterOf([...twenty, ...twenty.map((d) => d.toUpperCase())], [])).toHaveLength(20);
    expect(() => domainFilterOf([...twenty, "one-more.example"], [])).toThrow("at most 20 domains are allowed, got 21");
    expect(() => domainFilterOf([42], [])).toThrow("domains must be text");
  });
});
