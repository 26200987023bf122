// The answers view over a large vault, through the built plugin in the Obsidian runtime: its first build
// (time and heap added), and the update after one note changes. And resolving a question's options with
// 200 profiles, as every ask does.
import { formatBlock, hashText } from "../../src/core/block";
import type { AnswerBlock } from "../../src/core/block";
import { emptyProfile, indexProfiles, resolveOptions } from "../../src/core/profiles";
import { AnswerIndex } from "../../src/core/answer-index";
import { DEFAULT_SETTINGS } from "../../src/settings";
import { ObsidianRuntime } from "../../tests/obsidian-runtime/runtime";
import type { BenchRow } from "./types";
import { measureHeap, medianMs } from "./types";
import { answerBlock } from "./find-stale";

/** 100,000 notes in folders of 1,000; one in ten holds two answers (20,000 answers). */
function makeVault(notes: number): Record<string, string> {
  const files: Record<string, string> = {};
  const filler = "Some paragraph of the user's own notes, about as long as a real one. ".repeat(12);
  for (let i = 0; i < notes; i++) {
    const path = `Folder ${Math.floor(i / 1000)}/Note ${i}.md`;
    const id = (n: number) => `b${(i * 2 + n).toString(36).padStart(5, "0")}`;
    files[path] = i % 10 === 0 ? `# Note ${i}\n\n${filler}\n\n${answerBlock(id(0), "2026-08-01T10:00:00.000Z")}\n\n${answerBlock(id(1), "2026-11-20T10:00:00.000Z")}\n` : `# Note ${i}\n\n${filler}\n`;
  }
  return files;
}

interface View {
  onOpen(): Promise<void>;
  indexer: { index: { size: number }; update(file: unknown, text: string, cache: unknown): boolean };
}

export async function benchAnswersView(): Promise<BenchRow[]> {
  const files = makeVault(100_000);
  // The plugin's own share of the first build: the index from the texts of the notes that hold answers.
  const withAnswers = Object.entries(files).filter(([, text]) => text.includes("^pplx-"));
  const coreMs = await medianMs(() => {
    const index = new AnswerIndex();
    for (const [path, text] of withAnswers) index.setNote(path, text);
  }, 5, 1);
  const runtime = new ObsidianRuntime({ files });
  const plugin = await runtime.loadPlugin();
  const creators = (plugin as unknown as { views__: Map<string, (leaf: unknown) => View> }).views__;
  const view = creators.get("perplexity-answers")!(runtime.app.workspace.getRightLeaf(false));
  const { ms: buildMs, peakGrowth, retained } = await measureHeap(() => view.onOpen(), 5);
  const answers = view.indexer.index.size;

  const vault = runtime.app.vault;
  const file = vault.getFileByPath("Folder 50/Note 50000.md")!;
  const text = await vault.read(file);
  let n = 0;
  const updateMs = await medianMs(async () => {
    const next = `${text}\nEdit ${n++}.\n`;
    await vault.modify(file, next);
    // What the view does on the cache's "changed" for that note, with the text and metadata it carries.
    view.indexer.update(file, next, runtime.app.metadataCache.getFileCache(file));
  }, 25, 5);
  await runtime.unloadPlugin();

  const profiles = Array.from({ length: 200 }, (_, i) => ({
    ...emptyProfile(`Profile ${i}`),
    preset: i % 2 ? "low" : "openai/gpt-6-luna",
    domains: "reuters.com, -reddit.com",
    recency: "week",
    language: "de",
    guidance: "Prefer primary sources.",
    folders: [`Area ${i}`, `Area ${i}/Sub`],
  }));
  const settings = { ...DEFAULT_SETTINGS, profiles };
  const frontmatter = { "perplexity-recency": "month", "perplexity-language": "fr" };
  const resolveMs = await medianMs(() => {
    for (let i = 0; i < 100; i++) resolveOptions(settings, indexProfiles(settings.profiles), `Area 199/Sub/Deep/Note ${i}.md`, frontmatter);
  }, 15, 3);

  return [
    { name: "answers view: first build, 100,000 notes / 20,000 answers", value: buildMs, unit: "ms", stat: "one run", target: 1000, note: `${answers} answers indexed; includes the runtime's getMarkdownFiles and getFileCache over 100,000 notes (~0.7 s in obsidian-test-mocks)` },
    { name: "answers view: index 20,000 answers from their 10,000 notes (plugin's share)", value: coreMs, unit: "ms", stat: "one run", note: "the rest of the first build is listing files, reading the cache and reading notes" },
    { name: "answers view: heap added at peak during the first build", value: peakGrowth / 2 ** 20, unit: "MB", stat: "one run", target: 200, note: `${(retained / 2 ** 20).toFixed(1)} MB retained after gc` },
    { name: "answers view: update after one note changes", value: updateMs, unit: "ms", stat: "median of 15", target: 5, note: "vault.modify, then the view's update on the cache's \"changed\" (parse that note)" },
    { name: "resolve a question's options, 200 profiles", value: resolveMs / 100, unit: "ms", stat: "median of 15 batches of 100, per call", target: 1, note: "index built per call, as the commands do" },
  ];
}
