// The demo's command line: strict --now, the real API only with --real, and messages that say what to do.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DemoError, USAGE, parseDemoArgs, parseNow } from "../../scripts/demo/args";

const savedKey = process.env.PERPLEXITY_API_KEY;
afterEach(() => {
  if (savedKey === undefined) delete process.env.PERPLEXITY_API_KEY;
  else process.env.PERPLEXITY_API_KEY = savedKey;
});

const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DemoError);
    return (error as Error).message;
  }
  throw new Error("expected a DemoError");
};

describe("parseNow", () => {
  it.each([
    ["2027-01-15", "2027-01-15T00:00:00.000Z"],
    ["2027-01-15T09:00Z", "2027-01-15T09:00:00.000Z"],
    ["2027-01-15T09:00:00Z", "2027-01-15T09:00:00.000Z"],
    ["2026-11-24T16:43:12.385Z", "2026-11-24T16:43:12.385Z"],
    ["2027-01-15T10:00:00+01:00", "2027-01-15T09:00:00.000Z"],
    ["2028-02-29", "2028-02-29T00:00:00.000Z"],
  ])("%s is %s", (text, iso) => {
    expect(parseNow(text).toISOString()).toBe(iso);
  });

  it.each([
    ["1", "is not an ISO date-time"], // new Date("1") would be 2001-01-01
    ["", "is empty"],
    ["  ", "is empty"],
    ["tomorrow", "is not an ISO date-time"],
    ["2027-01-15T09:00", "is not an ISO date-time"], // no zone: local time would differ per machine
    ["15/01/2027", "is not an ISO date-time"],
    ["2027-02-29", "is not a day of the calendar"],
    ["2027-13-01", "is not a day of the calendar"],
    ["2027-00-10", "is not a day of the calendar"],
    ["2027-01-15T24:00Z", "is not a time of day"],
  ])("refuses %j: %s", (text, why) => {
    const message = refusal(() => parseNow(text));
    expect(message).toContain(why);
    expect(message).toContain("2027-01-15T09:00:00Z");
  });
});

describe("parseDemoArgs", () => {
  it("defaults: ask-selection on a scratch vault against the emulator", () => {
    delete process.env.PERPLEXITY_API_KEY;
    const args = parseDemoArgs([]);
    expect(args).toMatchObject({ command: "ask-selection", vault: undefined, real: false, tour: false, yes: false, platform: "mobile" });
    expect(args.now).toBeUndefined();
  });

  it("takes a list line as --select text, though it starts with \"-\"", () => {
    const lines = "- Which vendors offer a free tier?\n- Which discount bulk requests?";
    expect(parseDemoArgs(["--command", "ask-questions-in-selection", "--select", lines, "--yes"])).toMatchObject({ select: lines, yes: true });
    expect(parseDemoArgs(["--select", "- One?"]).select).toBe("- One?");
    // An option after a text flag is still an option (the flag then lacks its value, and says so).
    expect(() => parseDemoArgs(["--select", "--yes"])).toThrow(DemoError);
  });

  it("reads the selection from a file with --select-file (a 200 KB selection does not fit one argument)", () => {
    const dir = mkdtempSync(join(tmpdir(), "demo-select-"));
    const file = join(dir, "selection.txt");
    const long = "Why? ".repeat(40_000).trim();
    writeFileSync(file, `${long}\n`);
    expect(parseDemoArgs(["--select-file", file]).select).toBe(long);
    expect(refusal(() => parseDemoArgs(["--select-file", file, "--select", "x"]))).toMatch(/use one/);
    expect(refusal(() => parseDemoArgs(["--select-file", join(dir, "missing.txt")]))).toMatch(/cannot read/);
    expect(refusal(() => parseDemoArgs(["--tour", "--select-file", file]))).toMatch(/--tour runs its own commands/);
  });

  it("an exported key alone does not mean the real API", () => {
    process.env.PERPLEXITY_API_KEY = "pplx-exported";
    expect(parseDemoArgs([]).real).toBe(false);
    expect(parseDemoArgs(["--real"]).real).toBe(true);
  });

  it("--detach asks and stops once the background run started; resume-pending lands the runs later", () => {
    delete process.env.PERPLEXITY_API_KEY;
    expect(parseDemoArgs(["--detach"])).toMatchObject({ detach: true, command: "ask-selection" });
    expect(parseDemoArgs([]).detach).toBe(false);
    expect(parseDemoArgs(["--vault", "/tmp/v", "--command", "resume-pending"])).toMatchObject({ command: "resume-pending", detach: false });
  });

  it.each([
    [["--detach", "--command", "refresh-stale-in-note"], "--detach goes with ask-selection"],
    [["--detach", "--tour"], "--tour runs its own commands; leave out --detach"],
    [["--command", "resume-pending", "--select", "x"], "resume-pending selects nothing"],
    [["--real"], "--real needs your key in the PERPLEXITY_API_KEY environment variable"],
    [["--command", "cancel"], "the headless runner waits for each command to finish"],
    [["--command", "ask"], "use --command ask-selection with --select TEXT"],
    [["--command", "refresh"], 'unknown --command "refresh"; use one of ask-selection, refresh-at-cursor'],
    [["--platform", "ios"], '--platform must be mobile or desktop, not "ios"'],
    [["--tour", "--base-url", "http://127.0.0.1:8787/v1"], "--tour runs against the bundled emulator only"],
    [["--tour", "--command", "link-citations"], "--tour runs its own commands"],
    [["--vault", " "], "--vault needs a folder"],
    [["--in-place"], "--in-place goes with --vault DIR"],
    [["--now", "1"], '--now "1" is not an ISO date-time'],
    [["extra"], "(see --help)"],
  ])("refuses %j", (argv, message) => {
    delete process.env.PERPLEXITY_API_KEY;
    expect(refusal(() => parseDemoArgs(argv))).toContain(message);
  });
});

describe("the documentation documents the demo", () => {
  it("names every flag of --help in the flag table of docs/demo.md", () => {
    const readme = readFileSync("docs/demo.md", "utf8");
    const flags = [...USAGE.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]!);
    expect(flags.length).toBeGreaterThan(8);
    for (const flag of flags) expect(readme, flag).toMatch(new RegExp(`^\\| \`${flag}[ \`]`, "m"));
  });
});
