import type { Plugin } from "esbuild";

export declare const LOOKBEHIND: RegExp;
export declare function rewriteOpenAiPath(source: string): string;
export declare const noLookbehind: Plugin;
