// A vault for vault-wide source checks (tests and benchmarks): notes with answer blocks whose cited sources
// are pages of the local web, and one source note per page with its snippet, as the plugin writes them.
import { formatBlock, hashText } from "../../src/core/block";
import type { AnswerBlock, SourceEntry } from "../../src/core/block";
import { sourceNoteBody } from "../../src/core/source-note";
import { CLAIM, SNIPPET } from "./server";

export function checkVault(url: (path: string) => string, notes: number, sourcesPerNote: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let n = 0; n < notes; n++) {
    const sources: SourceEntry[] = [];
    for (let k = 0; k < sourcesPerNote; k++) {
      const page = n * sourcesPerNote + k;
      const id = `p${page.toString(36).padStart(5, "0")}`;
      const source: SourceEntry = { id, url: url(`/article/${page}`), title: `Article ${page}`, published: "2025-06-01", cited: true };
      sources.push(source);
      files[`Sources/${id}.md`] =
        `---\nsource_id: ${id}\nurl: ${source.url}\ntitle: Article ${page}\nfirst_cited: 2026-11-24\n---\n` + sourceNoteBody({ ...source, snippet: SNIPPET });
    }
    const answer = sources.map((s) => `${CLAIM} [[${s.id}]]`).join("\n\n");
    const block: AnswerBlock = {
      blockId: `b${n.toString(36).padStart(5, "0")}`,
      state: "answered",
      askedAt: "2026-11-24T16:43:12.385Z",
      question: `Question ${n}?`,
      request: { preset: "fast", noteContext: true },
      answeredBy: "openai/gpt-6-luna",
      answer,
      sources,
      answerHash: hashText(answer),
    };
    files[`Answers/Note ${n}.md`] = `# Note ${n}\n\nQuestion ${n}?\n\n${formatBlock(block, { fold: "+", citationDateFormat: "yyyy, MMM d", linkFor: (s) => `[[${s.id}]]` })}\n\nThe user's closing line.\n`;
  }
  return files;
}
