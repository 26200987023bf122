// The streaming desktop transport (Node http/https wrapped as fetch): first on small purpose-built
// servers (streaming, headers, bodies, backpressure, abort, failures), then under the client against
// the Perplexity emulator, compared with the requestUrl transport.

import http, { createServer } from "node:http";
import type { ClientRequest, IncomingMessage, Server, ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPerplexityClient } from "../../src/perplexity/client";
import type { PerplexityClientOptions } from "../../src/perplexity/client";
import { PerplexityError } from "../../src/perplexity/errors";
import type { ErrorKind } from "../../src/perplexity/errors";
import { createNodeHttpsFetch } from "../../src/perplexity/transport-node-https";
import type { NodeHttpLike } from "../../src/perplexity/transport-node-https";
import { createRequestUrlFetch } from "../../src/perplexity/transport-request-url";
import type { AskRequest } from "../../src/core/ask-request";
import type { Answer, StreamProgress } from "../../src/core/answer";
import { startEmulator } from "../emulator/server";
import type { Emulator, Scenario } from "../emulator/server";
import { nodeRequestUrl } from "../support/node-request-url";

/** The real modules, with every ClientRequest kept so tests can check that sockets were destroyed. */
function spiedModules(): { modules: { http: NodeHttpLike; https: NodeHttpLike }; requests: ClientRequest[] } {
  const requests: ClientRequest[] = [];
  const spy = (mod: typeof http | typeof https): NodeHttpLike => ({
    request: (url, options, callback) => {
      const req = mod.request(url, options, callback);
      requests.push(req);
      return req;
    },
  });
  return { modules: { http: spy(http), https: spy(https) }, requests };
}

const nodeFetch = createNodeHttpsFetch({ http, https });

/** A tiny server whose handler each test sets. */
let server: Server;
let origin = "";
let handler: (req: IncomingMessage, res: ServerResponse, body: string) => void = (_req, res) => res.end();
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handler(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Resolves when the server sees the client's connection go away. */
function closedByClient(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => res.once("close", () => resolve()));
}

/** Fails instead of hanging when a promise does not settle in time. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))]);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

async function freePortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe("createNodeHttpsFetch", () => {
  it("streams: the first chunk is readable before the server sends the rest", async () => {
    let sendRest: () => void = () => undefined;
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: first\n\n");
      sendRest = () => res.end("data: last\n\n");
    };
    const response = await within(2000, nodeFetch(`${origin}/s`), "headers");
    const reader = response.body!.getReader();
    // A buffering transport would wait for the end here, which never comes until sendRest().
    const first = await within(2000, reader.read(), "first chunk");
    expect(new TextDecoder().decode(first.value)).toBe("data: first\n\n");
    expect(first.value).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(first.value)).toBe(false);
    sendRest();
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    expect(rest).toBe("data: last\n\n");
  });

  it("keeps status, status text, URL and headers (repeated ones joined)", async () => {
    handler = (_req, res) => {
      res.setHeader("x-multi", ["a", "b"]);
      res.setHeader("set-cookie", ["c=1", "d=2"]);
      res.writeHead(418, "I'm a teapot", { "content-type": "application/json" });
      res.end('{"ok":false}');
    };
    const response = await nodeFetch(new URL(`${origin}/tea?x=1`));
    expect(response.status).toBe(418);
    expect(response.ok).toBe(false);
    expect(response.statusText).toBe("I'm a teapot");
    expect(response.url).toBe(`${origin}/tea?x=1`);
    expect(response.headers.get("x-multi")).toBe("a, b");
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ ok: false });
  });

  it("sends method, headers (Headers, arrays, records) and string / bytes / no body; drops x-stainless-*", async () => {
    const seen: { method: string; headers: IncomingMessage["headers"]; body: string }[] = [];
    handler = (req, res, body) => {
      seen.push({ method: req.method ?? "", headers: req.headers, body });
      res.end("ok");
    };
    const bytes = new TextEncoder().encode("bytes-body");
    await nodeFetch(`${origin}/a`, { method: "post", headers: new Headers({ "X-One": "1", "X-Stainless-OS": "Linux" }), body: '{"q":"é"}' });
    await nodeFetch(`${origin}/b`, { method: "PUT", headers: [["x-two", "2"], ["x-stainless-arch", "x64"]], body: bytes });
    await nodeFetch(`${origin}/c`, { method: "POST", headers: { "x-three": "3", "accept-encoding": "gzip, br" }, body: bytes.buffer });
    await nodeFetch(`${origin}/d`, { method: "POST" });
    await nodeFetch(`${origin}/e`);
    expect(seen.map((s) => [s.method, s.body])).toEqual([
      ["POST", '{"q":"é"}'],
      ["PUT", "bytes-body"],
      ["POST", "bytes-body"],
      ["POST", ""],
      ["GET", ""],
    ]);
    expect(seen[0]?.headers).toMatchObject({ "x-one": "1", "content-length": String(new TextEncoder().encode('{"q":"é"}').byteLength) });
    expect(seen[1]?.headers).toMatchObject({ "x-two": "2", "content-length": "10" });
    expect(seen[2]?.headers).toMatchObject({ "x-three": "3", "accept-encoding": "identity" });
    expect(seen[3]?.headers["content-length"]).toBe("0");
    expect(seen[4]?.headers["content-length"]).toBeUndefined();
    for (const s of seen) {
      expect(Object.keys(s.headers).filter((h) => h.startsWith("x-stainless-"))).toEqual([]);
      expect(s.headers["accept-encoding"]).toBe("identity");
      expect(s.headers["transfer-encoding"]).toBeUndefined();
    }
  });

  it("a Request object as input: its method, headers and body are sent", async () => {
    let got = "";
    handler = (req, res, body) => {
      got = `${req.method ?? ""} ${req.headers["x-req"] as string} ${body}`;
      res.end();
    };
    await nodeFetch(new Request(`${origin}/r`, { method: "POST", headers: { "x-req": "yes" }, body: "from-request" }));
    expect(got).toBe("POST yes from-request");
  });

  it("204 has a null body; HEAD has a null body", async () => {
    handler = (req, res) => {
      res.writeHead(req.method === "HEAD" ? 200 : 204, { "content-length": req.method === "HEAD" ? "5" : "0" });
      res.end();
    };
    const noContent = await nodeFetch(`${origin}/n`, { method: "DELETE" });
    expect(noContent.status).toBe(204);
    expect(noContent.body).toBeNull();
    const head = await nodeFetch(`${origin}/h`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
  });

  it("applies backpressure: a consumer that does not read stalls the server; reading resumes it", async () => {
    const total = 32 * 1024 * 1024;
    const piece = Buffer.alloc(64 * 1024, 97);
    let written = 0;
    let finished = false;
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(total) });
      const pump = (): void => {
        while (written < total) {
          written += piece.length;
          if (!res.write(piece)) {
            res.once("drain", pump);
            return;
          }
        }
        res.end(() => (finished = true));
      };
      pump();
    };
    const response = await nodeFetch(`${origin}/big`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Without pausing, the whole body would sit in the stream's queue and the server would be done.
    expect(finished).toBe(false);
    expect(written).toBeLessThan(total);
    let received = 0;
    const reader = response.body!.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) received += r.value.byteLength;
    expect(received).toBe(total);
  });

  it("refuses a compressed body the server sends despite accept-encoding: identity", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(gzipSync('{"a":1}'));
    };
    const err = await rejection(nodeFetch(`${origin}/gz`));
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toContain("gzip");
  });

  it("abort before the response → AbortError, and the connection is closed", async () => {
    let serverSawClose: Promise<void> = Promise.resolve();
    let arrived: () => void = () => undefined;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    handler = (_req, res) => {
      serverSawClose = closedByClient(res);
      arrived();
    };
    const controller = new AbortController();
    const pending = nodeFetch(`${origin}/hang`, { signal: controller.signal });
    await requestArrived;
    controller.abort();
    const err = await rejection(pending);
    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).name).toBe("AbortError");
    await within(2000, serverSawClose, "server sees the close");

    const { modules, requests } = spiedModules();
    const already = new AbortController();
    already.abort();
    const early = await rejection(createNodeHttpsFetch(modules)(`${origin}/never`, { signal: already.signal }));
    expect((early as DOMException).name).toBe("AbortError");
    expect(requests).toHaveLength(0);
  });

  it("abort mid-body → the stream errors with AbortError and the socket is destroyed", async () => {
    let serverSawClose: Promise<void> = Promise.resolve();
    handler = (_req, res) => {
      serverSawClose = closedByClient(res);
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: 1\n\n");
    };
    const { modules, requests } = spiedModules();
    const controller = new AbortController();
    const response = await createNodeHttpsFetch(modules)(`${origin}/mid`, { signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    const next = reader.read();
    controller.abort();
    const err = await rejection(next);
    expect((err as DOMException).name).toBe("AbortError");
    expect(requests[0]?.destroyed).toBe(true);
    expect(requests[0]?.socket?.destroyed ?? true).toBe(true);
    await within(2000, serverSawClose, "server sees the close");

    // As with fetch, an abort also fails a body that fully arrived but was not read yet.
    handler = (_req, res) => res.end("complete body");
    const late = new AbortController();
    const unread = await nodeFetch(`${origin}/done`, { signal: late.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    late.abort();
    expect(((await rejection(unread.text())) as DOMException).name).toBe("AbortError");
  });

  it("cancelling the body (the reader stops early) closes the connection", async () => {
    let serverSawClose: Promise<void> = Promise.resolve();
    handler = (_req, res) => {
      serverSawClose = closedByClient(res);
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: 1\n\n");
    };
    const response = await nodeFetch(`${origin}/cancel`);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    await within(2000, serverSawClose, "server sees the close");
  });

  it("a server that disconnects mid-body → the data that came is still read, then the stream errors with a TypeError", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: partial\n\n", () => setTimeout(() => res.socket?.destroy(), 20));
    };
    const response = await nodeFetch(`${origin}/cut`);
    // Read only after the connection is gone: what arrived before must not be thrown away.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("data: partial\n\n");
    const err = await within(2000, rejection(reader.read()), "stream error");
    expect(err).toBeInstanceOf(TypeError);
  });

  it("one read takes everything that arrived since the last read (not one chunk per TCP segment)", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const parts = ["data: 1\n\n", "data: 2\n\n", "data: 3\n\n"];
      const next = (): void => {
        const part = parts.shift();
        if (part === undefined) res.end();
        else res.write(part, () => setTimeout(next, 15));
      };
      next();
    };
    const response = await nodeFetch(`${origin}/many`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const reader = response.body!.getReader();
    const all = await reader.read();
    expect(new TextDecoder().decode(all.value)).toBe("data: 1\n\ndata: 2\n\ndata: 3\n\n");
    expect((await reader.read()).done).toBe(true);
  });

  it("a body shorter than its content-length is an error, not a clean end", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("only ten b", () => res.socket?.destroy());
    };
    const response = await nodeFetch(`${origin}/short`);
    const err = await within(2000, rejection(response.text()), "short body");
    expect(err).toBeInstanceOf(TypeError);
  });

  it("network failures reject with TypeError: closed port, bad URL, unsupported protocol", async () => {
    const closed = await rejection(nodeFetch(`${await freePortUrl()}/x`));
    expect(closed).toBeInstanceOf(TypeError);
    expect((closed as TypeError).cause).toMatchObject({ code: "ECONNREFUSED" });
    expect(await rejection(nodeFetch("not a url"))).toBeInstanceOf(TypeError);
    expect(await rejection(nodeFetch("ftp://127.0.0.1/x"))).toBeInstanceOf(TypeError);
  });
});

// ---------------------------------------------------------------------------------------------

const KEY = "pplx-test-0123456789abcdefSECRET";
const QUESTION: AskRequest = {
  question: "What is the official TypeScript website?",
  choice: { preset: "fast" },
  maxOutputTokens: 512,
};

describe("the client over the Node transport, against the emulator", () => {
  let emu: Emulator;
  let firstRequest = 0;
  beforeAll(async () => {
    emu = await startEmulator({});
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(() => {
    emu.setScenario({ apiKey: KEY });
    firstRequest = emu.requests.length;
  });
  afterEach(() => {
    handler = (_req, res) => res.end();
  });
  const recorded = (): Emulator["requests"] => emu.requests.slice(firstRequest);
  const useScenario = (scenario: Scenario): void => emu.setScenario({ apiKey: KEY, ...scenario });

  const client = (overrides: Partial<PerplexityClientOptions> = {}) =>
    createPerplexityClient({ baseUrl: emu.baseUrl, getApiKey: () => KEY, fetch: nodeFetch, timeoutMs: 3000, maxRetries: 1, ...overrides });

  async function failure(promise: Promise<unknown>, kind: ErrorKind): Promise<PerplexityError> {
    const caught = await rejection(promise);
    expect(caught).toBeInstanceOf(PerplexityError);
    const error = caught as PerplexityError;
    expect(error.kind).toBe(kind);
    expect(JSON.stringify(error) + error.message).not.toContain("SECRET");
    return error;
  }

  const withoutId = (answer: Answer): Omit<Answer, "responseId"> => {
    const { responseId, ...rest } = answer;
    expect(responseId).toMatch(/^resp_/);
    return rest;
  };

  it("gives the same Answer as the requestUrl transport, streamed and buffered; sends no x-stainless-*", async () => {
    const viaRequestUrl = createPerplexityClient({
      baseUrl: emu.baseUrl,
      getApiKey: () => KEY,
      fetch: createRequestUrlFetch(nodeRequestUrl),
      timeoutMs: 3000,
    });
    const reference = await viaRequestUrl.ask(QUESTION, { stream: true });
    const progress: StreamProgress[] = [];
    const streamed = await client().ask(QUESTION, { stream: true, onProgress: (p) => progress.push(p) });
    const buffered = await client().ask(QUESTION);
    expect(reference.text.length).toBeGreaterThan(0);
    expect(withoutId(streamed)).toEqual(withoutId(reference));
    expect(withoutId(buffered)).toEqual(withoutId(reference));
    expect([...new Set(progress.map((p) => p.type))].sort()).toEqual(["created", "searching", "sources", "text"]);
    const [, ours, oursBuffered] = recorded();
    expect(ours?.json).toMatchObject({ stream: true });
    expect(oursBuffered?.json).toMatchObject({ stream: false });
    expect(ours?.headers["authorization"]).toBe(`Bearer ${KEY}`);
    expect(Object.keys(ours?.headers ?? {}).filter((h) => h.startsWith("x-stainless-"))).toEqual([]);
  });

  it("a slow stream reports text progress while the server is still sending", async () => {
    const delay = 50;
    const deltas = 8;
    useScenario({ steps: [{ stream: { eventDelayMs: delay, deltas } }] });
    const progressAt: number[] = [];
    const answer = await client().ask(QUESTION, {
      stream: true,
      onProgress: (p) => {
        if (p.type === "text") progressAt.push(Date.now());
      },
    });
    const resolvedAt = Date.now();
    expect(progressAt).toHaveLength(deltas);
    expect(answer.text.length).toBeGreaterThan(0);
    // After the first delta the server still sends deltas-1 deltas, text.done, item.done and the
    // terminal, each `delay` apart; a buffering transport reports them all at once at the end.
    const firstAt = progressAt[0] ?? resolvedAt;
    expect(resolvedAt - firstAt).toBeGreaterThanOrEqual((deltas + 2) * delay * 0.8);
    // And the deltas arrived spread out, one by one.
    expect((progressAt.at(-1) ?? 0) - firstAt).toBeGreaterThanOrEqual((deltas - 1) * delay * 0.8);
  });

  it("aborting mid-stream → aborted with the partial text; the run is cancelled and the socket closed", async () => {
    useScenario({ steps: [{ stream: { eventDelayMs: 40 } }] });
    const { modules, requests } = spiedModules();
    const controller = new AbortController();
    const pending = client({ fetch: createNodeHttpsFetch(modules) }).ask(QUESTION, {
      stream: true,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.type === "text") controller.abort();
      },
    });
    const error = await failure(pending, "aborted");
    expect(error.partial?.text.length).toBeGreaterThan(0);
    await expect.poll(() => recorded().find((r) => r.path.endsWith("/cancel"))?.path, { timeout: 2000 }).toBe(
      `/v1/agent/${error.partial?.responseId ?? "?"}/cancel`,
    );
    expect(requests[0]?.destroyed).toBe(true);
    expect(requests[0]?.socket?.destroyed ?? true).toBe(true);
  });

  it("a disconnect mid-stream → network, keeping the text received", async () => {
    useScenario({ steps: [{ stream: { disconnectAfter: 12, eventDelayMs: 5 } }] });
    const texts: string[] = [];
    const error = await failure(
      client({ maxRetries: 0 }).ask(QUESTION, { stream: true, onProgress: (p) => p.type === "text" && texts.push(p.text) }),
      "network",
    );
    expect(error.message).toContain("broke before the answer was complete");
    expect(error.partial?.text.length).toBeGreaterThan(0);
    expect(error.partial?.text).toBe(texts.at(-1));
  });

  it("a stream without a terminal event ends by the stall timeout, keeping what came, and closes the socket", async () => {
    useScenario({ steps: [{ stream: { noTerminal: true } }] });
    const { modules, requests } = spiedModules();
    const started = Date.now();
    const error = await failure(client({ fetch: createNodeHttpsFetch(modules), timeoutMs: 300, maxRetries: 0 }).ask(QUESTION, { stream: true }), "timeout");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.partial?.text.length).toBeGreaterThan(0);
    await expect.poll(() => requests[0]?.destroyed, { timeout: 1000 }).toBe(true);
  });

  it("a server slower than timeoutMs before the headers → timeout", async () => {
    useScenario({ steps: [{ kind: "hang" }] });
    const started = Date.now();
    await failure(client({ timeoutMs: 150, maxRetries: 0 }).ask(QUESTION, { stream: true }), "timeout");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("a closed port → network", async () => {
    const error = await failure(client({ baseUrl: `${await freePortUrl()}/v1`, maxRetries: 0 }).ask(QUESTION, { stream: true }), "network");
    expect(error.message).toContain("Could not reach Perplexity");
  });

  it("401 with an HTML page → key-rejected, not retried", async () => {
    const error = await failure(client({ getApiKey: () => "pplx-wrong" }).ask(QUESTION, { stream: true }), "key-rejected");
    expect(error.status).toBe(401);
    expect(recorded()).toHaveLength(1);
  });

  it("429 with Retry-After is retried by the SDK; a persisting 429 → rate-limited", async () => {
    useScenario({ steps: [{ kind: "http", status: 429, headers: { "retry-after": "0.05" } }] });
    const started = Date.now();
    await expect(client().ask(QUESTION, { stream: true })).resolves.toMatchObject({ status: "completed" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(recorded()).toHaveLength(2);

    useScenario({ steps: [{ kind: "http", status: 429, repeat: 5, headers: { "retry-after": "0.02" } }] });
    const error = await failure(client().ask(QUESTION, { stream: true }), "rate-limited");
    expect(error.retryAfterSeconds).toBe(1);
    expect(recorded()).toHaveLength(4);
  });
});
