// Does a page say what was quoted from it? Text is compared after normalising: HTML entities decoded,
// Unicode compatibility forms folded (NFKC: ligatures, full-width digits, no-break spaces), case folded,
// diacritics kept, punctuation and whitespace runs reduced to one space. A passage counts as found when it
// appears whole, or when at least FRAGMENT_SHARE of its overlapping word runs do (tolerates a changed word,
// an ellipsis in the snippet, a line the page reworded). Figures are compared by value: "1,234.5",
// "1234.5", "$1.2 billion" and "1.2bn" are the same figures, "12 %" and "12 percent" too.

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", ndash: "–", mdash: "—", hellip: "…",
  lsquo: "‘", rsquo: "’", ldquo: "“", rdquo: "”", euro: "€", pound: "£", yen: "¥", cent: "¢", copy: "©", reg: "®", deg: "°", percnt: "%",
};

/** Decodes the HTML entities a search snippet may still carry (pages are decoded by their parser). */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Letters and digits only, lowercase, single spaces, padded with one space at each end for word matching. */
export function normalizeText(s: string): string {
  const folded = decodeEntities(s).normalize("NFKC").toLowerCase();
  return ` ${folded.replace(/[^\p{L}\p{N}]+/gu, " ").trim()} `;
}

/** Share of a passage's overlapping word runs that must be on the page for it to count as found. */
export const FRAGMENT_SHARE = 0.8;
const RUN_WORDS = 4;
/** Anchors tried per piece, and windows looked at per anchor: bounds the work on pages full of one word. */
const ANCHORS = 3;
const MAX_WINDOWS = 200;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Word runs of a normalised piece found in a normalised window, out of how many. */
function runsFound(piece: string, window: string): [number, number] {
  const words = piece.trim().split(" ");
  if (window.includes(piece)) {
    const n = Math.max(1, words.length - RUN_WORDS + 1);
    return [n, n];
  }
  if (words.length < RUN_WORDS) return [0, 1];
  let found = 0;
  for (let i = 0; i + RUN_WORDS <= words.length; i++) if (window.includes(` ${words.slice(i, i + RUN_WORDS).join(" ")} `)) found++;
  return [found, words.length - RUN_WORDS + 1];
}

/**
 * Whether `passage` is on the page (`pageText`, as extracted). The page is never normalised whole (a 2 MB page
 * would cost more than the whole check may): each piece of the passage is looked for around the places its
 * longest words occur, and only those windows are normalised.
 */
export function passageFound(passage: string, pageText: string): boolean {
  // Snippets are often stitched from pieces: "… first part … second part …".
  const pieces = passage
    .split(/…|\.\.\.|\s\|\s/)
    .map(normalizeText)
    .filter((p) => p.trim() !== "");
  if (pieces.length === 0) return true;
  let runs = 0;
  let found = 0;
  for (const piece of pieces) {
    const words = piece.trim().split(" ");
    const anchors = [...new Set(words)].sort((a, b) => b.length - a.length).slice(0, ANCHORS);
    const span = piece.length * 2 + 80;
    let best = 0;
    let total = Math.max(1, words.length - RUN_WORDS + 1);
    for (const anchor of anchors) {
      const re = new RegExp(escapeRe(anchor), "giu");
      let windows = 0;
      for (let m = re.exec(pageText); m !== null && windows < MAX_WINDOWS && best < total; m = re.exec(pageText), windows++) {
        const window = normalizeText(pageText.slice(Math.max(0, m.index - span), m.index + span));
        const [f, t] = runsFound(piece, window);
        total = t;
        best = Math.max(best, f);
      }
      if (best === total) break;
    }
    runs += total;
    found += best;
  }
  return found >= FRAGMENT_SHARE * runs;
}

// ---------------------------------------------------------------------------------------------------------
// Figures: numbers, amounts, percentages, dates.

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const MONTH_RE = "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?";

function monthNumber(name: string): string {
  const i = MONTHS.findIndex((m) => m.startsWith(name.toLowerCase().replace(/\.$/, "").slice(0, 3)));
  return String(i + 1).padStart(2, "0");
}

const pad2 = (d: string) => d.padStart(2, "0");

/** A figure as written and the key it is compared by. */
export interface Figure {
  text: string;
  key: string;
}

const DATE_PATTERNS: { re: RegExp; key: (m: RegExpExecArray) => string }[] = [
  { re: /\b(\d{4})-(\d{2})-(\d{2})\b/g, key: (m) => `date:${m[1]}-${m[2]}-${m[3]}` },
  { re: new RegExp(`\\b${MONTH_RE}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, "gi"), key: (m) => `date:${m[3]}-${monthNumber(m[1]!)}-${pad2(m[2]!)}` },
  { re: new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_RE},?\\s+(\\d{4})\\b`, "gi"), key: (m) => `date:${m[3]}-${monthNumber(m[2]!)}-${pad2(m[1]!)}` },
  { re: new RegExp(`\\b${MONTH_RE}\\s+(\\d{4})\\b`, "gi"), key: (m) => `month:${m[2]}-${monthNumber(m[1]!)}` },
];

// A number: digits with thousands separators and a decimal part; an optional scale word and percent sign.
const NUMBER_RE = /(?:(?:US)?[$€£¥]\s?)?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:\s?(%|percent\b|per cent\b|million\b|billion\b|trillion\b|thousand\b)|(bn|mn|tn|[mbk])\b)?/gi;
const SCALE: Record<string, string> = { thousand: "e3", k: "e3", million: "e6", m: "e6", mn: "e6", billion: "e9", bn: "e9", b: "e9", trillion: "e12", tn: "e12" };

function numberKey(digits: string, unit: string | undefined): string {
  const value = String(Number(digits.replace(/,/g, "")));
  const u = (unit ?? "").toLowerCase();
  if (u === "%" || u === "percent" || u === "per cent") return `${value}%`;
  return SCALE[u] ? `${value}${SCALE[u]}` : value;
}

/** The figures in a piece of text, in order, each once. Dates are one figure, not three numbers. */
export function findFigures(text: string): Figure[] {
  const out: Figure[] = [];
  const seen = new Set<string>();
  let rest = text;
  for (const { re, key } of DATE_PATTERNS) {
    rest = rest.replace(re, (...args) => {
      const m = args.slice(0, -2) as unknown as RegExpExecArray;
      const k = key(m);
      if (!seen.has(k)) {
        seen.add(k);
        out.push({ text: m[0], key: k });
      }
      return " ";
    });
  }
  for (const m of rest.matchAll(NUMBER_RE)) {
    const k = numberKey(m[1]!, m[2] ?? m[3]);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ text: m[0].trim(), key: k });
  }
  return out;
}

function sameValue(a: string, b: string): boolean {
  if (a === b) return true;
  // "$4.5 billion" and "4,500 million" or "4.5 billion dollars": compare scaled values.
  const value = (k: string) => {
    const m = /^(\d+(?:\.\d+)?)(?:e(\d+))?$/.exec(k);
    return m ? Number(m[1]) * 10 ** Number(m[2] ?? 0) : Number.NaN;
  };
  const x = value(a);
  const y = value(b);
  return Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= 1e-9 * Math.max(x, y) && (a.includes("e") || b.includes("e"));
}

/** The places a figure may be written on a page: its year for dates, its digits (with and without separators) for numbers. */
function figureNeedles(figure: Figure): string[] {
  const date = /^(?:date|month):(\d{4})/.exec(figure.key);
  if (date) return [date[1]!];
  const digits = /\d[\d,]*(?:\.\d+)?/.exec(figure.text)?.[0] ?? "";
  const plain = digits.replace(/,/g, "");
  const needles = new Set([digits, plain]);
  // 4.5 billion may be written 4,500 million: its integer part is a needle too.
  if (/e\d+$/.test(figure.key)) needles.add(plain.split(".")[0]!);
  return [...needles].filter(Boolean);
}

const MAX_OCCURRENCES = 2000;

/**
 * Whether the page has this figure. The page's figures are never all extracted (too slow for large pages):
 * the figure's digits (or its year) are searched for, and only the text around each occurrence is parsed.
 */
export function figureFound(figure: Figure, pageText: string): boolean {
  const isDate = figure.key.startsWith("date:") || figure.key.startsWith("month:");
  for (const needle of figureNeedles(figure)) {
    let count = 0;
    for (let at = pageText.indexOf(needle); at !== -1 && count < MAX_OCCURRENCES; at = pageText.indexOf(needle, at + 1), count++) {
      const before = pageText[at - 1];
      if (before !== undefined && /[\d.,]/.test(before) && /\d/.test(pageText[at - 2] ?? "")) continue; // the middle of a number
      const window = pageText.slice(Math.max(0, at - (isDate ? 24 : 6)), at + needle.length + (isDate ? 24 : 16));
      for (const f of findFigures(window)) {
        if (f.key === figure.key || sameValue(f.key, figure.key)) return true;
        if (figure.key.startsWith("month:") && f.key.startsWith("date:") && f.key.slice(5, 12) === figure.key.slice(6)) return true;
      }
    }
  }
  return false;
}
