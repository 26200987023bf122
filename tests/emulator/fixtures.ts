// Canned answers: the captured live run (fixtures/), a default answer about any question, and makeAnswer()
// for answers of a chosen size (benchmarks, streaming). Generated text is ASCII and deterministic.

import { readFileSync } from "node:fs";
import { capturesDir } from "./captures-dir";
import type { CannedAnswer, SearchResult, SearchResultsItem } from "./scenario";



/** The live non-streaming capture of 2026-09-25 (vercel/ai `agent-web-search.json`), parsed. */
export function capturedResponse(): Record<string, unknown> {
  return JSON.parse(readFileSync(capturesDir("vercel/agent-web-search.json"), "utf8")) as Record<string, unknown>;
}

/** The live streaming capture (vercel/ai `agent-web-search.chunks.txt`): one event object per line. */
export function capturedStreamEvents(): Record<string, unknown>[] {
  return readFileSync(capturesDir("vercel/agent-web-search.chunks.txt"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function formatMarker(id: number, marker: "n" | "web"): string {
  return marker === "n" ? `[${id}]` : `[web:${id}]`;
}

function slugify(text: string, max = 60): string {
  const slugOf = (dropped: RegExp) =>
    text
      .toLowerCase()
      .replace(dropped, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, max)
      .replace(/-+$/, "");
  // A question with no Latin letter (Japanese, Russian…) keeps its own letters, so that different questions
  // get different pages, as on the web (percent-encoded, as a browser sends them).
  return slugOf(/[^a-z0-9]+/g) || encodeURIComponent(slugOf(/[^\p{L}\p{N}]+/gu)) || "question";
}

/** Short topic taken from the question, for titles. */
function topicOf(question: string): string {
  const oneLine = question
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[?.!]+$/, "")
    // "What is TypeScript?" -> "TypeScript", so titles read naturally.
    .replace(/^(what|who|how|why|when|where|which)( is| are| was| were| does| do| did)?\s+/i, "");
  return oneLine.length > 70 ? `${oneLine.slice(0, 67)}...` : oneLine || "Your question";
}

/**
 * The default answer: echoes what was `asked`, five results shaped like the capture (some without `date`,
 * one with `last_updated: null`) about the `question` searched for, cites four of them, including a run
 * `[1][3]`. URLs depend only on what was searched, so the same search always yields the same sources.
 */
export function defaultAnswer(question: string, marker: "n" | "web", asked = question): CannedAnswer {
  const topic = topicOf(question);
  const slug = slugify(topic);
  const wiki = topic.replace(/ /g, "_").replace(/[^\w-]/g, "").slice(0, 60) || encodeURIComponent(topic.replace(/ /g, "_").replace(/[^\p{L}\p{N}_-]/gu, "").slice(0, 60)) || "Question";
  const results: SearchResult[] = [
    {
      date: "2019-03-14",
      id: 1,
      last_updated: "2026-09-25",
      snippet: `${topic} is covered in this article.\n...\nIt summarises the history, the main facts and current developments.`,
      source: "web",
      title: `${topic} - Wikipedia`,
      url: `https://en.wikipedia.org/wiki/${wiki}`,
    },
    {
      id: 2,
      last_updated: "2026-09-23",
      snippet: `An overview of ${topic}: definitions, key figures and how the pieces fit together.`,
      source: "web",
      title: `${topic}: an overview`,
      url: `https://www.britannica.com/topic/${slug}`,
    },
    {
      date: "2026-09-20",
      id: 3,
      last_updated: "2026-09-21",
      snippet: `Recent reporting on ${topic}, with figures published this month.`,
      source: "web",
      title: `What changed this year: ${topic}`,
      url: `https://www.reuters.com/technology/${slug}-2026-09-20/`,
    },
    {
      id: 4,
      last_updated: null,
      snippet: `Frequently asked questions about ${topic}, answered with links to primary sources.`,
      source: "web",
      title: `${topic} - FAQ`,
      url: `https://docs.example.org/faq/${slug}`,
    },
    {
      id: 5,
      snippet: `A discussion thread about ${topic}.`,
      source: "web",
      title: `Can someone explain ${topic}?`,
      url: `https://www.reddit.com/r/explainlikeimfive/comments/1abc23/${slug.replace(/-/g, "_")}/`,
    },
  ];
  const m = (id: number) => formatMarker(id, marker);
  const text =
    `You asked: "${asked.trim()}"\n\n` +
    `In short, **${topic}** is well documented, and the main reference works agree on the basics.${m(1)}${m(3)} ` +
    `An overview explains how the parts fit together and which figures matter most.${m(2)}\n\n` +
    `Recent reporting adds that the picture changed this year,${m(3)} and a maintained FAQ answers the common follow-up questions.${m(4)}`;
  return { text, marker, searchResults: [{ queries: [question.trim()], results }] };
}

export interface MakeAnswerOptions {
  /** Number of paragraphs (default 3, or about one per 600 bytes when `textBytes` is set). */
  paragraphs?: number;
  /** Number of search results (default 5). The last fifth is left uncited on purpose. */
  sources?: number;
  /** Exact UTF-8 size of the text (the text is ASCII, so also its length). */
  textBytes?: number;
  /** Marker style, default `n`. */
  marker?: "n" | "web";
}

const SENTENCES = [
  "Independent measurements published this year put the figure noticeably higher than earlier estimates",
  "Most analysts attribute the change to **lower costs** and wider adoption in the second half of the decade",
  "The official statistics lag by about a year, so recent numbers are provisional",
  "Several regional studies reach a similar conclusion, although their methods differ in detail",
  "Critics point out that the headline number hides large differences between countries",
  "A long-running survey shows the same trend, with a dip during 2020 and a recovery since",
  "Industry reports tend to be more optimistic than academic papers on the same question",
  "The most cited review summarises the evidence as strong for the short term and uncertain for the long term",
  "Policy changes announced last spring are expected to affect the next round of data",
  "Experts interviewed for the report disagreed mainly about timing rather than direction",
  "Primary sources remain scarce, so secondary summaries are often quoted instead",
  "Taken together, the sources support a cautious reading of the trend",
];

const DOMAINS = [
  "en.wikipedia.org",
  "www.nature.com",
  "www.reuters.com",
  "arxiv.org",
  "www.iea.org",
  "ourworldindata.org",
  "www.bbc.com",
  "www.ft.com",
  "github.com",
  "www.sciencedirect.com",
];

/** Deterministic pseudo-random numbers, so fixtures are stable across runs. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeResults(count: number): SearchResult[] {
  const rand = prng(count * 7919 + 17);
  const results: SearchResult[] = [];
  for (let id = 1; id <= count; id++) {
    const domain = DOMAINS[(id - 1) % DOMAINS.length] as string;
    const month = String(1 + Math.floor(rand() * 12)).padStart(2, "0");
    const day = String(1 + Math.floor(rand() * 28)).padStart(2, "0");
    const result: SearchResult = {
      id,
      title: `Source ${id}: ${(SENTENCES[(id - 1) % SENTENCES.length] as string).replace(/\*\*/g, "").slice(0, 48)}`,
      url: `https://${domain}/articles/research-note-${id}`,
      snippet: `${SENTENCES[id % SENTENCES.length]}.\n...\nMore context from source ${id}.`,
      source: "web",
    };
    // Like the capture: some results lack `date`, a few lack `last_updated` or carry null.
    if (id % 3 !== 2) result.date = `20${18 + (id % 8)}-${month}-${day}`;
    if (id % 5 === 4) result.last_updated = null;
    else if (id % 7 !== 6) result.last_updated = `2026-09-${String(1 + (id % 25)).padStart(2, "0")}`;
    results.push(result);
  }
  return results;
}

/**
 * A realistic answer of a given size and source count, e.g. `makeAnswer({ textBytes: 10_000, sources: 30 })`.
 * Sentences cite sources in turn (single markers and runs like `[1][3]`); about a fifth of the sources stay
 * uncited, like real answers.
 */
export function makeAnswer(options: MakeAnswerOptions = {}): CannedAnswer {
  const sources = Math.max(0, options.sources ?? 5);
  const marker = options.marker ?? "n";
  const results = makeResults(sources);
  const cited = sources === 0 ? 0 : Math.max(1, sources - Math.floor(sources / 5));
  let nextCited = 0;
  const citeNext = () => formatMarker((nextCited++ % cited) + 1, marker);

  const sentence = (k: number): string => {
    const base = `${SENTENCES[k % SENTENCES.length]}.`;
    if (cited === 0) return base;
    switch (k % 4) {
      case 0:
        return `${base}${citeNext()}${citeNext()}`;
      case 2:
        return base;
      default:
        return `${base}${citeNext()}`;
    }
  };

  const target = options.textBytes;
  const paragraphs = Math.max(1, options.paragraphs ?? (target ? Math.max(1, Math.round(target / 600)) : 3));
  const perParagraph = target ? Math.max(1, Math.round(target / paragraphs / 115)) : 4;

  let text = "";
  for (let k = 0; ; k++) {
    const sep = k === 0 ? "" : k % perParagraph === 0 ? "\n\n" : " ";
    const piece = sep + sentence(k);
    if (target === undefined) {
      if (k >= paragraphs * perParagraph) break;
    } else if (text.length + piece.length > target) {
      break;
    }
    text += piece;
  }
  if (target !== undefined) text = padTo(text, target);
  const searchResults: SearchResultsItem[] = [{ queries: ["research question"], results }];
  return { text, marker, searchResults };
}

/** Pad with plain words (no brackets) to exactly `target` characters. */
function padTo(text: string, target: number): string {
  const remaining = target - text.length;
  if (remaining <= 0) return text.slice(0, target);
  let filler = text === "" ? "" : " ";
  while (filler.length < remaining - 1) filler += "more detail ";
  return text + filler.slice(0, remaining - 1) + ".";
}
