// The streaming transport tells "could not connect" (nothing was sent) from failures after connecting, so
// the service may send the same request through requestUrl. Against real sockets on 127.0.0.1.
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createNodeHttpsFetch, fetchWithFallback, isNotConnectedError } from "../../src/perplexity/transport-node-https";
import type { NodeHttpLike } from "../../src/perplexity/transport-node-https";

const modules = { http: http as unknown as NodeHttpLike, https: https as unknown as NodeHttpLike };
const nodeFetch = createNodeHttpsFetch(modules);
const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as net.AddressInfo).port;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

describe("could not connect", () => {
  it("a refused connection: nothing was sent", async () => {
    const port = await listen(net.createServer());
    await new Promise((resolve) => servers.pop()!.close(resolve)); // the port is now closed
    const error = await failure(nodeFetch(`http://127.0.0.1:${port}/v1/responses`, { method: "POST", body: "{}" }));
    expect(error).toBeInstanceOf(TypeError);
    expect(isNotConnectedError(error)).toBe(true);
    expect(String((error as Error).message)).toContain("ECONNREFUSED");
  });

  it("a TLS handshake that fails (not a TLS server): nothing was sent", async () => {
    let received = "";
    const port = await listen(
      net.createServer((socket) => {
        socket.on("data", (d) => (received += d.toString("latin1")));
        socket.end("HTTP/1.1 200 OK\r\n\r\n"); // not a TLS handshake
      }),
    );
    const error = await failure(nodeFetch(`https://127.0.0.1:${port}/v1/responses`, { method: "POST", body: '{"secret":"body"}' }));
    expect(isNotConnectedError(error)).toBe(true);
    expect(received).not.toContain("secret");
  });

  it("a connection dropped after the request was sent is not 'could not connect'", async () => {
    const port = await listen(net.createServer((socket) => socket.on("data", () => socket.destroy())));
    const error = await failure(nodeFetch(`http://127.0.0.1:${port}/v1/responses`, { method: "POST", body: "{}" }));
    expect(error).toBeInstanceOf(TypeError);
    expect(isNotConnectedError(error)).toBe(false);
  });
});

describe("fetchWithFallback", () => {
  it("sends the same request through the fallback only when nothing was sent", async () => {
    const calls: string[] = [];
    const fallback = ((input: RequestInfo | URL) => {
      calls.push(String(input));
      return Promise.resolve(new Response("ok"));
    }) as typeof fetch;
    const reasons: unknown[] = [];
    const port = await listen(net.createServer());
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const refused = fetchWithFallback(nodeFetch, fallback, (e) => reasons.push(e));
    expect(await (await refused(`http://127.0.0.1:${port}/x`, { method: "POST", body: "{}" })).text()).toBe("ok");
    expect(calls).toEqual([`http://127.0.0.1:${port}/x`]);
    expect(reasons).toHaveLength(1);

    const dropPort = await listen(net.createServer((socket) => socket.on("data", () => socket.destroy())));
    const dropped = fetchWithFallback(nodeFetch, fallback, (e) => reasons.push(e));
    expect(isNotConnectedError(await failure(dropped(`http://127.0.0.1:${dropPort}/x`, { method: "POST", body: "{}" })))).toBe(false);
    expect(calls).toHaveLength(1);
  });
});
