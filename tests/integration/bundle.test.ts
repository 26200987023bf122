// The built main.js as Obsidian (desktop and mobile) will load it.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { runInNewContext, runInThisContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { rewriteOpenAiPath } from "../../scripts/no-lookbehind.mjs";
import { NO_ENV_READER, OPENAI_PLACEHOLDERS, SMALL_QUERY, slimOpenAiClient } from "../../scripts/slim-openai.mjs";
import { LINKIFY_PLACEHOLDER, PLACEHOLDERS, RENDERER_PLACEHOLDER } from "../../scripts/slim-markdown-it.mjs";
import { DATE_FNS_PLACEHOLDERS, slimDateFns } from "../../scripts/slim-date-fns.mjs";
import { build } from "esbuild";

const code = readFileSync("main.js", "utf8");

describe("main.js", () => {
  it("has no regex lookbehind, which some iOS versions cannot parse", () => {
    expect(code).not.toMatch(/\(\?<[=!]/);
  });

  it("leaves Obsidian's own modules external and bundles the rest", () => {
    expect(code).toContain('require("obsidian")');
    expect(code).not.toMatch(/require\("(openai|date-fns)/);
  });
});

function loadPathModule(source: string, file: string) {
  const module = { exports: {} as Record<string, unknown> };
  const load = runInThisContext(`(function (exports, require, module) {${source}\n})`) as (e: unknown, r: ReturnType<typeof createRequire>, m: unknown) => void;
  load(module.exports, createRequire(`${process.cwd()}/${file}`), module);
  return (module.exports.createPathTagFunction as () => (s: TemplateStringsArray, ...p: unknown[]) => string)();
}

function outcome(path: (s: TemplateStringsArray, ...p: unknown[]) => string, value: string, query = ""): string {
  try {
    return path`/agent/${value}/cancel${query}`;
  } catch (error) {
    return `throws: ${(error as Error).message}`;
  }
}

describe("the lookbehind rewrite of the openai SDK", () => {
  it("behaves exactly like the original on ordinary and dot-segment parameters", () => {
    const file = "node_modules/openai/internal/utils/path.js";
    const original = readFileSync(file, "utf8");
    const rewritten = rewriteOpenAiPath(original);
    expect(rewritten).not.toMatch(/\(\?<[=!]/);
    const before = loadPathModule(original, file);
    const after = loadPathModule(rewritten, file);
    for (const value of ["resp_1", "a.b", "...", ".", "..", "%2E", "./..", "../x", "x/..", ".hidden"]) {
      expect(outcome(after, value)).toBe(outcome(before, value));
    }
    expect(outcome(after, "..")).toMatch(/^throws: .*invalid segments[\s\S]*\^\^/);
    expect(outcome(after, "resp_1")).toBe("/agent/resp_1/cancel");
  });

  it("refuses to build when the SDK's code changed and the rewrite no longer applies", () => {
    expect(() => rewriteOpenAiPath("const invalidSegmentPattern = /x/;")).toThrow(/changed/);
  });
});

describe("the slimmed openai client", () => {
  it("leaves the SDK's API resource classes out of main.js but keeps its client and errors", () => {
    expect(code).not.toContain("/fine_tuning/jobs");
    expect(code).not.toContain("/chat/completions");
    expect(code).toContain("retry-after-ms");
    // Issue 18 moved the ceiling from 250 KB to 400 KB for the Markdown parser.
    expect(code.length).toBeLessThan(400 * 1024);
  });

  it("refuses to build when the SDK's client module changed shape", () => {
    expect(() => slimOpenAiClient("export class OpenAI {}")).toThrow(/changed/);
    const real = readFileSync("node_modules/openai/client.mjs", "utf8");
    const slim = slimOpenAiClient(real);
    expect(slim).not.toMatch(/from "\.\/resources\//);
    expect(slim).toContain("this.responses = new API.Responses(this);");
  });

  it("reads nothing from the environment, and keeps a working query string without the SDK's qs", () => {
    // The replacement modules, evaluated on their own (their `export` dropped).
    const load = <T>(source: string, name: string): T => runInNewContext(`${source.replace(/^export /gm, "")}\n${name}`, { URLSearchParams }) as T;
    const readEnv = load<(name: string) => unknown>(NO_ENV_READER, "readEnv");
    expect(readEnv("OPENAI_ORG_ID")).toBeUndefined();
    // The SDK's own reader is gone from the bundle: main.js has no process.env lookup left.
    expect(code).not.toContain("process.env?.[");
    const stringifyQuery = load<(q: object) => string>(SMALL_QUERY, "stringifyQuery");
    expect(stringifyQuery({ limit: 2, after: "m 1", gone: undefined, ids: ["a", "b"] })).toBe("limit=2&after=m+1&ids%5B%5D=a&ids%5B%5D=b");
    expect(code).not.toContain("arrayFormat");
  });
});

describe("the slimmed markdown-it", () => {
  it("leaves linkify-it and the HTML entity encoder out of main.js and bundles markdown-it itself", () => {
    expect(code).toContain("linkify-it is left out of main.js");
    // The encoder's table (entities' encode-html) starts with this run of named entities; the decoder stays.
    expect(code).not.toContain("&Tab;");
    // linkify-it's own scheme table is not there; markdown-it's block rules are.
    expect(code).not.toContain("fuzzyEmail");
    expect(code).toContain("block rule didn't increment state.line");
    expect(code).not.toMatch(/require\("(markdown-it|linkify-it)/);
  });

  it("leaves out the HTML renderer, the typographer's and linkify's rules, mdurl and punycode", () => {
    // punycode's overflow message and prefix, the renderer's code block, mdurl's protocol table.
    expect(code).not.toContain("wider integers");
    expect(code).not.toContain("xn--");
    expect(code).not.toContain("<pre><code");
    expect(code).not.toContain("slashes");
    // The parser still reads a link: the bundle keeps the link rule's own check.
    expect(code).toContain("normalizeLink");
  });

  it("every left-out module throws should anything use it", () => {
    for (const [name, source] of Object.entries(PLACEHOLDERS)) {
      if (name === "linkify-it" || name === "./renderer.mjs") continue; // classes with methods, below
      expectLeftOut(name, source);
    }
    const Renderer = runInNewContext(`${RENDERER_PLACEHOLDER.replace(/^export default /m, "")}\nRenderer`) as new () => { render(): string };
    expect(() => new Renderer().render()).toThrow(/left out of main\.js/);
  });
});

describe("the slimmed openai SDK and date-fns", () => {
  it("leaves out workload identity auth, file uploads, and the locale's parsing and relative dates", () => {
    expect(code).not.toContain("Token exchange response");
    expect(code).not.toContain("Unexpected data type");
    expect(code).not.toContain("less than a second");
    expect(code).not.toContain("'last' eeee");
  });

  it("every left-out module throws should anything use it", () => {
    for (const [name, source] of Object.entries({ ...OPENAI_PLACEHOLDERS, ...DATE_FNS_PLACEHOLDERS })) expectLeftOut(name, source);
  });

  it("still formats dates with every token a citation date format may use", async () => {
    // date-fns bundled as main.js bundles it (the same plugin), then run: formatting must not touch what is gone.
    const built = await build({
      stdin: { contents: 'import { format } from "date-fns"; export const f = (d, p) => format(d, p);', resolveDir: process.cwd() },
      bundle: true,
      write: false,
      format: "cjs",
      plugins: [slimDateFns],
    });
    const module = { exports: {} as { f?: (d: Date, pattern: string) => string } };
    runInNewContext(built.outputFiles[0]!.text, { module, exports: module.exports });
    const day = new Date(2026, 11, 6, 14, 5);
    expect(module.exports.f!(day, "yyyy, MMM d")).toBe("2026, Dec 6");
    expect(module.exports.f!(day, "EEEE, MMMM do yyyy, h:mm a, QQQ, 'week' w")).toBe("Sunday, December 6th 2026, 2:05 PM, Q4, week 50");
    expect(module.exports.f!(day, "PPPP")).toBe("Sunday, December 6th, 2026");
  });
});

/** Loads a placeholder module and uses each of its exports: every use must throw saying it is left out. */
function expectLeftOut(name: string, source: string): void {
  const exported = [...source.matchAll(/^export (?:default )?(function|class|const) (\w+)/gm)].map((m) => ({ kind: m[1]!, name: m[2]! }));
  const body = source.replace(/^export (?:default )?/gm, "");
  const module = runInNewContext(`${body}\n({ ${exported.map((e) => e.name).join(", ")} })`) as Record<string, unknown>;
  expect(exported.length, name).toBeGreaterThan(0);
  for (const e of exported) {
    const value = module[e.name];
    const use =
      e.kind === "class" ? () => new (value as new () => unknown)() : e.kind === "const" ? () => (value as Record<string, unknown>).anything : () => (value as () => unknown)();
    expect(use, `${name}: ${e.name}`).toThrow(/left out of main\.js/);
  }
}

describe("the slimmed markdown-it placeholders", () => {
  it("fails loudly should anything use the placeholder", () => {
    const LinkifyIt = runInNewContext(`${LINKIFY_PLACEHOLDER.replace(/^export default .*$/m, "").replace(/^export /gm, "")}\nLinkifyIt`) as new () => { test(s: string): boolean };
    expect(() => new LinkifyIt().test("https://example.org")).toThrow(/left out of main\.js/);
  });
});
