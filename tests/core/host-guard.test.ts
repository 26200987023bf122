import { describe, expect, it } from "vitest";
import { domainOnList, isIpAddress, normalizeHost, parseDomainList, privateAddressReason, privateHostReason } from "../../src/core/source-check/host-guard";

describe("privateAddressReason: what a name resolved to", () => {
  it.each([
    "127.0.0.1", "127.255.0.7", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "0.0.0.0", "100.100.0.1", "224.0.0.1", "255.255.255.255",
    "192.0.2.1", "198.51.100.7", "203.0.113.9", "192.0.0.170",
    "::", "::1", "fe80::1", "fe80::1%eth0", "fd12:3456::1", "fec0::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:0:7f00:1", "::ffff:0:10.1.2.3", "0:0:0:0:0:ffff:c0a8:0101", "::127.0.0.1",
    "64:ff9b::7f00:1", "64:ff9b::192.168.0.1", "64:ff9b:1::8.8.8.8", "2002:c0a8:0101::1", "2002:7f00:1::", "2001:0:4136:e378::1", "2001:db8::1", "100::1",
    "[::1]",
  ])("refuses %s", (address) => expect(privateAddressReason(address)).toBe("a private or local network address"));

  it.each(["8.8.8.8", "93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "2a00:1450:4001::200e", "64:ff9b::808:808", "2002:0808:0808::1", "::ffff:8.8.8.8"])(
    "allows %s",
    (address) => expect(privateAddressReason(address)).toBeNull(),
  );

  it("refuses an answer that is no IP address at all", () => {
    for (const bad of ["localhost", "", "1.2.3", "1.2.3.256", "::1::2", "1:2:3:4:5:6:7:8:9", "gggg::1"]) expect(privateAddressReason(bad)).toBe("not an IP address");
  });

  it("tells addresses from names", () => {
    expect(isIpAddress("127.0.0.1")).toBe(true);
    expect(isIpAddress("[::1]")).toBe(true);
    expect(isIpAddress("example.com")).toBe(false);
  });
});

describe("privateHostReason: the host in a URL", () => {
  it.each(["http://127.0.0.1./", "http://localhost./admin", "http://router.local./", "http://[::ffff:7f00:1]/", "http://[64:ff9b::a00:1]/", "http://017700000001/"])("refuses %s", (url) =>
    expect(privateHostReason(url)).not.toBeNull(),
  );
});

describe("domain lists", () => {
  it("compare lower-cased, trailing-dot-free, punycode hosts", () => {
    expect(normalizeHost("Skipped.Example.ORG.")).toBe("skipped.example.org");
    expect(normalizeHost("bücher.example")).toBe("xn--bcher-kva.example");
    expect(normalizeHost("BÜCHER.example.")).toBe("xn--bcher-kva.example");
    expect(normalizeHost("*.example.com")).toBe("example.com");
    expect(normalizeHost(".example.com")).toBe("example.com");
    expect(normalizeHost("https://Sub.Example.com:8443/path?q")).toBe("sub.example.com");
    expect(normalizeHost("example.com/some/page")).toBe("example.com");
    expect(normalizeHost("ｅｘａｍｐｌｅ。com")).toBe("example.com");
    expect(normalizeHost("")).toBeNull();
    expect(normalizeHost("http://")).toBeNull();
  });

  it("parses what the user typed, whatever the separators", () => {
    expect(parseDomainList("example.com, .Example.org\nbücher.example; skipped.example.org.  example.com")).toEqual([
      "example.com", "example.org", "xn--bcher-kva.example", "skipped.example.org",
    ]);
  });

  it("covers a domain and its subdomains in any spelling, and nothing else", () => {
    const list = parseDomainList("skipped.example.org, bücher.example");
    for (const host of ["skipped.example.org", "skipped.example.org.", "a.b.SKIPPED.example.org..", "xn--bcher-kva.example", "www.bücher.example", "WWW.BÜCHER.EXAMPLE."]) {
      expect({ host, on: domainOnList(host, list) !== undefined }).toEqual({ host, on: true });
    }
    for (const host of ["example.org", "notskipped.example.org", "skipped.example.org.evil.example", "bucher.example"]) {
      expect({ host, on: domainOnList(host, list) !== undefined }).toEqual({ host, on: false });
    }
  });
});
