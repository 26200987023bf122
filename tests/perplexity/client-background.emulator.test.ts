// Starting a background run against the emulator (a real HTTP server), over both transports: a run Perplexity
// started is never left going unseen because the start was aborted (review: orphaned background run), and when
// its id cannot be known the error says what may still be billed.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPerplexityClient } from "../../src/perplexity/client";
import type { PerplexityClientOptions } from "../../src/perplexity/client";
import { PerplexityError } from "../../src/perplexity/errors";
import { createRequestUrlFetch } from "../../src/perplexity/transport-request-url";
import type { AskRequest } from "../../src/core/ask-request";
import { startEmulator } from "../emulator/server";
import type { Emulator, Scenario } from "../emulator/server";
import { nodeRequestUrl } from "../support/node-request-url";

const KEY = "pplx-test-0123456789abcdef";
const DEEP: AskRequest = { question: "What changed in the EU AI Act in 2026?", choice: { preset: "high" } };

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({});
});
afterAll(async () => {
  await emu.close();
});

let firstRequest = 0;
let firstRun = 0;
beforeEach(() => {
  emu.setScenario({ apiKey: KEY });
  firstRequest = emu.requests.length;
  firstRun = emu.startedRuns().length;
});
const recorded = () => emu.requests.slice(firstRequest);
const runs = () => emu.startedRuns().slice(firstRun);
const cancels = () => recorded().filter((r) => r.method === "POST" && r.path.endsWith("/cancel"));
const useScenario = (scenario: Scenario) => emu.setScenario({ apiKey: KEY, ...scenario });

async function failure(promise: Promise<unknown>): Promise<PerplexityError> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(PerplexityError);
  return caught as PerplexityError;
}

/** Resolves once the emulator has started a run this test (the POST arrived), its reply not sent yet. */
async function runArrived(): Promise<void> {
  await expect.poll(() => runs().length, { timeout: 3000, interval: 5 }).toBe(1);
}

const transports = [
  { name: "requestUrl", fetch: createRequestUrlFetch(nodeRequestUrl) },
  { name: "fetch", fetch: globalThis.fetch.bind(globalThis) },
] as const;

describe.each(transports)("starting a background run over $name", ({ fetch }) => {
  const client = (overrides: Partial<PerplexityClientOptions> = {}) =>
    createPerplexityClient({ baseUrl: emu.baseUrl, getApiKey: () => KEY, fetch, timeoutMs: 3000, maxRetries: 1, ...overrides });

  it("aborted after the POST arrived: waits for the reply and cancels the run it names; the error says so", async () => {
    useScenario({ steps: [{ backgroundReplyMs: 300, backgroundMs: 600_000 }] });
    const controller = new AbortController();
    const start = client().startRun(DEEP, { signal: controller.signal });
    await runArrived();
    controller.abort();
    const error = await failure(start);
    expect(error.kind).toBe("aborted");
    expect(error.message).toMatch(/^The request to Perplexity was cancelled\. Perplexity had already started the run, so the plugin told it to stop/);
    const [run] = runs();
    expect(cancels().map((r) => r.path)).toEqual([`/v1/agent/${run!.id}/cancel`]);
    expect(run).toMatchObject({ background: true, cancelled: true });
  });

  it("aborted before the POST left: nothing is sent, nothing started", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await failure(client().startRun(DEEP, { signal: controller.signal }));
    expect(error.message).toBe("The request to Perplexity was cancelled.");
    expect(recorded()).toHaveLength(0);
  });

  it("aborted while a 429 is waited out (no run was started): stops at once, asks nothing more", async () => {
    useScenario({ steps: [{ kind: "http", status: 429, headers: { "retry-after": "2" } }, {}] });
    const controller = new AbortController();
    const start = client().startRun(DEEP, { signal: controller.signal });
    await expect.poll(() => recorded().length, { timeout: 3000, interval: 5 }).toBe(1);
    const at = Date.now();
    controller.abort();
    const error = await failure(start);
    expect(Date.now() - at).toBeLessThan(1000);
    expect(error.message).toBe("The request to Perplexity was cancelled.");
    expect(recorded()).toHaveLength(1);
    expect(runs()).toHaveLength(0);
  });

  it("a reply that does not come in time: the run goes on unnamed, and the timeout says it may be billed", async () => {
    useScenario({ steps: [{ backgroundReplyMs: 5_000, backgroundMs: 600_000 }] });
    const error = await failure(client({ timeoutMs: 500 }).startRun(DEEP));
    expect(error.kind).toBe("timeout");
    expect(error.message).toMatch(/^Perplexity did not reply within 1 second to the start of a background run\. If Perplexity started the run, it goes on and may be billed: without the run's id.*the plugin can neither stop it nor fetch its answer\./);
    // The emulator, like Perplexity, has the run going; nothing could cancel it.
    expect(runs()).toMatchObject([{ background: true, cancelled: false }]);
    expect(cancels()).toHaveLength(0);
  });

  it("aborted, and then the reply never comes: says the run may go on and be billed, and why it cannot be stopped", async () => {
    useScenario({ steps: [{ backgroundReplyMs: 5_000, backgroundMs: 600_000 }] });
    const controller = new AbortController();
    const start = client({ timeoutMs: 600 }).startRun(DEEP, { signal: controller.signal });
    await runArrived();
    controller.abort();
    const error = await failure(start);
    expect(error.kind).toBe("aborted");
    expect(error.message).toMatch(/^The request to Perplexity was cancelled after the question was sent, and Perplexity's reply never arrived\. If Perplexity started the run, it goes on and may be billed/);
    expect(cancels()).toHaveLength(0);
  });

  it("aborted, the reply in, but the cancel does not get through: says the run may run to its end and be billed", async () => {
    useScenario({ steps: [{ backgroundReplyMs: 300, backgroundMs: 600_000 }], routes: { cancel: { status: 500, headers: { "content-type": "application/json" }, body: '{"error":{"message":"boom","type":"server_error"}}' } } });
    const controller = new AbortController();
    const start = client().startRun(DEEP, { signal: controller.signal });
    await runArrived();
    controller.abort();
    const error = await failure(start);
    expect(error.kind).toBe("aborted");
    expect(error.message).toMatch(/^The request to Perplexity was cancelled, but Perplexity had already started the run and could not be told to stop \(Perplexity had a server problem \(HTTP 500\)\..*\)\. It may run to its end and be billed\.$/);
    expect(cancels()).toHaveLength(1);
  });

  it("not aborted: the run's first snapshot, nothing cancelled", async () => {
    useScenario({ steps: [{ backgroundReplyMs: 100, backgroundMs: 600_000 }] });
    const snapshot = await client().startRun(DEEP, { signal: new AbortController().signal });
    expect(snapshot).toMatchObject({ id: runs()[0]!.id, status: "queued" });
    expect(cancels()).toHaveLength(0);
  });
});
