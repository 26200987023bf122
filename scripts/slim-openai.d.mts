import type { Plugin } from "esbuild";

export declare function slimOpenAiClient(source: string): string;
export declare const slimOpenAi: Plugin;
