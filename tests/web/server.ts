// A local "web" for source checks: one HTTP server on 127.0.0.1 serving every kind of page the checker
// must judge (supported, different figure, redirect, redirect loop, 404, 410, 403, 429, 20 MB, PDF,
// ISO-8859-1, text built by JavaScript, hostile HTML, slow), plus generated article pages for vault-scale
// benchmarks. It records every request (path, host, start and end time) so tests can assert the pace and
// that one host never sees two requests at once.
import http from "node:http";
import type { AddressInfo } from "node:net";

/** The claim every page is cited for, and the snippet Perplexity "quoted" from it. */
export const CLAIM = "Acme's revenue reached $4.5 billion in 2025, up 12%.";
export const SNIPPET = "Acme reported revenue of $4.5 billion for the fiscal year 2025, its best year so far.";
/** The sentence with the claim's other figure, on the pages that support the claim. */
const GROWTH = "Revenue grew 12% from the year before.";
const FILLER = "<p>" + "The report goes on to describe the company's products, its markets and the people who run it, at some length. ".repeat(5) + "</p>";

export function article(body: string, head = ""): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Acme results</title>${head}</head><body><nav>Home · News · 99% off</nav><article>${body}${FILLER}</article><footer>© 2026</footer></body></html>`;
}

export interface WebRequest {
  path: string;
  host: string;
  start: number;
  end: number;
  /** The Range header, if any. */
  range?: string;
}

export interface LocalWeb {
  origin: string;
  url(path: string): string;
  requests: WebRequest[];
  /** Highest number of requests to this server in progress at once. */
  maxConcurrent: number;
  close(): Promise<void>;
}

/** The pages, by path, with the verdict a check must give (asserted by tests and shown by the demo). */
export const PAGES = {
  "/supported": "supported",
  "/different-figure": "partly",
  "/redirect": "moved",
  "/loop": "unknown",
  "/gone-404": "gone",
  "/gone-410": "gone",
  "/forbidden": "unknown",
  "/rate-limited": "unknown",
  "/huge": "unknown",
  "/ranged-huge": "unknown",
  "/report.pdf": "unknown",
  "/latin1": "supported",
  "/js-only": "unknown",
  "/hostile": "supported",
  "/slow": "unknown",
} as const;

/** The French page's own claim and snippet. */
export const LATIN1_CLAIM = "L'étude publiée en 2025 le confirme.";
export const LATIN1_SNIPPET = "selon l'étude publiée par la société générale des études économiques";

/**
 * An emulator scenario whose answer cites these pages of the local web, each for the claim its page is about,
 * with the snippet Perplexity would have quoted (plus any `extra` citations).
 */
export function citingScenario(url: (path: string) => string, paths: string[], extra: { url: string; snippet: string; claim: string }[] = []) {
  const cited = [
    ...paths.map((p) => ({ url: url(p), snippet: p === "/latin1" ? LATIN1_SNIPPET : SNIPPET, claim: p === "/latin1" ? LATIN1_CLAIM : CLAIM })),
    ...extra,
  ];
  const text = cited.map((c, i) => `${c.claim}[${i + 1}]`).join("\n\n");
  const results = cited.map((c, i) => ({ id: i + 1, title: `Page ${i + 1}`, url: c.url, date: "2025-06-01", snippet: c.snippet }));
  return { steps: [{ answer: { text, searchResults: [{ results }] } }] };
}

export interface LocalWebOptions {
  /** How long /slow waits before answering (default 20 s, more than the 15 s cap; tests set less with a shorter timeout). */
  slowMs?: number;
  /** Delay of every generated /article/N page (benchmarks). */
  articleDelayMs?: number;
  /** Default 0: any free port. The demo uses a fixed one, so the URLs in its vault work on the next run. */
  port?: number;
}

export function startLocalWeb(options: LocalWebOptions = {}): Promise<LocalWeb> {
  const requests: WebRequest[] = [];
  let active = 0;
  const state = { maxConcurrent: 0 };
  const sockets = new Set<import("node:net").Socket>();
  let origin = "";
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const record: WebRequest = { path, host: req.headers.host ?? "", start: performance.now(), end: 0 };
    if (req.headers.range !== undefined) record.range = req.headers.range;
    requests.push(record);
    active++;
    state.maxConcurrent = Math.max(state.maxConcurrent, active);
    res.on("close", () => {
      active--;
      record.end = performance.now();
    });
    const send = (status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": type, ...headers });
      res.end(body);
    };
    const html = (body: string, status = 200) => send(status, "text/html; charset=utf-8", body);
    switch (path) {
      case "/supported":
        return html(article(`<h1>Results</h1><p>${SNIPPET} ${GROWTH}</p>`));
      case "/different-figure":
        return html(article(`<p>${SNIPPET} Revenue grew 9% from the year before.</p>`));
      case "/redirect":
        return send(301, "text/html", "", { location: "/new-home" });
      case "/new-home":
        return html(article(`<p>${SNIPPET} ${GROWTH}</p>`, `<link rel="canonical" href="${origin}/new-home">`));
      case "/loop":
        return send(302, "text/html", "", { location: "/loop-again" });
      case "/loop-again":
        return send(302, "text/html", "", { location: "/loop" });
      case "/gone-404":
        return html(article("<p>Not found</p>"), 404);
      case "/gone-410":
        return html(article("<p>Gone</p>"), 410);
      case "/forbidden":
        return html("<p>Access denied</p>", 403);
      case "/rate-limited":
        return send(429, "text/plain", "Too many requests", { "retry-after": "60" });
      case "/huge": {
        // 20 MB, and the Range header ignored, as a dynamic page would.
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        const chunk = Buffer.from(`<p>${SNIPPET} ${"x".repeat(900)}</p>\n`);
        for (let written = 0; written < 20 * 1024 * 1024; written += chunk.length) res.write(chunk);
        return res.end();
      }
      case "/ranged-huge": {
        // 3 MB from a server that honours Range: the first 2 MB only, and the real size in Content-Range.
        const total = 3 * 1024 * 1024;
        const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
        const from = range ? Number(range[1]) : 0;
        const to = range ? Math.min(Number(range[2]), total - 1) : total - 1;
        const body = Buffer.alloc(to - from + 1, "a");
        const headers: Record<string, string> = range ? { "content-range": `bytes ${from}-${to}/${total}` } : {};
        return send(range ? 206 : 200, "text/html; charset=utf-8", body, headers);
      }
      case "/report.pdf":
        return send(200, "application/pdf", Buffer.from(`%PDF-1.7\n${SNIPPET}\n%%EOF`));
      case "/latin1": {
        const page = article(`<p>Le chiffre d'affaires d'Acme a atteint 4,5 milliards en 2025, selon l'étude publiée par la société générale des études économiques.</p>`).replace('charset="utf-8"', 'charset="iso-8859-1"');
        return send(200, "text/html; charset=ISO-8859-1", Buffer.from(page, "latin1"));
      }
      case "/js-only":
        return html(`<!doctype html><html><head><title>App</title></head><body><div id="root"></div><script>document.getElementById("root").textContent = ${JSON.stringify(SNIPPET)};</script></body></html>`);
      case "/hostile":
        return html(
          article(
            `<p onmouseover="window.__pwned = true">${SNIPPET} ${GROWTH}</p><a href="javascript:window.__pwned=true">click</a><img src="x" onerror="window.__pwned = true"><script>window.__pwned = true; fetch("${origin}/beacon");</script><iframe src="${origin}/beacon"></iframe>`,
            `<script src="${origin}/beacon.js"></script><link rel="stylesheet" href="${origin}/beacon.css">`,
          ),
        );
      case "/slow": {
        const timer = setTimeout(() => html(article(`<p>${SNIPPET} ${GROWTH}</p>`)), options.slowMs ?? 20_000);
        res.on("close", () => clearTimeout(timer));
        return;
      }
    }
    const generated = /^\/article\/(\d+)$/.exec(path);
    if (generated) {
      const reply = () => html(article(`<h1>Article ${generated[1]}</h1><p>${SNIPPET} ${GROWTH}</p>`));
      if (options.articleDelayMs) setTimeout(reply, options.articleDelayMs);
      else reply();
      return;
    }
    html("<p>No such page</p>", 404);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    // A port already taken (the demo's fixed one) rejects, instead of an unhandled "error" event.
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve({
        origin,
        url: (p) => `${origin}${p}`,
        requests,
        get maxConcurrent() {
          return state.maxConcurrent;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
