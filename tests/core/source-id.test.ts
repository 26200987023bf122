import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base36Digits, hashText, sha256Hex, sha256Words } from "../../src/core/hash";
import { canonicalUrl, isHttpUrl, resolveSourceId, SOURCE_ID_VERSION, sourceId, type IdStatus } from "../../src/core/source-id";

describe("sha256", () => {
  it("matches the FIPS 180-4 vectors", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });
  it("hashes UTF-8 and multi-block input (checked against Node crypto once)", () => {
    expect(sha256Hex("é€😀")).toBe("df9226927fd572c1ee66eec85de1bb139497614899f36e4e90474cb71f6ef9d0");
    expect(sha256Hex("a".repeat(1000)).slice(0, 16)).toBe("41edece42d63e8d9");
    // Lengths around the padding boundary (55, 56, 64 bytes) must not corrupt the scratch buffer between calls.
    const lengths = [55, 56, 63, 64, 65, 119, 120];
    const first = lengths.map((n) => sha256Hex("x".repeat(n)));
    sha256Words("y".repeat(5000));
    expect(lengths.map((n) => sha256Hex("x".repeat(n)))).toEqual(first);
  });
  it("renders base 36 from the least significant digit", () => {
    expect(base36Digits([0, 0, 0, 0, 0, 0, 0, 37], 3)).toBe("110");
    expect(() => base36Digits([0, 0, 0, 0, 0, 0, 0, 1], 50)).toThrow(RangeError);
  });
  it("hashText is pinned", () => {
    expect(hashText("")).toBe("p3dkhqqxivi7");
    expect(hashText("hello")).toBe("obog1y932qey");
  });
});

describe("canonicalUrl", () => {
  const cases: [string, string | null][] = [
    ["HTTPS://Example.COM", "https://example.com/"],
    ["https://example.com:443/a/", "https://example.com/a"],
    ["http://example.com:80/a//", "http://example.com/a"],
    ["http://example.com:8080/", "http://example.com:8080/"],
    ["https://example.com/a?b=2&a=1#frag", "https://example.com/a?a=1&b=2"],
    ["https://example.com/?utm_source=x&UTM_Medium=y&fbclid=1&gclid=2&id=3&mc_cid=4&_hsenc=5&ref_src=6", "https://example.com/?id=3"],
    ["https://example.com/?a=2&b=1&a=1", "https://example.com/?a=2&a=1&b=1"],
    ["https://example.com/?utm_source=x", "https://example.com/"],
    ["https://youtu.be/gYVxWYI7Pq4?si=S1elArPteleWlFQg", "https://youtu.be/gYVxWYI7Pq4"],
    ["https://www.youtube.com/watch?v=abc&si=x", "https://www.youtube.com/watch?v=abc"],
    ["https://example.com/?si=keep", "https://example.com/?si=keep"],
    ["https://user:pw@example.com/x", "https://example.com/x"],
    ["https://example.com/%7euser/%2fa%2E", "https://example.com/~user/%2Fa%2E"],
    ["https://example.com/100%", "https://example.com/100%25"],
    ["https://bücher.example/", "https://xn--bcher-kva.example/"],
    ["https://example.com/a/./b/../c", "https://example.com/a/c"],
    ["  https://example.com/x  ", "https://example.com/x"],
    ["https://[::1]:8443/", "https://[::1]:8443/"],
    ["ftp://example.com/", null],
    ["javascript:alert(1)", null],
    ["mailto:a@b.c", null],
    ["obsidian://open?vault=x", null],
    ["not a url", null],
    ["/relative/path", null],
    ["", null],
  ];
  it.each(cases)("%s → %s", (input, expected) => {
    expect(canonicalUrl(input)).toBe(expected);
  });
  it("is idempotent", () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const c = canonicalUrl(url);
        expect(c).not.toBeNull();
        expect(canonicalUrl(c!)).toBe(c);
      }),
      { numRuns: 500 },
    );
  });
  it("isHttpUrl", () => {
    expect(isHttpUrl("https://a.b/")).toBe(true);
    expect(isHttpUrl("file:///etc/passwd")).toBe(false);
  });
});

describe("sourceId", () => {
  // Computed once with this code and checked independently (Python hashlib, same digit rule).
  // Changing the algorithm or the canonical form must fail this test: bump SOURCE_ID_VERSION and migrate.
  const vectors: [string, string, string][] = [
    ["https://example.com/", "zhdqv5", "zhdqv5br"],
    ["https://en.wikipedia.org/wiki/TypeScript", "81fwr7", "81fwr7ez"],
    ["https://www.typescriptlang.org/", "gbp3bq", "gbp3bqu3"],
    ["https://youtu.be/gYVxWYI7Pq4?si=S1elArPteleWlFQg", "ntzmm9", "ntzmm95u"],
    ["https://en.wikipedia.org/wiki/Bittensor_(network)", "kr8h8q", "kr8h8qnt"],
    ["http://example.com:8080/a/b?z=1&a=2", "9fvlpe", "9fvlpesv"],
    ["https://xn--bcher-kva.example/straße", "ygy4xo", "ygy4xoha"],
    ["https://example.com/search?q=caf%C3%A9", "a9ixcn", "a9ixcn3w"],
    ["https://arxiv.org/abs/2401.00001", "z9mwfh", "z9mwfhwa"],
    ["https://news.ycombinator.com/item?id=1", "zh7zty", "zh7zty0c"],
  ];
  it("is version 1", () => expect(SOURCE_ID_VERSION).toBe(1));
  it.each(vectors)("%s → %s", (url, six, eight) => {
    expect(sourceId(url)).toBe(six);
    expect(sourceId(url, 8)).toBe(eight);
  });
  it("is the same for equivalent URLs", () => {
    expect(sourceId("HTTPS://EXAMPLE.com:443/?utm_campaign=z#top")).toBe("zhdqv5");
  });
  it("has the requested length, lowercase base 36, and longer IDs extend shorter ones", () => {
    fc.assert(
      fc.property(fc.webUrl(), fc.integer({ min: 1, max: 48 }), (url, n) => {
        const a = sourceId(url, n)!;
        const b = sourceId(url, n + 1)!;
        expect(a).toMatch(new RegExp(`^[0-9a-z]{${n}}$`));
        expect(b.startsWith(a)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
  it("is null for non-http(s) URLs and rejects bad lengths", () => {
    expect(sourceId("ftp://x.y/")).toBeNull();
    expect(() => sourceId("https://x.y/", 0)).toThrow(RangeError);
    expect(() => sourceId("https://x.y/", 50)).toThrow(RangeError);
  });
});

describe("resolveSourceId", () => {
  const url = "https://example.com/";
  it("keeps 6 characters when free or already this URL's", () => {
    expect(resolveSourceId(url, () => "free")).toBe("zhdqv5");
    expect(resolveSourceId(url, () => "same")).toBe("zhdqv5");
  });
  it("lengthens while another URL holds the ID", () => {
    const others = new Set(["zhdqv5", "zhdqv5b"]);
    const asked: string[] = [];
    const id = resolveSourceId(url, (candidate): IdStatus => {
      asked.push(candidate);
      return others.has(candidate) ? "other" : "free";
    });
    expect(id).toBe("zhdqv5br");
    expect(asked).toEqual(["zhdqv5", "zhdqv5b", "zhdqv5br"]);
  });
  it("stops lengthening at an ID that already holds this URL", () => {
    expect(resolveSourceId(url, (c) => (c === "zhdqv5" ? "other" : "same"))).toBe("zhdqv5b");
  });
  it("throws when every length is taken, and for non-http(s) URLs", () => {
    expect(() => resolveSourceId(url, () => "other")).toThrow();
    expect(() => resolveSourceId("file:///x", () => "free")).toThrow(RangeError);
  });
  it("gives distinct IDs to URLs that collide at 6 characters", () => {
    const owner = new Map<string, string>();
    const urls = Array.from({ length: 3000 }, (_, i) => `https://e${i}.example/p`);
    for (const u of urls) {
      const c = canonicalUrl(u)!;
      // Force collisions: pretend every 6-character ID is already used by some other URL.
      const id = resolveSourceId(u, (cand) => (cand.length === 6 ? "other" : owner.has(cand) ? (owner.get(cand) === c ? "same" : "other") : "free"));
      expect(id.length).toBeGreaterThanOrEqual(7);
      owner.set(id, c);
    }
    expect(owner.size).toBe(urls.length);
  });
});
