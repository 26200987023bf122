// What Perplexity searches for, measured on the live captures (there is no live API here: the captures are the
// evidence), and the request shape chosen from it: the question is what is searched, the note context what is read.
import { afterEach, describe, expect, it } from "vitest";
import { parseBlocks } from "../../src/core/block";
import { noteContextLine } from "../../src/core/note-context";
import { toWireRequest } from "../../src/perplexity/request";
import { capture, captureJson, captureRequest, captures } from "../emulator/captures";
import { searchQueryOf } from "../emulator/responses";
import { isApiError, validateRequest } from "../emulator/validate";
import { NOTE, NOTE_TEXT, QUESTION, askRequests, askedOf, selectInNote, startHarness } from "./harness";
import type { Harness } from "./harness";

type Message = { role: string; content: string };
const queriesOf = (id: string): string[] => {
  const response = captureJson(capture(id)) as { output: { type: string; queries?: string[] | null }[] };
  return response.output.filter((o) => o.type === "search_results").flatMap((o) => o.queries ?? []);
};
/** Words as a search engine splits them, compared without case. */
const words = (text: string): string[] => (text.match(/[\p{L}\p{N}][\p{L}\p{N}-]*/gu) ?? []).map((w) => w.toLowerCase());

describe("what the live API searched for", () => {
  it("a string input is searched word for word, whole: four captures with the request recorded", () => {
    const searched = captures().filter((c) => c.kind === "answer" && typeof captureRequest(c)?.["input"] === "string" && queriesOf(c.id).length > 0);
    // A string continuing an earlier run (previous_response_id) is a conversation: rewritten like a message array.
    const continued = searched.filter((c) => captureRequest(c)?.["previous_response_id"] !== undefined);
    expect(continued.map((c) => c.id)).toEqual(["cfdude/agent_chat_turn_b"]);
    expect(queriesOf("cfdude/agent_chat_turn_b")).toEqual(["user codeword favourite colour conversation memory"]);
    const stringInputs = searched.filter((c) => !continued.includes(c));
    expect(stringInputs.map((c) => c.id)).toEqual(["cfdude/agent_fast_filters", "cfdude/agent_fast_deny_after", "cfdude/agent_chat_turn_a", "vercel/agent-web-search"]);
    for (const c of stringInputs) expect(queriesOf(c.id), c.id).toEqual([captureRequest(c)!["input"]]);
    // Instructions to the answerer are searched too: "Two sentences.", "one sentence.", "Just reply OK.".
    expect(queriesOf("cfdude/agent_chat_turn_a")[0]).toContain("Just reply OK.");
  });

  it("a message array has its last user message rewritten: the question's subject, a few distinctive terms of earlier messages, no instruction words", () => {
    const messages = captureRequest(capture("cfdude/agent_chat_replay"))!["input"] as Message[];
    const [query] = queriesOf("cfdude/agent_chat_replay");
    expect(query).toBe("user favorite color codeword PELICAN-42 teal");
    const last = words(messages.at(-1)!.content);
    const earlier = words(messages.slice(0, -1).filter((m) => m.role === "user").map((m) => m.content).join(" "));
    const terms = words(query!);
    // Of its 6 terms: 1 is the last message's word for word ("codeword"), 2 its words respelled ("favourite colour"
    // became "favorite color"), 2 come only from earlier user messages, 1 is new ("user" for "my").
    expect(terms.filter((t) => last.includes(t))).toEqual(["codeword"]);
    expect(terms.filter((t) => !last.includes(t) && earlier.includes(t))).toEqual(["pelican-42", "teal"]);
    // None of the instructions: "One short sentence." (last), "Just reply OK.", "Reply with the codeword only." (earlier).
    for (const instruction of ["one", "short", "sentence", "just", "reply", "ok", "only", "remember"]) expect(terms).not.toContain(instruction);
  });

  it("measures what our framing did to the query: with the question and the note context in one string, most of the query was framing", () => {
    const context = noteContextLine("The AI Model Wars", NOTE_TEXT, NOTE_TEXT.indexOf(QUESTION));
    const before = `${QUESTION}\n\n${context}`; // the input sent until now: searched word for word, as the captures show
    const framing = words(context).length;
    expect([words(QUESTION).length, framing]).toEqual([13, 24]);
    expect(Math.round((100 * framing) / words(before).length)).toBe(65);
  });
});

describe("the request the plugin sends", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("keeps the question alone as the last user message, so the context sentence is read, never searched", async () => {
    h = await startHarness();
    await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    const [request] = askRequests(h.emulator);
    const asked = askedOf(request);
    expect(asked.question).toBe(QUESTION);
    expect(asked.framing).toBe('The question comes from a note titled "The AI Model Wars", under the heading "The AI Model Wars › Vendors". Read it in that context.');
    // What the emulator, modelling the captures, searches for: the question's words and the title's one new term.
    const parsed = validateRequest(request?.json);
    if (isApiError(parsed)) throw new Error(parsed.body.error.message);
    const query = searchQueryOf(parsed);
    expect(query).toBe("major Layer 1 AI model creators vendors API s Wars");
    expect(query).not.toMatch(/question comes from|Read it in that context|titled|heading/);
    expect(parseBlocks(h.runtime.editor(NOTE).getValue())[0]?.block.state).toBe("answered");
  });

  it("the string shape it replaces would have searched the framing: the same emulator, the old input", () => {
    const context = noteContextLine("The AI Model Wars", NOTE_TEXT, NOTE_TEXT.indexOf(QUESTION));
    const parsed = validateRequest({ preset: "fast", input: `${QUESTION}\n\n${context}` });
    if (isApiError(parsed)) throw new Error(parsed.body.error.message);
    expect(searchQueryOf(parsed)).toContain("Read it in that context.");
    // And the new shape, built by the client, for the same question: the question alone is searched.
    const body = toWireRequest({ question: QUESTION, context, choice: { preset: "fast" } }, { stream: false });
    const now = validateRequest(body);
    if (isApiError(now)) throw new Error(now.body.error.message);
    expect(searchQueryOf(now)).not.toContain("Read it in that context");
  });

  it("without note context (the setting off) sends the question as a plain string, searched word for word", async () => {
    h = await startHarness({ settings: { noteContext: false } });
    await selectInNote(h.runtime, NOTE, QUESTION);
    h.runtime.runCommand("ask-selection");
    await h.plugin.idle();
    expect((askRequests(h.emulator)[0]?.json as { input: unknown }).input).toBe(QUESTION);
  });
});
