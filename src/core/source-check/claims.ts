// Which words of an answer a source is cited for. Citation links sit after the sentence they support
// ("… grew 12% in 2025. [[abc123]] [[def456]] Next sentence …"), so a source's claim is the last sentence
// before each group of links that includes it. Links, URLs and code are left out of the claim text.
import { unescapeText } from "../markdown/escape";
import { findFigures, type Figure } from "./match";

export interface Claim {
  /** The sentence as written (links removed). */
  sentence: string;
  figures: Figure[];
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// A link written by the plugin shows the source ID: [[id]], [[path/id|id]], [[note|id]] or [id](url).
const ANY_LINK = /\[\[[^\]\n]*\]\]|\[[^\]\n]*\]\([^)\n]*\)/g;

function linkShowsId(link: string, id: string): boolean {
  return new RegExp(`^\\[\\[(?:[^\\]|]*/)?${escapeRe(id)}(?:\\.md)?(?:\\|[^\\]]*)?\\]\\]$|^\\[\\[[^\\]]*\\|${escapeRe(id)}\\]\\]$|^\\[${escapeRe(id)}\\]\\(`).test(link);
}

/** The claim text between the previous link group and this one: its last sentence. */
function lastSentence(text: string): string {
  // Answers are written escaped (sanitize.ts): the sentence is read as the characters it shows ("\\$4.5" is "$4.5").
  const plain = unescapeText(text.replace(/`[^`]*`/g, " ").replace(/https?:\/\/\S+/g, " "))
    .replace(/[*_>#]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  // Sentences end at . ! ? followed by a space and a capital or digit; decimals ("4.5") never split.
  // (No lookbehind: iOS cannot parse it.)
  const sentences = plain.replace(/([.!?])\s+(?=[\p{Lu}\d"“(])/gu, "$1\u0000").split("\u0000");
  return (sentences.at(-1) ?? "").trim();
}

/** The sentences of `answer` that cite source `id`, with their figures. */
export function claimsFor(answer: string, id: string): Claim[] {
  const claims: Claim[] = [];
  for (const paragraph of answer.split(/\n\s*\n|\n(?=\s*(?:[-*+]|\d+\.)\s)/)) {
    let last = 0;
    let group: string[] = [];
    let groupStart = -1;
    const flush = () => {
      if (group.some((l) => linkShowsId(l, id))) {
        const sentence = lastSentence(paragraph.slice(last, groupStart));
        if (sentence) claims.push({ sentence, figures: findFigures(sentence) });
      }
    };
    let prevEnd = -1;
    for (const m of paragraph.matchAll(ANY_LINK)) {
      const start = m.index;
      // Links separated only by spaces or punctuation form one group.
      if (prevEnd >= 0 && /^[\s,;.]*$/.test(paragraph.slice(prevEnd, start))) group.push(m[0]);
      else {
        if (group.length) {
          flush();
          last = prevEnd;
        }
        group = [m[0]];
        groupStart = start;
      }
      prevEnd = start + m[0].length;
    }
    if (group.length) flush();
  }
  return claims;
}
