import type { Plugin } from "esbuild";

export declare function slimOpenAiClient(source: string): string;
export declare const slimOpenAi: Plugin;
export declare const NO_ENV_READER: string;
export declare const SMALL_QUERY: string;
export declare const OPENAI_PLACEHOLDERS: Record<string, string>;
