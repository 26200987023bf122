import type { Plugin } from "esbuild";

export declare const slimDateFns: Plugin;
export declare const DATE_FNS_PLACEHOLDERS: Record<string, string>;
