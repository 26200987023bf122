import type { Plugin } from "esbuild";

export declare const slimMarkdownIt: Plugin;
export declare const LINKIFY_PLACEHOLDER: string;
export declare const RENDERER_PLACEHOLDER: string;
export declare const PLACEHOLDERS: Record<string, string>;
