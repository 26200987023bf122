// Node's built-in modules, on the desktop app only. Obsidian evaluates plugins as CommonJS with a `require` that
// gives them on desktop (esbuild leaves them external); mobile has no Node, and an ES import cannot be guarded.
import { Platform } from "obsidian";

declare const require: (id: string) => unknown;

/** The module, or null on mobile or when it cannot be loaded (never throws). */
export function nodeModule(id: "http" | "https" | "dns"): unknown {
  // isDesktop is the desktop UI (what the release linter checks); Node exists only in the desktop app.
  if (!Platform.isDesktop || !Platform.isDesktopApp) return null;
  try {
    return require(id) ?? null;
  } catch {
    return null;
  }
}

/** Whether `module` has a function named `name` (what a loaded built-in must have to be used). */
export function hasFunction<K extends string>(module: unknown, name: K): module is Record<K, (...args: never[]) => unknown> {
  return typeof module === "object" && module !== null && typeof (module as Record<string, unknown>)[name] === "function";
}
