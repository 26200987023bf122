// The desktop page fetcher against real HTTP servers on 127.0.0.1, with DNS answers injected: redirects
// followed and judged hop by hop, every resolved address checked on the answer Node then connects to, the 2 MB
// cap stopping the download itself, the timeout and a cancel closing the connection, the final URL recorded.
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fetchPageWithNode, type LookupAddress, type NodePageModules, type NodePageOptions, type ResolveAll } from "../../../src/obsidian/check/node-page-fetch";
import { parseDomainList } from "../../../src/core/source-check/host-guard";
import type { FetchOutcome } from "../../../src/core/source-check";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let handler: Handler = (_req, res) => res.end("unset");
const hits: string[] = [];
let server: http.Server;
let port = 0;
const sockets = new Set<Socket>();
let closedSockets = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(`${req.headers.host ?? ""}${req.url ?? ""}`);
    handler(req, res);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => {
      sockets.delete(s);
      closedSockets++;
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  hits.length = 0;
});

/** DNS answers by name; every call is recorded. A function answers per call (rebinding). */
function resolver(answers: Record<string, string[] | ((call: number) => string[])>): { resolve: ResolveAll; calls: string[] } {
  const calls: string[] = [];
  const resolve: ResolveAll = (hostname, _options, callback) => {
    calls.push(hostname);
    const entry = answers[hostname];
    const list = typeof entry === "function" ? entry(calls.filter((c) => c === hostname).length) : entry;
    setImmediate(() => {
      if (!list) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), []);
      callback(null, list.map((address): LookupAddress => ({ address, family: address.includes(":") ? 6 : 4 })));
    });
  };
  return { resolve, calls };
}

/** A public address this test network serves on 127.0.0.1 (as a NAT would): the guard sees it, the socket reaches the local server. */
const PUBLIC = "93.184.216.34";

/**
 * Node's http, on a test network where PUBLIC is served by the local server: the plugin's own lookup runs and
 * judges the real answer; only the address it approved is then swapped for 127.0.0.1 on its way to the socket.
 */
function routed(module: typeof http): NodePageModules["http"] {
  return {
    request: (url, options, callback) => {
      const lookup: typeof options.lookup = (hostname, opts, cb) =>
        options.lookup(hostname, opts, (err: unknown, address: unknown, family: unknown) => {
          if (err) return cb(err);
          if (Array.isArray(address)) return cb(null, (address as LookupAddress[]).map((a) => (a.address === PUBLIC ? { address: "127.0.0.1", family: 4 } : a)));
          cb(null, address === PUBLIC ? "127.0.0.1" : address, address === PUBLIC ? 4 : family);
        });
      return module.request(url, { ...options, lookup } as http.RequestOptions, callback as (res: http.IncomingMessage) => void);
    },
  };
}

function modules(resolve: ResolveAll): NodePageModules {
  return { http: routed(http), https: https as unknown as NodePageModules["https"], resolve };
}

const base: NodePageOptions = { timeoutSeconds: 5, allowPrivateHosts: false, skipDomains: [], userAgent: "test" };
const local = (path: string) => `http://127.0.0.1:${port}${path}`;
const named = (host: string, path: string) => `http://${host}:${port}${path}`;

function page(res: http.ServerResponse, text = "<p>the page</p>"): void {
  res.writeHead(200, { "content-type": "text/html" });
  res.end(text);
}

function kind(outcome: FetchOutcome): string {
  return outcome.kind === "refused" || outcome.kind === "error" ? `${outcome.kind}: ${"reason" in outcome ? outcome.reason : outcome.message}` : outcome.kind;
}

describe("SSRF: every host and every resolved address is checked before connecting", () => {
  it("refuses a public-looking name that resolves to 127.0.0.1, and connects to nothing", async () => {
    handler = (_req, res) => page(res, "<p>secret admin page</p>");
    const dns = resolver({ "intranet.example.com": ["127.0.0.1"] });
    const outcome = await fetchPageWithNode(named("intranet.example.com", "/admin"), base, modules(dns.resolve));
    expect(kind(outcome)).toBe("refused: not fetched: intranet.example.com resolves to 127.0.0.1, a private or local network address (allow private hosts in settings to check it)");
    expect(hits).toEqual([]);
  });

  it("refuses a name whose answer mixes a public and a private address", async () => {
    const dns = resolver({ "mixed.example.com": ["93.184.216.34", "10.0.0.7"] });
    expect(kind(await fetchPageWithNode(named("mixed.example.com", "/"), base, modules(dns.resolve)))).toContain("resolves to 10.0.0.7");
    const v6 = resolver({ "v6.example.com": ["::ffff:127.0.0.1"] });
    expect(kind(await fetchPageWithNode(named("v6.example.com", "/"), base, modules(v6.resolve)))).toContain("private or local network address");
  });

  it("fetches a public name (the guard sees its public address), and refuses its redirect to 127.0.0.1 unrequested", async () => {
    handler = (req, res) => {
      if (req.url === "/cited") return res.writeHead(302, { location: `http://127.0.0.1:${port}/admin/reboot?confirm=1` }).end();
      if (req.url === "/fine") return page(res, "<p>public page</p>");
      page(res, "<p>rebooted</p>");
    };
    const dns = resolver({ "news.example.com": [PUBLIC] });
    const fine = await fetchPageWithNode(named("news.example.com", "/fine"), base, modules(dns.resolve));
    expect(kind(fine)).toBe("response");
    hits.length = 0;
    const outcome = await fetchPageWithNode(named("news.example.com", "/cited"), base, modules(dns.resolve));
    expect(kind(outcome)).toBe(`refused: not fetched: the page redirects to http://127.0.0.1:${port}, and 127.0.0.1 is a private or local network address (allow private hosts in settings to check it)`);
    expect(hits).toEqual([`news.example.com:${port}/cited`]);
  });

  it("refuses a redirect to a name that resolves privately, and a redirect to localhost", async () => {
    handler = (req, res) => {
      if (req.url === "/cited") return res.writeHead(301, { location: `http://evil-rebind.example.com:${port}/admin` }).end();
      if (req.url === "/local") return res.writeHead(307, { location: `http://localhost.:${port}/admin` }).end();
      page(res, "<p>admin</p>");
    };
    const dns = resolver({ "news.example.com": [PUBLIC], "evil-rebind.example.com": ["192.168.1.1"] });
    const outcome = await fetchPageWithNode(named("news.example.com", "/cited"), base, modules(dns.resolve));
    expect(kind(outcome)).toContain("the page redirects to http://evil-rebind.example.com:");
    expect(kind(outcome)).toContain("evil-rebind.example.com resolves to 192.168.1.1, a private or local network address");
    const local = await fetchPageWithNode(named("news.example.com", "/local"), base, modules(dns.resolve));
    expect(kind(local)).toContain("localhost is a local network name");
    expect(hits).toEqual([`news.example.com:${port}/cited`, `news.example.com:${port}/local`]);
  });

  it("checks the answer it connects with: a rebinding name (public first, private after) never reaches 127.0.0.1", async () => {
    handler = (_req, res) => page(res, "<p>internal</p>");
    const dns = resolver({ "rebind.example.com": (call) => (call === 1 ? ["93.184.216.34"] : ["127.0.0.1"]) });
    // Not routed: the public address leads nowhere here, so any request the server sees came through a second answer.
    const unrouted = { ...modules(dns.resolve), http: http as unknown as NodePageModules["http"] };
    const outcome = await fetchPageWithNode(named("rebind.example.com", "/internal"), { ...base, timeoutSeconds: 1 }, unrouted);
    // Node connected to the public address it was handed, never to a second answer.
    expect(dns.calls).toEqual(["rebind.example.com"]);
    expect(hits).toEqual([]);
    expect(["timeout", "error"]).toContain(outcome.kind);
  });

  it("refuses redirects to other schemes and to domains never fetched", async () => {
    for (const [location, expected] of [
      ["file:///etc/passwd", "file: is not a web address"],
      ["javascript:alert(1)", "javascript: is not a web address"],
      [`http://Skipped.Example.ORG.:${port}/x`, "skipped.example.org is on your list of domains never to fetch"],
      [`http://bücher.example:${port}/x`, "xn--bcher-kva.example is on your list of domains never to fetch"],
    ] as const) {
      handler = (_req, res) => res.writeHead(307, { location }).end();
      const outcome = await fetchPageWithNode(local("/cited"), { ...base, allowPrivateHosts: true, skipDomains: parseDomainList("skipped.example.org, BÜCHER.example.") }, modules(resolver({}).resolve));
      expect(kind(outcome)).toContain(expected);
    }
  });
});

describe("redirects", () => {
  const allowed = { ...base, allowPrivateHosts: true };

  it("records the real final URL; a 301 or 308 from the cited address is a move, a 302 or 307 is not", async () => {
    handler = (req, res) => {
      if (req.url === "/old") return res.writeHead(301, { location: "/new" }).end();
      if (req.url === "/old308") return res.writeHead(308, { location: "/new" }).end();
      if (req.url === "/temp") return res.writeHead(302, { location: "/login" }).end();
      if (req.url === "/chain") return res.writeHead(301, { location: "/moved-here" }).end();
      if (req.url === "/moved-here") return res.writeHead(302, { location: "/today" }).end();
      page(res);
    };
    const fetch = (path: string) => fetchPageWithNode(local(path), allowed, modules(resolver({}).resolve));
    const moved = await fetch("/old");
    expect(moved.kind === "response" && moved.redirects).toEqual({ finalUrl: local("/new"), movedTo: local("/new") });
    const moved308 = await fetch("/old308");
    expect(moved308.kind === "response" && moved308.redirects).toEqual({ finalUrl: local("/new"), movedTo: local("/new") });
    const temporary = await fetch("/temp");
    expect(temporary.kind === "response" && temporary.redirects).toEqual({ finalUrl: local("/login") });
    const chain = await fetch("/chain");
    expect(chain.kind === "response" && chain.redirects).toEqual({ finalUrl: local("/today"), movedTo: local("/moved-here") });
    const none = await fetch("/page");
    expect(none.kind === "response" && none.redirects).toEqual({ finalUrl: local("/page") });
  });

  it("follows at most 5", async () => {
    handler = (req, res) => {
      const n = Number(/^\/r(\d+)$/.exec(req.url ?? "")?.[1] ?? NaN);
      if (Number.isFinite(n) && n > 0) return res.writeHead(302, { location: `/r${n - 1}` }).end();
      page(res);
    };
    const five = await fetchPageWithNode(local("/r5"), allowed, modules(resolver({}).resolve));
    expect(five.kind).toBe("response");
    hits.length = 0;
    const six = await fetchPageWithNode(local("/r6"), allowed, modules(resolver({}).resolve));
    expect(kind(six)).toBe("error: too many redirects, more than 5");
    expect(hits).toHaveLength(6);
  });
});

describe("the download itself stops", () => {
  const allowed = { ...base, allowPrivateHosts: true };

  it("at 2 MB, from a server that ignores Range and sends no length (1 GB on offer)", async () => {
    let written = 0;
    let ended: () => void = () => {};
    const serverDone = new Promise<void>((r) => (ended = r));
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      const chunk = Buffer.alloc(64 * 1024, "a");
      const pump = () => {
        while (written < 1024 ** 3) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      res.on("close", () => ended());
      pump();
    };
    const outcome = await fetchPageWithNode(local("/huge"), allowed, modules(resolver({}).resolve));
    expect(outcome.kind).toBe("too-large");
    await serverDone;
    // The server could only write what fits in the socket buffers after the plugin stopped reading.
    expect(written).toBeLessThan(32 * 1024 * 1024);
  });

  it("refuses a declared length over 2 MB unread", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/html", "content-length": String(50 * 1024 * 1024) });
      res.write("<p>start</p>");
    };
    expect(await fetchPageWithNode(local("/big"), allowed, modules(resolver({}).resolve))).toEqual({ kind: "too-large", bytes: 50 * 1024 * 1024 });
  });

  it("on timeout, closing the connection (not just giving up waiting)", async () => {
    const before = closedSockets;
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.write("<p>slow");
      // never ends
    };
    const outcome = await fetchPageWithNode(local("/slow"), { ...allowed, timeoutSeconds: 1 }, modules(resolver({}).resolve));
    expect(outcome).toEqual({ kind: "timeout", seconds: 1 });
    await new Promise((r) => setTimeout(r, 50));
    expect(closedSockets).toBeGreaterThan(before);
  });

  it("on cancel: rejects with an AbortError and closes the connection", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.write("<p>slow");
    };
    const controller = new AbortController();
    const before = closedSockets;
    const pending = fetchPageWithNode(local("/slow"), { ...allowed, signal: controller.signal }, modules(resolver({}).resolve));
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await new Promise((r) => setTimeout(r, 50));
    expect(closedSockets).toBeGreaterThan(before);
  });

  it("does not read a compressed page it did not ask for", async () => {
    handler = (req, res) => {
      expect(req.headers["accept-encoding"]).toBe("identity");
      res.writeHead(200, { "content-type": "text/html", "content-encoding": "gzip" });
      res.end("xx");
    };
    expect(kind(await fetchPageWithNode(local("/gz"), allowed, modules(resolver({}).resolve)))).toContain("gzip-compressed");
  });
});
