// Every live capture (tests/fixtures/captures) replayed by the emulator, through the client (src/perplexity, the
// block built by the core) and through the built plugin (main.js in the Obsidian runtime): each must give the
// block or the message written down here. A capture added to the manifest without an expectation fails.
import { afterEach, describe, expect, it } from "vitest";
import { buildAnswerBlock, parseBlocks } from "../../src/core/block";
import type { AnswerBlock } from "../../src/core/block";
import { canonicalUrl, sourceId } from "../../src/core/source-id";
import { createPerplexityClient } from "../../src/perplexity/client";
import { PerplexityError } from "../../src/perplexity/errors";
import type { ErrorKind } from "../../src/perplexity/errors";
import { listModels } from "../../src/perplexity/models";
import { createNodeHttpsFetch } from "../../src/perplexity/transport-node-https";
import type { NodeHttpLike } from "../../src/perplexity/transport-node-https";
import { createRequestUrlFetch } from "../../src/perplexity/transport-request-url";
import * as http from "node:http";
import * as https from "node:https";
import { nodeRequestUrl } from "../support/node-request-url";
import { captures, replayScenario } from "../emulator/captures";
import type { CaptureEntry } from "../emulator/captures";
import { startEmulator } from "../emulator/server";
import type { Scenario } from "../emulator/scenario";
import { waitFor } from "../obsidian-runtime/runtime";
import { API_KEY, NOTE, NOTE_TEXT, QUESTION, selectInNote, startHarness } from "./harness";
import type { Harness } from "./harness";

type Expected =
  /** An answer: how many sources (one per URL), which are cited (in order), how the answer reads. */
  | { block: { sources: number; cited: string[]; answer: RegExp; title?: string } }
  /** A failure: the error's kind and the message the user reads. */
  | { message: { kind: ErrorKind; text: RegExp } }
  /** A cancel that must count as done: the run is stopped or had already ended. */
  | { cancelled: "cancelling" | "ended" }
  | { models: number }
  | { modelsMessage: { kind: ErrorKind; text: RegExp } };

const INVALID = /^Perplexity rejected the request as invalid: validation failed: .+\. Check the query options in Settings → Perplexity Query\.$/;

const EXPECTED: Record<string, Expected> = {
  "cfdude/agent_fast": {
    block: { sources: 10, cited: ["https://www.python.org/doc/versions/", "https://www.python.org/downloads/"], answer: /^Python 3\.14\.8 is the current stable release, released September 30, 2026\. \S+ \S+$/ },
  },
  // The instructions replaced the preset's prompt: no marker, so nothing is cited; the ten sources are listed.
  "cfdude/agent_fast_filters": { block: { sources: 10, cited: [], answer: /^As of October 9, 2026, Python 3\.15\.0 is the latest release;.*Python Insider/s } },
  "cfdude/agent_fast_deny_after": { block: { sources: 5, cited: ["https://blog.python.org/2026/10/python-3150-rc3/"], answer: /^Python 3\.15\.0rc3, .* October 9, 2026\. \S+$/ } },
  // The fetched page is a source with an ID and a note, and [web:0] links to it.
  "cfdude/agent_low_fetch_url": {
    block: {
      sources: 1,
      cited: ["https://www.python.org/dev/peps/pep-0008/"],
      answer: /^PEP 8 says to limit lines to 79 characters, and docstrings and comments to 72 characters\. \S+$/,
      title: "www.python.org · dev · pepsPEP 8 – Style Guide for Python Code - peps.python.org",
    },
  },
  "cfdude/agent_chat_replay": { block: { sources: 10, cited: [], answer: /^Your favourite colour is teal, and your codeword is PELICAN-42\.$/ } },
  "cfdude/agent_chat_turn_a": { block: { sources: 10, cited: [], answer: /^OK$/ } },
  // Two search_results items (the first with "queries": null), one URL in both: 19 sources.
  "cfdude/agent_chat_turn_b": { block: { sources: 19, cited: [], answer: /^Your codeword is \*\*PELICAN-42\*\*, and your favourite colour is \*\*teal\*\*\.$/ } },
  "cfdude/agent_model_without_tools": { block: { sources: 0, cited: [], answer: /^I can’t reliably confirm the 2026 winner/ } },
  "cfdude/agent_incomplete_truncated": {
    message: { kind: "run-incomplete", text: /^Perplexity stopped because the answer reached the maximum output tokens\. Raise the limit in Settings → Perplexity Query/ },
  },
  "cfdude/agent_anthropic_no_max_output_tokens_400": { message: { kind: "invalid-request", text: INVALID } },
  "cfdude/agent_bad_recency_400": { message: { kind: "invalid-request", text: INVALID } },
  "cfdude/agent_empty_input_400": { message: { kind: "invalid-request", text: INVALID } },
  "cfdude/agent_max_steps_zero_400": { message: { kind: "invalid-request", text: INVALID } },
  "cfdude/agent_cancel_unknown_400": { cancelled: "ended" },
  "cfdude/agent_cancel_accepted": { cancelled: "cancelling" },
  "cfdude/async_chat_completions_403": { message: { kind: "retired-endpoint", text: /^Perplexity has retired the endpoint this request was sent to/ } },
  "cfdude/models": { models: 52 },
  "cfdude/models_unauthenticated": { modelsMessage: { kind: "key-rejected", text: /^Perplexity rejected the API key\. Check the key in Settings → Perplexity Query\.$/ } },
  // The headers of the agent_fast_filters call, replayed with its body: the same block.
  "cfdude/agent_response_headers": { block: { sources: 10, cited: [], answer: /^As of October 9, 2026, Python 3\.15\.0 is the latest release;/ } },
  "vercel/agent-web-search": { block: { sources: 10, cited: ["https://www.typescriptlang.org/"], answer: /^The official TypeScript website is \*\*typescriptlang\.org\*\*;.* syntax for types\. \S+$/ } },
  "vercel/agent-web-search.chunks": { block: { sources: 10, cited: ["https://www.typescriptlang.org/"], answer: /^The official TypeScript website is \*\*typescriptlang\.org\*\*;.* syntax for types\. \S+$/ } },
  // An explicit model's narration is in what it sent; the request now forbids it (see real-api.test.ts). Headings
  // are written as bold paragraphs and "$" escaped (issue 19: web text through the allowlist).
  "argus/thorough_comparison_web_search_citations": { block: { sources: 15, cited: [], answer: /^I have enough to write a strong comparison\. Let me compile the answer\.\n\n\*\*Palantir/ } },
  "argus/thorough_comparison_no_web_search": { block: { sources: 0, cited: [], answer: /^\*\*Palantir \(PLTR\) vs\. Lockheed Martin \(LMT\): A Business Comparison\*\*/ } },
  "argus/sector_radar_web_search_citations": { block: { sources: 44, cited: [], answer: /^\*\*Cybersecurity stocks: strong sector, but increasingly selective\*\*/ } },
  "argus/equity_steps2": { block: { sources: 0, cited: [], answer: /^Apple’s latest closing price was \*\*\\\$312\.41 USD\*\* per share on \*\*August 6, 2026\*\*\./ } },
};

const ASK = { question: QUESTION, choice: { preset: "fast" as const } };

// The plugin's two transports, on Node: requestUrl (buffered, everywhere) and Node's http (streaming, desktop).
const buffered = createRequestUrlFetch(nodeRequestUrl);
const streaming = createNodeHttpsFetch({ http: http as unknown as NodeHttpLike, https: https as unknown as NodeHttpLike });

function checkBlock(block: AnswerBlock, expected: Extract<Expected, { block: unknown }>["block"]): void {
  expect(block.state).toBe("answered");
  expect(block.sources).toHaveLength(expected.sources);
  const cited = block.sources.filter((s) => s.cited);
  expect(cited.map((s) => s.url)).toEqual(expected.cited.map((url) => canonicalUrl(url)));
  expect(block.answer).toMatch(expected.answer);
  // Every citation is a link to its source's ID; no raw marker is left.
  for (const source of cited) expect(block.answer).toContain(source.id);
  expect(block.answer).not.toMatch(/\[(web:)?\d+\]/);
  if (expected.title) expect(cited[0]?.title).toBe(expected.title);
}

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<PerplexityError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PerplexityError);
  return error as PerplexityError;
}

it("every capture in the manifest has an expectation here, and every expectation a capture", () => {
  expect(Object.keys(EXPECTED).sort()).toEqual(captures().map((c) => c.id).sort());
});

describe.each(captures().map((c) => [c.id, c] as const))("%s", (_id, entry: CaptureEntry) => {
  const expected = EXPECTED[entry.id]!;

  it("through the client", async () => {
    const emu = await startEmulator({ scenario: replayScenario(entry) });
    try {
      const stream = entry.kind === "stream";
      const client = createPerplexityClient({ baseUrl: emu.baseUrl, getApiKey: () => API_KEY, fetch: stream ? streaming : buffered, timeoutMs: 5000 });
      if ("block" in expected) {
        const answer = await client.ask(ASK, { stream });
        const block = buildAnswerBlock(answer, {
          blockId: "abcdef",
          askedAt: "2026-12-06T00:00:00.000Z",
          question: QUESTION,
          request: { preset: "fast", noteContext: false },
          idFor: (url) => sourceId(url),
          linkFor: (s) => `[[${s.id}]]`,
        });
        checkBlock(block, expected.block);
      } else if ("message" in expected) {
        const error = await failure(client.ask(ASK));
        expect(error.kind).toBe(expected.message.kind);
        expect(error.message).toMatch(expected.message.text);
      } else if ("cancelled" in expected) {
        await expect(client.cancelRun("resp_5e673b76-3ae9-4a96-abd8-46a85b8108df")).resolves.toBe(expected.cancelled);
        expect(emu.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /v1/agent/resp_5e673b76-3ae9-4a96-abd8-46a85b8108df/cancel"]);
      } else if ("models" in expected) {
        expect(await listModels(buffered, emu.baseUrl, API_KEY)).toHaveLength(expected.models);
      } else {
        const error = await failure(listModels(buffered, emu.baseUrl, API_KEY));
        expect(error.kind).toBe(expected.modelsMessage.kind);
        expect(error.message).toMatch(expected.modelsMessage.text);
      }
    } finally {
      await emu.close();
    }
  });

  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("through the built plugin", async () => {
    // A stream is read as the desktop app reads it (Node's https, streaming on); the rest as everywhere.
    const platform = entry.kind === "stream" || entry.kind === "cancel" ? "desktop" : undefined;
    // A cancel needs a run to stop: one that streams and never ends, until the user cancels it.
    const scenario: Scenario = entry.kind === "cancel" ? { ...replayScenario(entry), steps: [{ stream: { noTerminal: true } }] } : replayScenario(entry);
    h = await startHarness({ scenario, ...(platform ? { platform } : {}) });
    if ("models" in expected || "modelsMessage" in expected) {
      const service = (h.plugin as unknown as { service: { models(): Promise<string[]> } }).service;
      const ids = await service.models();
      if ("models" in expected) expect(ids).toHaveLength(expected.models);
      else {
        expect(ids).toEqual([]);
        const lead = "Perplexity's models could not be listed. ";
        expect(h.runtime.notices).toHaveLength(1);
        expect(h.runtime.notices[0]?.startsWith(lead)).toBe(true);
        expect(h.runtime.notices[0]?.slice(lead.length)).toMatch(expected.modelsMessage.text);
      }
      return;
    }
    await selectInNote(h.runtime, NOTE, QUESTION);
    expect(h.runtime.runCommand("ask-selection")).toBe(true);
    if ("cancelled" in expected) {
      const harness = h;
      await waitFor(() => (parseBlocks(harness.runtime.editor(NOTE).getValue())[0]?.block.answer ?? "").length > 0, 5000, "the streamed answer");
      expect(h.runtime.runCommand("cancel")).toBe(true);
      await h.plugin.idle();
      await waitFor(() => harness.emulator.requests.some((r) => r.path.endsWith("/cancel")), 5000, "the cancel request");
      // The replayed answer to the cancel (stopping, or "already terminal") is no error to the user.
      expect(h.runtime.notices).toEqual(["Cancelled 1 Perplexity request.", expect.stringMatching(/^The request to Perplexity was cancelled\./)]);
      return;
    }
    await h.plugin.idle();
    const text = h.runtime.editor(NOTE).getValue();
    if ("message" in expected) {
      // Nothing written, the user's text as it was, and the message.
      expect(text).toBe(NOTE_TEXT);
      expect(h.runtime.notices).toHaveLength(1);
      expect(h.runtime.notices[0]).toMatch(expected.message.text);
      return;
    }
    const blocks = parseBlocks(text);
    expect(blocks).toHaveLength(1);
    checkBlock(blocks[0]!.block, expected.block);
    expect(h.runtime.notices).toEqual([]);
    // Each cited source has its note, the fetched page included.
    for (const source of blocks[0]!.block.sources.filter((s) => s.cited)) {
      expect(await h.runtime.read(`Sources/${source.id}.md`)).toContain(source.url);
    }
  });
});
