// Issue 19, item 7, through the built main.js: page checks against a hostile web (tests/fixtures/hostile/pages).
// One HTTP server on 127.0.0.1 serves every page; the runtime injects DNS answers (public, private, mixed, IPv4-
// mapped, the metadata address, a rebinding name) and delivers the public address to that server, as a NAT would.
// Desktop: no redirect, name or rebinding reaches a private address, the download stops at 2 MB, a 301 is "moved"
// to the real final URL, the skip list holds whatever the spelling. Mobile: checks stay off unless allowed there.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseBlocks } from "../../src/core/block";
import { canonicalUrl } from "../../src/core/source-id";
import { article, CLAIM, SNIPPET } from "../web/server";
import { selectInNote, startHarness } from "./harness";
import type { Harness } from "./harness";

interface PageCase {
  cite: string;
  does: string;
  verdict: string | null;
  reason: string;
}
interface Corpus {
  dns: Record<string, string[]>;
  rebinding: { name: string; first: string[]; then: string[] };
  routes: Record<string, string>;
  skipDomains: string;
  pages: PageCase[];
  neverRequested: string[];
}
const corpus = JSON.parse(readFileSync("tests/fixtures/hostile/pages/pages.json", "utf8")) as Corpus;

let server: http.Server;
let port = 0;
const seen: { host: string; path: string }[] = [];
let streamed = 0;
const sockets = new Set<Socket>();
const GROWTH = "Revenue grew 12% from the year before.";

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    seen.push({ host: req.headers.host ?? "", path });
    const redirect = (status: number, location: string) => res.writeHead(status, { location }).end();
    const page = (body: string, head = "") => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(article(body, head));
    const chain = /^\/chain-(\d+)$/.exec(path);
    if (chain) return Number(chain[1]) > 0 ? redirect(302, `/chain-${Number(chain[1]) - 1}`) : page(`<p>${SNIPPET} ${GROWTH}</p>`);
    switch (path) {
      case "/redirect-to-admin":
        return redirect(302, `http://127.0.0.1:${port}/admin/reboot?confirm=1`);
      case "/redirect-to-alias":
        return redirect(301, `http://intranet-alias.example.com:${port}/admin`);
      case "/redirect-to-localhost":
        return redirect(307, `http://localhost.:${port}/admin`);
      case "/redirect-to-file":
        return redirect(302, "file:///etc/passwd");
      case "/redirect-to-skipped":
        return redirect(302, `http://sub.skipped.example.org.:${port}/x`);
      case "/moved":
        return redirect(301, "/new-home");
      case "/new-home":
        return page(`<p>${SNIPPET} ${GROWTH}</p>`, `<link rel="canonical" href="http://127.0.0.1/internal">`);
      case "/temporary":
        return redirect(302, "/login-wall");
      case "/login-wall":
        return page(`<p>${SNIPPET} ${GROWTH}</p>`);
      case "/stream-1gb": {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        const chunk = Buffer.from(`<p>${SNIPPET} ${"x".repeat(64 * 1024)}</p>\n`);
        const pump = (): void => {
          while (streamed < 1024 ** 3 && !res.destroyed) {
            streamed += chunk.length;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
          res.end();
        };
        return pump();
      }
      default:
        // /admin, /admin/reboot, /latest/meta-data/, /x, /page: what must never be reached.
        return page("<p>internal: the router rebooted</p>");
    }
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const withPort = (s: string) => s.replaceAll("{port}", String(port));
const NOTE = "Acme.md";
const QUESTION = "How did Acme do in 2025?";

/** How often the rebinding name was resolved (a check that resolves twice would connect to the second answer). */
let rebindCalls = 0;

function resolver(): (hostname: string) => string[] | undefined {
  rebindCalls = 0;
  return (hostname) => {
    const name = hostname.toLowerCase().replace(/\.+$/, "");
    if (name === corpus.rebinding.name) return rebindCalls++ === 0 ? corpus.rebinding.first : corpus.rebinding.then;
    return corpus.dns[name];
  };
}

/** Asks a question whose answer cites `cites`, then checks its sources; returns the note. */
async function askAndCheck(platform: "desktop" | "mobile", cites: string[], settings: Record<string, unknown>) {
  const extra = cites.map((url) => ({ url, snippet: SNIPPET, claim: CLAIM }));
  const text = extra.map((c, i) => `${c.claim}[${i + 1}]`).join("\n\n");
  const results = extra.map((c, i) => ({ id: i + 1, title: `Page ${i + 1}`, url: c.url, date: "2025-06-01", snippet: c.snippet }));
  h = await startHarness({
    platform,
    files: { [NOTE]: `# Acme\n\n${QUESTION}\n` },
    scenario: { steps: [{ answer: { text, searchResults: [{ results }] } }] },
    settings: { checkSourcesFetch: true, checkSourcesAllowPrivateHosts: false, checkSourcesTimeoutSeconds: 2, checkSourcesPerSecond: 50, ...settings },
    runtime: { resolve: resolver(), routes: corpus.routes },
  });
  await selectInNote(h.runtime, NOTE, QUESTION);
  h.runtime.runCommand("ask-selection");
  await h.plugin.idle();
  h.plugin.clock = { now: () => new Date("2026-12-01T09:00:00.000Z") };
  seen.length = 0;
  expect(h.runtime.runCommand("check-sources-in-note")).toBe(true);
  await h.plugin.idle();
  return h.runtime.editor(NOTE).getValue();
}

describe("page checks against a hostile web", () => {
  it("desktop: nothing private is reached by redirect, name or rebinding; 2 MB stops the download; a 301 is moved to the real URL; the skip list holds", async () => {
    const cites = corpus.pages.map((p) => withPort(p.cite));
    const note = await askAndCheck("desktop", cites, { checkSourcesSkipDomains: corpus.skipDomains });
    const block = parseBlocks(note)[0]!.block;
    for (const p of corpus.pages) {
      const source = block.sources.find((s) => s.url === canonicalUrl(withPort(p.cite)))!;
      expect(source, p.cite).toBeDefined();
      const got = { page: p.does, verdict: source.check?.verdict ?? null, reason: source.check?.reason ?? "" };
      expect(got.verdict, p.does).toBe(p.verdict);
      expect(got.reason, p.does).toContain(withPort(p.reason));
    }
    // The private side of this web was never asked for anything.
    const reached = seen.map((r) => r.path);
    for (const path of corpus.neverRequested) expect(reached, path).not.toContain(path);
    expect(seen.some((r) => r.host.startsWith("127.0.0.1") || r.host.startsWith("intranet") || r.host.startsWith("rebind"))).toBe(false);
    expect(rebindCalls).toBe(1);
    // The endless page: the server could write little more than the 2 MB the check read before it hung up.
    expect(streamed).toBeGreaterThan(2 * 1024 * 1024);
    expect(streamed).toBeLessThan(64 * 1024 * 1024);
    // The moved page's note records the real final URL, not the canonical link it claims.
    const moved = block.sources.find((s) => s.url === canonicalUrl(withPort("http://news.example.com:{port}/moved")))!;
    const movedNote = await h!.runtime.app.vault.read(h!.runtime.app.vault.getFileByPath(`Sources/${moved.id}.md`)!);
    expect(movedNote).toContain(`final_url: http://news.example.com:${port}/new-home`);
    expect(`${note}\n${movedNote}\n${h!.runtime.notices.join("\n")}`).not.toContain("127.0.0.1/internal");
    expect(h!.runtime.notices.at(-1)).toContain("2 skipped");
  });

  it("mobile: checks stay off unless allowed there, and the setting says what cannot be guaranteed", async () => {
    const cites = [withPort("http://news.example.com:{port}/temporary")];
    const note = await askAndCheck("mobile", cites, {});
    expect(seen).toEqual([]);
    expect(parseBlocks(note)[0]!.block.sources[0]!.check).toBeUndefined();
    expect(h!.runtime.notices.at(-1)).toContain("Allow fetching pages on mobile");
    const tab = (h!.plugin as unknown as { settingTabs__: { display(): void; containerEl: HTMLElement }[] }).settingTabs__[0]!;
    tab.display();
    const shown = tab.containerEl.textContent ?? "";
    expect(shown).toContain("Allow fetching pages on mobile");
    expect(shown).toContain("follows redirects without showing them");
    expect(shown).toContain("cannot see what a name resolves to");
    expect(shown).toContain("downloads a large page whole");
    await h!.close();
    h = undefined;

    // Allowed there: the check runs (with requestUrl's limits, which the setting described).
    const allowed = await askAndCheck("mobile", cites, { checkSourcesFetchOnMobile: true });
    expect(parseBlocks(allowed)[0]!.block.sources[0]!.check?.verdict).toBe("supported");
  });
});
