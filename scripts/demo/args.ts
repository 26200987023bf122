// The demo's command line: flags, their help text (docs/demo.md quotes it) and strict checks, so a
// mistyped flag fails at once with a message instead of doing something else.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

export const USAGE = `Usage: npm run demo -- [options]

Runs the plugin's real commands in a headless Obsidian on a scratch copy of demo-vault/ (kept; its path is
printed), against the bundled Perplexity emulator: no key, no network, no cost.

  --tour              guided run: ask, cite, move the clock, refresh, follow up, then a folder profile, a
                      batch of questions and the spending cap (emulator only)
  --vault DIR         use this vault folder in place instead of a scratch copy of demo-vault/ (a folder of
                      this repository, such as demo-vault/ itself, only with --in-place)
  --in-place          let --vault write into a folder whose files this repository tracks
  --note PATH         note to open (default "The AI Model Wars.md")
  --select TEXT       text to select before the command (default: the demo question, for ask-selection)
  --select-file PATH  the same, read from a file (a selection too long for one argument)
  --command ID        ask-selection (default), refresh-at-cursor, refresh-stale-in-note,
                      refresh-stale-in-vault, link-citations, ask-follow-up, refresh-thread, check-sources-at-cursor,
                      check-sources-in-note, check-sources-in-vault, show-source-check-at-cursor,
                      ask-questions-in-selection (with --select: every question in the selected lines, after a
                      confirmation), open-answers-view (prints its rows), create-sources-dashboard, or
                      resume-pending (not a command of the plugin: load the vault as Obsidian starting would,
                      land every background run that finished, report the ones still running, and exit)
  --detach            ask with the deep preset high as a background run and stop the runner as soon as the run
                      has started and its placeholder is saved, as if Obsidian were closed; land it later with
                      --vault DIR --command resume-pending (the emulator keeps its runs between runners)
  --web               serve test pages on 127.0.0.1 and make the emulator's answer cite them (for the
                      check-sources-* commands)
  --allow-private-hosts  let this run fetch the pages answers cite, private hosts such as --web's included
                      (Allow fetching pages and Allow private hosts, for this run only); settings unchanged
  --question TEXT     the follow-up's text, for ask-follow-up (the cursor goes into the note's last answer
                      block unless --select places it)
  --now ISO-TIME      the clock the plugin sees, e.g. 2027-01-15 or 2027-01-15T09:00:00Z
  --yes               confirm the dialogs a command opens (refresh-stale-in-vault and
                      ask-questions-in-selection ask before they spend, check-sources-in-vault before it fetches)
  --platform P        mobile (default: requestUrl) or desktop (streams over Node's https)
  --base-url URL      another Perplexity-compatible server (e.g. one from npm run emulator), with a dummy key
  --real              the real Perplexity API with PERPLEXITY_API_KEY: billed to that key
  --help              this text`;

/** The question in demo-vault/The AI Model Wars.md, from the note that started this plugin. */
export const DEMO_QUESTION =
  'Who are the major "Layer 1" AI model creators, vendors, and API s. As of today, how much "traction" does each player have?';

export const DEMO_COMMANDS = ["ask-selection", "refresh-at-cursor", "refresh-stale-in-note", "refresh-stale-in-vault", "link-citations", "ask-follow-up", "refresh-thread", "check-sources-at-cursor", "check-sources-in-note", "check-sources-in-vault", "show-source-check-at-cursor", "ask-questions-in-selection", "open-answers-view", "create-sources-dashboard", "resume-pending"] as const;
export type DemoCommand = (typeof DEMO_COMMANDS)[number];
/** Steps of the runner itself, not commands of the plugin (resume-pending: start Obsidian again and land finished runs). */
export const RUNNER_STEPS: readonly DemoCommand[] = ["resume-pending"];

export interface DemoArgs {
  help: boolean;
  tour: boolean;
  /** A vault used in place; undefined: a scratch copy of demo-vault/. */
  vault?: string;
  /** --vault may be a folder this repository tracks. */
  inPlace: boolean;
  note: string;
  select?: string;
  /** Which flag gave the selection (--select-file reads it from a file). */
  selectFlag: "--select" | "--select-file";
  /** The follow-up's text (ask-follow-up). */
  question?: string;
  command: DemoCommand;
  now?: Date;
  yes: boolean;
  platform: "mobile" | "desktop";
  baseUrl?: string;
  real: boolean;
  /** Serve the local test web and make the emulator's answer cite its pages. */
  web: boolean;
  /** Allow fetching pages, private hosts included, for this run. */
  allowPrivateHosts: boolean;
  /** Ask as a background run (preset high) and stop once it has started (issue 21). */
  detach: boolean;
}

/** A mistake on the command line: printed once, with no stack trace. */
export class DemoError extends Error {}

const OPTIONS = {
  tour: { type: "boolean", default: false },
  vault: { type: "string" },
  "in-place": { type: "boolean", default: false },
  note: { type: "string", default: "The AI Model Wars.md" },
  select: { type: "string" },
  "select-file": { type: "string" },
  question: { type: "string" },
  command: { type: "string" },
  now: { type: "string" },
  yes: { type: "boolean", default: false },
  platform: { type: "string", default: "mobile" },
  "base-url": { type: "string" },
  real: { type: "boolean", default: false },
  web: { type: "boolean", default: false },
  "allow-private-hosts": { type: "boolean", default: false },
  detach: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** Why other commands cannot run headless, in words that say what to use instead. */
const NOT_HEADLESS: Record<string, string> = {
  ask: '"ask" opens a prompt to type the question into, which the headless runner cannot do; use --command ask-selection with --select TEXT',
  cancel: '"cancel" stops requests in flight, but the headless runner waits for each command to finish, so there is never one to cancel',
};

/** Flags whose value is text the user copies from a note, where a list line starts with "-". */
const TEXT_FLAGS = new Set(["--select", "--question", "--note"]);

/**
 * `--select "- A list item?"` as the user means it: Node's parser takes a value that starts with "-" for a
 * mistyped option, so such a value is joined to its flag (`--select=- A list item?`) unless it is an option.
 */
function joinDashValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const isOption = (text: string) => /^--?[a-z]/i.test(text) && !/\s/.test(text);
    if (TEXT_FLAGS.has(arg) && next !== undefined && next.startsWith("-") && !isOption(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

export function parseDemoArgs(argv: string[]): DemoArgs {
  let values;
  try {
    values = parseArgs({ args: joinDashValues(argv), options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new DemoError(`${error instanceof Error ? error.message : String(error)} (see --help)`);
  }
  const command = values.command ?? "ask-selection";
  if (NOT_HEADLESS[command]) throw new DemoError(NOT_HEADLESS[command]);
  if (!(DEMO_COMMANDS as readonly string[]).includes(command)) throw new DemoError(`unknown --command "${command}"; use one of ${DEMO_COMMANDS.join(", ")}`);
  if (values.platform !== "mobile" && values.platform !== "desktop") throw new DemoError(`--platform must be mobile or desktop, not "${values.platform}"`);
  if (values.tour && (values.real || values["base-url"] !== undefined)) throw new DemoError("--tour runs against the bundled emulator only (its second answer is scripted); leave out --real and --base-url");
  if (values.tour && (values.command !== undefined || values.select !== undefined || values["select-file"] !== undefined)) throw new DemoError("--tour runs its own commands; leave out --command and --select");
  if (command === "ask-follow-up" && !values.question?.trim()) throw new DemoError("ask-follow-up needs the follow-up's text: --question TEXT");
  if (values.question !== undefined && command !== "ask-follow-up") throw new DemoError("--question goes with --command ask-follow-up");
  if (values.real && !process.env.PERPLEXITY_API_KEY?.trim()) throw new DemoError("--real needs your key in the PERPLEXITY_API_KEY environment variable");
  if (values.vault !== undefined && !values.vault.trim()) throw new DemoError("--vault needs a folder");
  if (values["in-place"] && values.vault === undefined) throw new DemoError("--in-place goes with --vault DIR");
  if (values.detach && command !== "ask-selection") throw new DemoError("--detach goes with ask-selection (the default command): it starts one background run and stops");
  if (values.detach && values.tour) throw new DemoError("--tour runs its own commands; leave out --detach");
  if (values["select-file"] !== undefined) {
    if (values.select !== undefined) throw new DemoError("--select and --select-file both give the selection: use one");
    try {
      values.select = readFileSync(values["select-file"], "utf8").replace(/\r?\n$/, "");
    } catch {
      throw new DemoError(`--select-file: cannot read ${values["select-file"]}`);
    }
  }
  if (command === "resume-pending" && values.select !== undefined) throw new DemoError("resume-pending selects nothing: it lands the vault's finished background runs");
  return {
    help: values.help,
    tour: values.tour,
    vault: values.vault,
    inPlace: values["in-place"],
    note: values.note,
    select: values.select,
    selectFlag: values["select-file"] !== undefined ? "--select-file" : "--select",
    question: values.question,
    command: command as DemoCommand,
    now: values.now === undefined ? undefined : parseNow(values.now),
    yes: values.yes,
    platform: values.platform,
    baseUrl: values["base-url"],
    real: values.real,
    web: values.web,
    allowPrivateHosts: values["allow-private-hosts"],
    detach: values.detach,
  };
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * `--now`: an ISO 8601 date (`2027-01-15`, midnight UTC) or date-time with a zone (`2027-01-15T09:00Z`,
 * `…+01:00`). Anything else is refused rather than guessed: `new Date("1")` would be 2001-01-01.
 */
export function parseNow(text: string): Date {
  const refuse = (why: string) => new DemoError(`--now "${text}" ${why}; give an ISO date or date-time with a zone, like 2027-01-15 or 2027-01-15T09:00:00Z`);
  const m = ISO.exec(text.trim());
  if (!m) throw refuse(text.trim() ? "is not an ISO date-time" : "is empty");
  const [, y, mo, d, h = "0", mi = "0", s = "0"] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) throw refuse("is not a day of the calendar");
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) throw refuse("is not a time of day");
  const date = new Date(text.trim());
  if (Number.isNaN(date.getTime())) throw refuse("is not an ISO date-time");
  return date;
}
