import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRequestUrlFetch } from "../../src/perplexity/transport-request-url";
import type { RequestUrlParam, RequestUrlResult } from "../../src/perplexity/transport-request-url";
import { nodeRequestUrl, RequestUrlStatusError } from "../support/node-request-url";

function result(status: number, text: string, headers: Record<string, string> = {}): RequestUrlResult {
  const bytes = new TextEncoder().encode(text);
  return { status, headers, text, arrayBuffer: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) };
}

describe("createRequestUrlFetch", () => {
  it("passes method, body, content type and headers, dropping x-stainless-*, with throw: false", async () => {
    const seen: RequestUrlParam[] = [];
    const fetch = createRequestUrlFetch((param) => {
      seen.push(param);
      return Promise.resolve(result(429, '{"error":{}}', { "retry-after": "3", "content-type": "application/json" }));
    });
    const response = await fetch("https://api.example/v1/responses", {
      method: "post",
      body: '{"a":1}',
      headers: { "Content-Type": "application/json", Authorization: "Bearer k", "X-Stainless-OS": "Linux", "X-Stainless-Retry-Count": "0" },
    });
    expect(seen).toEqual([
      { url: "https://api.example/v1/responses", method: "POST", contentType: "application/json", body: '{"a":1}', headers: { authorization: "Bearer k" }, throw: false },
    ]);
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3");
    expect(await response.json()).toEqual({ error: {} });
  });

  it("keeps the bytes exactly (UTF-8) and gives 204 a null body", async () => {
    const fetch = createRequestUrlFetch(() => Promise.resolve(result(200, "é漢字🙂")));
    expect(await (await fetch("https://x/")).text()).toBe("é漢字🙂");
    const empty = await createRequestUrlFetch(() => Promise.resolve(result(204, "")))("https://x/");
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it("a rejected requestUrl becomes fetch's TypeError", async () => {
    const fetch = createRequestUrlFetch(() => Promise.reject(new Error("net::ERR_CONNECTION_REFUSED")));
    await expect(fetch("https://x/")).rejects.toBeInstanceOf(TypeError);
  });

  it("an abort rejects at once with an AbortError, though requestUrl keeps going", async () => {
    const fetch = createRequestUrlFetch(() => new Promise(() => undefined));
    const controller = new AbortController();
    const pending = fetch("https://x/", { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await expect(fetch("https://x/", { signal: controller.signal })).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("nodeRequestUrl", () => {
  let origin = "";
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const status = Number(new URL(req.url ?? "/", "http://x").searchParams.get("status") ?? "200");
      res.writeHead(status, { "Content-Type": "application/json", "X-Echo-Type": req.headers["content-type"] ?? "" });
      res.end(JSON.stringify({ method: req.method, body: Buffer.concat(chunks).toString("utf8"), auth: req.headers["authorization"] ?? null }));
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("sends the request and buffers the answer, with lowercase headers and a lazy json", async () => {
    const res = await nodeRequestUrl({ url: `${origin}/a`, method: "POST", contentType: "text/plain", body: "hé", headers: { Authorization: "Bearer k" } });
    expect(res.status).toBe(200);
    expect(res.headers["x-echo-type"]).toBe("text/plain");
    expect(res.json).toEqual({ method: "POST", body: "hé", auth: "Bearer k" });
    expect(new TextDecoder().decode(res.arrayBuffer)).toBe(res.text);
    expect(await nodeRequestUrl(`${origin}/b`).json).toMatchObject({ method: "GET" });
  });

  it("rejects on status >= 400 unless throw is false", async () => {
    await expect(nodeRequestUrl({ url: `${origin}/?status=401` })).rejects.toBeInstanceOf(RequestUrlStatusError);
    const res = await nodeRequestUrl({ url: `${origin}/?status=401`, throw: false });
    expect(res.status).toBe(401);
  });

  it("rejects on a network failure", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await expect(nodeRequestUrl({ url: `http://127.0.0.1:${port}/`, throw: false })).rejects.toThrow();
  });
});
