// src/ runs inside Obsidian, also on mobile: it must typecheck without Node's types. Compiles probes with
// the options `npm run typecheck` uses for src/ (src/tsconfig.json) and checks Node-only names are refused.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

function srcConfig(): ts.ParsedCommandLine {
  const path = resolve("src/tsconfig.json");
  const read = ts.readConfigFile(path, (p) => ts.sys.readFile(p));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  return ts.parseJsonConfigFileContent(read.config, ts.sys, resolve("src"), undefined, path);
}

function diagnosticsOf(code: string, options: ts.CompilerOptions): string[] {
  const probe = resolve("src/__probe__.ts");
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (resolve(name) === probe ? code : readFile(name));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) === probe || fileExists(name);
  const program = ts.createProgram([probe], { ...options, noEmit: true }, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

describe("src/ typechecks without Node's types", () => {
  const config = srcConfig();

  it("covers every file in src/", () => {
    expect(config.fileNames.some((f) => f.endsWith("src/main.ts"))).toBe(true);
    expect(config.fileNames.some((f) => f.endsWith("src/obsidian/service/perplexity-service.ts"))).toBe(true);
  });

  it("refuses process, Buffer and Node module imports", () => {
    const errors = diagnosticsOf(
      `export const a = process.env.HOME;\nexport const b = Buffer.from("x");\nimport { readFileSync } from "node:fs";\nexport const c = readFileSync;\n`,
      config.options,
    );
    expect(errors.some((e) => e.includes("'process'"))).toBe(true);
    expect(errors.some((e) => e.includes("'Buffer'"))).toBe(true);
    expect(errors.some((e) => e.includes("node:fs"))).toBe(true);
  });

  it("accepts what the plugin may use (DOM, window timers)", () => {
    expect(diagnosticsOf(`export const t: number = window.setTimeout(() => undefined, 1);\nexport const u = new URL("https://x.test");\n`, config.options)).toEqual([]);
  });

  it("is what npm run typecheck runs, besides the Node-typed check of tests, scripts and benchmarks", () => {
    const scripts = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.typecheck).toMatch(/tsc --noEmit -p src\b/);
    expect(scripts.typecheck).toMatch(/tsc --noEmit -p tsconfig\.json/);
  });
});
