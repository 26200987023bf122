// Which characters of a text are hidden from its reader (a control, a direction control, a line or paragraph
// separator, a character Unicode calls default-ignorable), judged by Unicode's own properties rather than by the
// plugin's lists, with the few kept on purpose allowed only where they do their job: a zero-width joiner or
// non-joiner (never two in a row), one variation selector right after a visible character, and the 2-6 tag
// letters of an emoji subdivision flag.
const CONTROL = /\p{Cc}/u;
const BIDI = /\p{Bidi_Control}/u;
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;
const VARIATION = /[\u180b-\u180d\u180f\ufe00-\ufe0f\u{e0100}-\u{e01ef}]/u;
const JOINER = /[\u200c\u200d]/u;
const FLAG_TAG = /[\u{e0030}-\u{e0039}\u{e0061}-\u{e007a}]/u;

/** "U+202E at 3:14" for every hidden character of `text` (line:column, both from 1). */
export function hiddenCharacters(text: string): string[] {
  const problems: string[] = [];
  const cps = [...text];
  let line = 1;
  let column = 0;
  let flagTags = -1; // tags seen since a black flag; -1: not in one
  for (let i = 0; i < cps.length; i++) {
    const ch = cps[i]!;
    const prev = cps[i - 1];
    column++;
    const at = () => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")} at ${line}:${column}`;
    if (ch === "\n") {
      line++;
      column = 0;
      flagTags = -1;
      continue;
    }
    if (ch === "\t") continue;
    if (ch === "\u{1f3f4}") {
      flagTags = 0;
      continue;
    }
    if (flagTags >= 0 && FLAG_TAG.test(ch) && flagTags < 6) {
      flagTags++;
      continue;
    }
    if (flagTags >= 2 && ch === "\u{e007f}") {
      flagTags = -1;
      continue;
    }
    flagTags = -1;
    if (CONTROL.test(ch) || BIDI.test(ch) || ch === "\u2028" || ch === "\u2029") {
      problems.push(at());
      continue;
    }
    if (!IGNORABLE.test(ch)) continue;
    if (JOINER.test(ch) && !(prev !== undefined && JOINER.test(prev))) continue;
    if (VARIATION.test(ch) && prev !== undefined && !IGNORABLE.test(prev) && !/\s/u.test(prev)) continue;
    problems.push(at());
  }
  return problems;
}
