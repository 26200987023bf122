// The Markdown structure layer: one parser (parser.ts) and what the plugin reads from it.
export { markdownParser, parserSource, topLevelRuns } from "./parser";
export type { TopLevelRun } from "./parser";
export { blockAtLine, calloutOf, closerAtEnd, lineAt, lineEnd, lineStartsOf, noteStructure } from "./structure";
export type { Block, BlockKind, Callout, NoteStructure } from "./structure";
export { inlineDisplayText } from "./display-text";
