// Where code (and math) is in a piece of Markdown, so that rewriting and sanitising can leave it alone.
// Deliberately approximate but conservative: see `FenceScan.ambiguous`.

export interface ScannedLine {
  /** Offset of the line's first character in the text. */
  start: number;
  /** Offset just past the line's last character (before "\n"). */
  end: number;
  text: string;
  /** `fence`: an opening or closing fence line; `code`: inside a fenced block; `text`: anything else. */
  kind: "text" | "fence" | "code";
}

export interface FenceLine {
  /** Everything before the fence characters: indentation and container markers (`>`, `-`, `1.`). */
  prefix: string;
  fence: string;
  info: string;
}

export interface FenceScan {
  lines: ScannedLine[];
  /**
   * True when some fence line is indented or sits in a container (list item, nested quote). Pairing such
   * fences needs list structure this scanner does not model, so their "code" is only probable: callers that
   * must be safe treat it as possibly text.
   */
  ambiguous: boolean;
  /** The fence still open at the end of the text, with the line index of its opener. */
  open?: FenceLine & { line: number };
}

// Container markers before a fence: quote markers, list markers, indentation, in any nesting.
const FENCE_RE = /^((?:[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t]))*[ \t]*)(`{3,}|~{3,})(.*)$/;

/** A line that opens (or closes) a fenced code block in some container, or null. */
export function matchFence(line: string): FenceLine | null {
  const m = FENCE_RE.exec(line);
  if (!m) return null;
  const fence = m[2]!;
  const info = m[3]!;
  // CommonMark: the info string of a backtick fence cannot contain a backtick.
  if (fence[0] === "`" && info.includes("`")) return null;
  return { prefix: m[1]!, fence, info };
}

function isCloser(f: FenceLine, open: FenceLine): boolean {
  return f.fence[0] === open.fence[0] && f.fence.length >= open.fence.length && f.info.trim() === "";
}

/** Splits text into lines ("\n" only: callers normalise line endings first) and marks fenced code. */
export function scanFences(text: string): FenceScan {
  const lines: ScannedLine[] = [];
  let ambiguous = false;
  let open: (FenceLine & { line: number }) | undefined;
  let start = 0;
  const parts = text.split("\n");
  for (let i = 0; i < parts.length; i++) {
    const line = parts[i]!;
    const end = start + line.length;
    const f = matchFence(line);
    let kind: ScannedLine["kind"];
    if (open) {
      if (f && isCloser(f, open)) {
        kind = "fence";
        open = undefined;
      } else kind = "code";
    } else if (f) {
      kind = "fence";
      open = { ...f, line: i };
    } else kind = "text";
    if (f && f.prefix !== "") ambiguous = true;
    lines.push({ start, end, text: line, kind });
    start = end + 1;
  }
  return open ? { lines, ambiguous, open } : { lines, ambiguous };
}

/** A literal inline region: a code span or math, [start, end) in the text. */
export interface InlineLiteral {
  start: number;
  end: number;
  kind: "code" | "math";
}

function runLength(text: string, at: number, ch: string): number {
  let n = 0;
  while (text[at + n] === ch) n++;
  return n;
}

function paragraphEnd(text: string, from: number): number {
  const blank = /\n[ \t]*\n/g;
  blank.lastIndex = from;
  const m = blank.exec(text);
  return m ? m.index : text.length;
}

/**
 * If a code span starts at `at` (a backtick run), where it ends; CommonMark rules: closed by a run of exactly
 * the same length, within the paragraph. Returns -1 when the backticks are literal.
 */
export function codeSpanEnd(text: string, at: number): number {
  const n = runLength(text, at, "`");
  const limit = paragraphEnd(text, at);
  let i = at + n;
  while (i < limit) {
    const j = text.indexOf("`", i);
    if (j === -1 || j >= limit) return -1;
    const m = runLength(text, j, "`");
    if (m === n) return j + m;
    i = j + m;
  }
  return -1;
}

/**
 * If math starts at `at` (a "$"), where it ends, or -1. `$$...$$` may span lines of a paragraph; `$...$`
 * follows Pandoc's rule (as Obsidian does): no space after the opener or before the closer, closer not
 * followed by a digit, one line only. So "$5 and $10" is not math.
 */
export function mathEnd(text: string, at: number): number {
  if (text[at + 1] === "$") {
    const close = text.indexOf("$$", at + 2);
    return close === -1 || close > paragraphEnd(text, at) ? -1 : close + 2;
  }
  const first = text[at + 1];
  if (first === undefined || /\s/.test(first)) return -1;
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n") return -1;
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "$") {
      if (/\s/.test(text[i - 1]!) || i === at + 1) return -1;
      if (/[0-9]/.test(text[i + 1] ?? "")) continue;
      return i + 1;
    }
  }
  return -1;
}

/** Inline code spans and math in a run of non-fenced text, in order. Escaped "`" and "$" are literal characters. */
export function findInlineLiterals(text: string): InlineLiteral[] {
  const out: InlineLiteral[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      i++;
    } else if (c === "`") {
      const end = codeSpanEnd(text, i);
      if (end === -1) i += runLength(text, i, "`") - 1;
      else {
        out.push({ start: i, end, kind: "code" });
        i = end - 1;
      }
    } else if (c === "$") {
      const end = mathEnd(text, i);
      if (end === -1) {
        if (text[i + 1] === "$") i++;
      } else {
        out.push({ start: i, end, kind: "math" });
        i = end - 1;
      }
    }
  }
  return out;
}

/** A piece of text that is either free Markdown text or literal (fenced code, code span, math). */
export interface Segment {
  text: string;
  literal: boolean;
}

/** Splits Markdown into free text and literal segments; concatenating the segments gives the text back. */
export function splitLiterals(text: string): Segment[] {
  const scan = scanFences(text);
  const out: Segment[] = [];
  const push = (s: string, literal: boolean): void => {
    if (s === "") return;
    const last = out[out.length - 1];
    if (last && last.literal === literal) last.text += s;
    else out.push({ text: s, literal });
  };
  let i = 0;
  const lines = scan.lines;
  while (i < lines.length) {
    const first = lines[i]!;
    const sep = i < lines.length - 1 ? "\n" : "";
    if (first.kind !== "text") {
      push(first.text + sep, true);
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && lines[j]!.kind === "text") j++;
    const chunk = text.slice(first.start, lines[j - 1]!.end);
    let pos = 0;
    for (const lit of findInlineLiterals(chunk)) {
      push(chunk.slice(pos, lit.start), false);
      push(chunk.slice(lit.start, lit.end), true);
      pos = lit.end;
    }
    push(chunk.slice(pos), false);
    if (j < lines.length) push("\n", false);
    i = j;
  }
  return out;
}
