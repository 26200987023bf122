// The answer block, one module per job: model (fields, normal form, ids), meta (the metadata comment),
// format (Markdown out), parse (Markdown in, found after edits), build (an Answer to a block).
export * from "./model";
export { BACKGROUND_STATUS_LEAD, backgroundStatus, describeChanges, formatBlock, isBackgroundPending, statusLine } from "./format";
export { findBlock, parseBlocks, scanBlocks } from "./parse";
export type { BlockScan, UnreadableBlock } from "./parse";
export { buildAnswerBlock } from "./build";
export type { BuildContext } from "./build";
export { hashText } from "../hash";
