// What a pending block shows while an answer streams in: a status line from the progress events
// ("Searching: …", "Reading 10 sources…"), then the answer so far with its citation markers already
// turned into links. A marker still arriving ("[", "[7", "[web:", "[file:2") is held back until it is whole, so
// nothing ever shows half-rendered; the final write replaces all of it with the finished block.
import type { Answer, SearchResult, StreamProgress } from "./answer";
import { buildAnswerBlock } from "./block";
import { plural } from "./plural";
import type { AnswerBlock, BuildContext } from "./block";
import { GrowingAnswer } from "./sanitize";

/** The start of a citation marker that may still be completed by the next delta. */
const MARKER_START = /^\[(?:[a-z][a-z_]{0,19}(?::\d{0,9})?|\d{0,9})$/;
/** A whole marker: held back too while it ends the text, since "(" or ":" next would make it a link or a reference definition. */
const WHOLE_MARKER = /^\[(?:[a-z][a-z_]{0,19}:)?\d{1,9}\]$/;
const LONGEST_MARKER = "[abcdefghijklmnopqrst:123456789]".length;

/** How much of the raw text can be shown now: all of it but a trailing marker that is not settled yet. */
export function displayableLength(raw: string): number {
  const at = raw.lastIndexOf("[");
  if (at < 0 || raw.length - at > LONGEST_MARKER) return raw.length;
  const tail = raw.slice(at);
  return MARKER_START.test(tail) || WHOLE_MARKER.test(tail) ? at : raw.length;
}

// Long search query lists are cut: the status line is one short line.
const MAX_STATUS_LENGTH = 160;

/** What the stream has delivered so far, folded from the client's progress events. */
export class PartialAnswer {
  responseId = "";
  queries: string[] = [];
  results: SearchResult[] = [];
  /** Raw text with Perplexity's markers, as accumulated by the client. */
  text = "";
  /** The answer so far as written, kept block by block so that a flush writes only the block still growing. */
  private readonly growing = new GrowingAnswer();
  /** Seconds until the client asks again after Perplexity's rate limit (0: asking again now), until anything else arrives. */
  waiting: number | undefined;

  /** Folds one event in; true when it changes what the block shows. */
  apply(p: StreamProgress): boolean {
    if (p.type === "waiting") {
      this.waiting = p.seconds;
      return true;
    }
    this.waiting = undefined;
    switch (p.type) {
      case "created":
        this.responseId = p.responseId;
        return false;
      case "searching":
        for (const q of p.queries) if (!this.queries.includes(q)) this.queries.push(q);
        return true;
      case "sources":
        this.results = p.results;
        // New sources can change how markers read: what was written is written again.
        this.growing.reset();
        return true;
      case "text":
        this.text = p.text;
        return true;
    }
  }

  /** The status line: what Perplexity is doing now. */
  status(): string {
    if (this.waiting !== undefined) {
      return this.waiting > 0 ? `Perplexity is limiting how often you can ask: asking again in ${plural(this.waiting, "second")}…` : "Asking Perplexity again…";
    }
    // A page read in full may also be a search result: one source.
    const n = new Set(this.results.map((r) => r.url)).size;
    const sources = `${n} ${n === 1 ? "source" : "sources"}`;
    if (this.text !== "") return n > 0 ? `Writing the answer from ${sources}…` : "Writing the answer…";
    if (n > 0) return `Reading ${sources}…`;
    if (this.queries.length > 0) {
      const list = this.queries.join(" · ");
      return `Searching: ${list.length > MAX_STATUS_LENGTH ? `${list.slice(0, MAX_STATUS_LENGTH - 1)}…` : list}…`;
    }
    return "Waiting for Perplexity…";
  }

  /** The answer so far as an Answer (text cut before an unsettled marker), for the block builders. */
  asAnswer(): Answer {
    return {
      responseId: this.responseId,
      status: "incomplete",
      text: this.text.slice(0, displayableLength(this.text)),
      searchResults: this.results,
      searchQueries: this.queries,
      model: "",
      usage: {},
    };
  }

  /**
   * The pending block to show now: the answer so far with markers rewritten exactly as the finished
   * block will have them, but no source list yet (the final write adds it with the source notes).
   */
  block(ctx: BuildContext): AnswerBlock {
    const built = buildAnswerBlock(this.asAnswer(), ctx, (text, options) => this.growing.sanitize(text, options));
    const block: AnswerBlock = {
      blockId: ctx.blockId,
      state: "pending",
      askedAt: ctx.askedAt,
      question: ctx.question,
      request: ctx.request,
      answer: built.answer,
      sources: [],
    };
    // Recorded so that a block left pending (Obsidian closed mid-stream) still names its run.
    if (this.responseId) block.responseId = this.responseId;
    return block;
  }
}

/** Elapsed time as the status bar shows it: "0:07", "12:05", "1:02:03". */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}
