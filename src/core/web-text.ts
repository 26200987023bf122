// Text that came from the web (answers, questions as displayed, source titles, snippets, dates, model names,
// server messages), normalised before anything shows or stores it. Control characters can ring bells, move a
// terminal's cursor or end a string early in tools that read the vault; line and paragraph separators break
// lines where Markdown sees none; direction controls make text read differently from what it is (a URL shown
// backwards, "gpj.exe" as "exe.jpg"); invisible characters hide text from the reader while other tools (search,
// Dataview, a language model reading the vault) still see it. None of them carries meaning a note needs.
//
// Removed: C0 controls but tab and newline (a carriage return becomes a newline), DEL, C1 controls, whole ANSI
// escape sequences (so "ESC[31m" leaves nothing behind), the bidirectional controls, and these invisible format
// characters: soft hyphen, combining grapheme joiner, Hangul and Khmer fillers that render as nothing, Mongolian
// vowel separator, zero-width space, word joiner and the invisible math operators, the deprecated format
// controls, zero-width no-break space (BOM), interlinear annotation marks, the unassigned code points Unicode
// reserves as invisible, tag characters (invisible ASCII, the
// "ASCII smuggling" carrier of hidden prompts) except the few letters of an emoji subdivision flag, and variation selectors
// beyond the one a character may take (long runs of them encode hidden bytes). Vertical tab, form feed, NEL and
// the line and paragraph separators become a space, so the words they separated stay apart. Kept: a zero-width
// joiner or non-joiner (needed by emoji sequences and by Persian and Indic scripts; a run of them becomes one),
// every visible space, and one variation selector after a character that can take one (emoji presentation,
// keycaps, ideographic variants). Unpaired surrogates become U+FFFD. Linear in the length of the text; text
// with none of these characters is returned as it is.

/** Ranges of code units the slow path may change (astral characters enter it through their surrogates). */
const SUSPECT_RANGES: [number, number][] = [
  [0x00, 0x08], [0x0b, 0x1f], [0x7f, 0x9f], [0xad, 0xad], [0x34f, 0x34f], [0x61c, 0x61c], [0x115f, 0x1160], [0x17b4, 0x17b5],
  [0x180b, 0x180f], [0x200b, 0x200f], [0x2028, 0x202e], [0x2060, 0x206f], [0x3164, 0x3164], [0xd800, 0xdfff], [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff], [0xffa0, 0xffa0], [0xfff0, 0xfffb], [0xfffe, 0xffff],
];
const hex = (n: number) => `\\u${n.toString(16).padStart(4, "0")}`;
// Built from numbers: a literal would hold the very characters it looks for.
const SUSPECT = new RegExp(`[${SUSPECT_RANGES.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join("")}]`);

/** Invisible or direction-changing code points that are removed wherever they are. */
function removed(cp: number): boolean {
  return (
    cp <= 0x08 ||
    (cp >= 0x0e && cp <= 0x1f) ||
    (cp >= 0x7f && cp <= 0x9f && cp !== 0x85) ||
    cp === 0xad ||
    cp === 0x34f ||
    cp === 0x61c ||
    cp === 0x115f ||
    cp === 0x1160 ||
    cp === 0x17b4 ||
    cp === 0x17b5 ||
    cp === 0x180e ||
    cp === 0x200b ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x206f) ||
    cp === 0x3164 ||
    cp === 0xfeff ||
    cp === 0xffa0 ||
    (cp >= 0xfff0 && cp <= 0xfffb) ||
    cp === 0xfffe ||
    cp === 0xffff ||
    (cp >= 0x1bca0 && cp <= 0x1bca3) ||
    (cp >= 0x1d173 && cp <= 0x1d17a) ||
    (cp >= 0xe0000 && cp <= 0xe0fff)
  );
}

/** Separators that become a space. */
function separator(cp: number): boolean {
  return cp === 0x0b || cp === 0x0c || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
}

function variationSelector(cp: number): boolean {
  return (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef) || (cp >= 0x180b && cp <= 0x180d) || cp === 0x180f;
}

const BLACK_FLAG = 0x1f3f4;
const CANCEL_TAG = 0xe007f;
/** Subdivision flags spell an ISO 3166-2 code in tag letters and digits ("gbsct": 5 tags); more carries a payload. */
const MIN_FLAG_TAGS = 2;
const MAX_FLAG_TAGS = 6;

function flagTag(cp: number): boolean {
  return (cp >= 0xe0030 && cp <= 0xe0039) || (cp >= 0xe0061 && cp <= 0xe007a);
}

/** Length in code units of the emoji flag's tags starting at `i` (after U+1F3F4), or 0 when they are no flag. */
function flagTagsLength(s: string, i: number): number {
  let j = i;
  for (let n = 0; n <= MAX_FLAG_TAGS && j < s.length; n++) {
    const cp = s.codePointAt(j)!;
    if (cp === CANCEL_TAG) return n >= MIN_FLAG_TAGS ? j + 2 - i : 0;
    if (!flagTag(cp)) return 0;
    j += 2;
  }
  return 0;
}

/** Code units of the escape sequence starting with ESC (or C1 CSI/OSC) at `i`: the whole sequence, or 1. */
function escapeLength(s: string, i: number): number {
  const first = s.charCodeAt(i);
  // CSI: ESC [ or U+009B, parameters 0x30-0x3F, intermediates 0x20-0x2F, a final byte 0x40-0x7E.
  // OSC: ESC ] or U+009D, text, ended by BEL, ESC \ or U+009C. Both bounded, so a stray ESC costs little.
  let j = i + 1;
  let kind: "csi" | "osc" | "other" = "other";
  if (first === 0x9b) kind = "csi";
  else if (first === 0x9d) kind = "osc";
  else if (s[j] === "[" || s[j] === "]") {
    kind = s[j] === "[" ? "csi" : "osc";
    j++;
  }
  if (kind === "csi") {
    const end = Math.min(s.length, j + 64);
    while (j < end && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x3f) j++;
    while (j < end && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j++;
    const c = s.charCodeAt(j);
    return j < end && c >= 0x40 && c <= 0x7e ? j + 1 - i : 1;
  }
  if (kind === "osc") {
    const end = Math.min(s.length, j + 256);
    for (; j < end; j++) {
      const c = s.charCodeAt(j);
      if (c === 0x07 || c === 0x9c) return j + 1 - i;
      if (c === 0x1b) return s[j + 1] === "\\" ? j + 2 - i : 1;
    }
    return 1;
  }
  if (first !== 0x1b) return 1;
  // Other escapes: intermediates 0x20-0x2F, then one final byte 0x30-0x7E ("ESC c", "ESC ( B").
  const end = Math.min(s.length, j + 8);
  while (j < end && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j++;
  const c = s.charCodeAt(j);
  return j < end && c >= 0x30 && c <= 0x7e ? j + 1 - i : 1;
}

/** What the last kept code point allows next: a variation selector (an emoji base), a joiner, or neither. */
const NONE = 0;
const TAKES_SELECTOR = 1;
const JOINER = 2;

/** Printable ASCII that starts an emoji keycap ("1️⃣", "#️⃣") and so may take a variation selector. */
function keycapBase(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x23 || c === 0x2a;
}

/** `text` with control, direction and invisible format characters removed (see the file comment). Idempotent. */
export function cleanWebText(text: string): string {
  if (!SUSPECT.test(text)) return text;
  const out: string[] = [];
  let from = 0; // start of the run of kept code units not yet copied
  // Removed characters are transparent: what follows them is judged by the last character kept.
  let prev = NONE;
  const drop = (i: number, length: number, replacement = ""): void => {
    if (i > from) out.push(text.slice(from, i));
    if (replacement) out.push(replacement);
    from = i + length;
  };
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) {
      prev = keycapBase(c) ? TAKES_SELECTOR : NONE;
      i++;
      continue;
    }
    if (c === 0x09 || c === 0x0a) {
      prev = NONE;
      i++;
      continue;
    }
    if (c === 0x0d) {
      // CRLF and a lone CR are both one newline.
      const length = text.charCodeAt(i + 1) === 0x0a ? 2 : 1;
      drop(i, length, "\n");
      prev = NONE;
      i += length;
      continue;
    }
    if (c === 0x1b || c === 0x9b || c === 0x9d) {
      const length = escapeLength(text, i);
      drop(i, length);
      i += length;
      continue;
    }
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      drop(i, 1, "\ufffd");
      prev = TAKES_SELECTOR;
    } else if (separator(cp)) {
      drop(i, width, " ");
      prev = NONE;
    } else if (variationSelector(cp)) {
      // One per character: a run of them is a hidden payload, not a presentation choice.
      if (prev === TAKES_SELECTOR) prev = NONE;
      else drop(i, width);
    } else if (cp === 0x200c || cp === 0x200d) {
      // A joiner joins two characters; a run of joiners only encodes hidden bits.
      if (prev === JOINER) drop(i, width);
      prev = JOINER;
    } else if (cp === BLACK_FLAG) {
      const tags = flagTagsLength(text, i + width);
      prev = tags > 0 ? NONE : TAKES_SELECTOR;
      i += width + tags;
      continue;
    } else if (removed(cp)) {
      drop(i, width);
    } else {
      prev = TAKES_SELECTOR;
    }
    i += width;
  }
  if (from === 0) return text;
  if (from < text.length) out.push(text.slice(from));
  return out.join("");
}

/**
 * Whether one character (a code point) is one `cleanWebText` removes, replaces or keeps only by its neighbours
 * (a control, direction or invisible character, a joiner, a variation selector, a lone surrogate): where text
 * must be kept exactly (the question in a block's metadata), such characters are written escaped instead.
 */
export function isHiddenCharacter(ch: string): boolean {
  const cp = ch.codePointAt(0) ?? 0;
  return cp === 0x200c || cp === 0x200d || (ch !== "\t" && ch !== "\n" && cleanWebText(ch) !== ch);
}

/** One line of web text: cleaned, every run of whitespace (newlines included) one space, trimmed. */
export function cleanWebLine(text: string): string {
  return cleanWebText(text).replace(/\s+/g, " ").trim();
}

/**
 * Whether a date from the web (`yyyy-MM-dd…`) lies after the end of next year: such a date is an error or a
 * trap (9999-12-31 would win every "latest date" comparison for ever) and is dropped. `today` is the user's.
 */
export function beyondNextYear(date: string, today: Date = new Date()): boolean {
  const m = /^\s*(\d{4,})-(\d{2})-(\d{2})/.exec(date);
  if (!m) return false;
  const limit = `${today.getUTCFullYear() + 1}-12-31`;
  return m[1]!.length > 4 || `${m[1]}-${m[2]}-${m[3]}` > limit;
}
