// `npm run demo -- --tour`: the plugin's three jobs in a row, then research at scale (a folder profile, a batch of
// questions, the spending cap), against the emulator's scripted tour scenario
// (tests/emulator/scenarios/tour.json), printing what each step changed. The tour is a list of steps: to
// show something new, add a step (and, if it asks Perplexity, an answer to the scenario).
import { addDays, formatISO } from "date-fns";
import { parseBlocks } from "../../src/core/block";
import { estimateCostOf, formatUsd, monthSpend, normalizeLedger, requestKind } from "../../src/core/spend";
import { plural } from "../../src/core/plural";
import { DemoError, DEMO_QUESTION, type DemoCommand } from "./args";
import { lineDiff } from "./diff";
import { printOutcome, readPluginData, runCommand, updatePluginData, type CommandResult, type CommandRun } from "./session";

export const TOUR_SCENARIO = "tests/emulator/scenarios/tour.json";

export interface TourContext {
  /** Everything a command run needs except the command itself; `now` is the tour's clock. */
  run: Omit<CommandRun, "command" | "select" | "now" | "question">;
  now: Date;
  print(line?: string): void;
  /** The bodies of the answer requests the emulator received so far, oldest first. */
  sent(): unknown[];
}

export interface TourStep {
  title: string;
  run(ctx: TourContext): Promise<void>;
}

interface CommandOptions {
  select?: string;
  question?: string;
  /** Another note than the tour's own. */
  note?: string;
  /** The command is expected to be refused: its message is returned, not a failure of the tour. */
  refused?: boolean;
}

/** Runs a command at the tour's clock; a failure ends the tour with the plugin's message. */
async function command(ctx: TourContext, id: DemoCommand, options: CommandOptions = {}): Promise<CommandResult> {
  const { select, question, note, refused } = options;
  const result = await runCommand({ ...ctx.run, command: id, select, now: ctx.now, ...(note === undefined ? {} : { note }), ...(question === undefined ? {} : { question }) });
  printOutcome(result, ctx.print, refused);
  if (refused && !result.failure) throw new DemoError(`${id} was expected to be refused, but it ran`);
  if (result.failure && !refused) throw new DemoError(result.failure);
  return result;
}

/** Prints each file the step wrote: new files in full (source notes) or by name, changed ones as a line diff. */
function printChanges(ctx: TourContext, result: CommandResult, options: { fullNewFiles?: number } = {}): void {
  if (!result.changedFiles.length) {
    ctx.print("No files changed.");
    return;
  }
  let shownInFull = 0;
  for (const path of result.changedFiles) {
    const before = result.before[path];
    const after = result.after[path] ?? "";
    if (before === undefined) {
      if (shownInFull < (options.fullNewFiles ?? 0)) {
        shownInFull++;
        ctx.print(`\nNew file ${path}:`);
        for (const line of after.trimEnd().split("\n")) ctx.print(`  ${line}`);
      } else {
        ctx.print(`New file ${path}`);
      }
    } else {
      ctx.print(`\nChanged ${path} ("-" removed, "+" added):`);
      for (const line of lineDiff(before, after)) ctx.print(`  ${line}`);
    }
  }
}

function firstBlock(result: CommandResult, note: string) {
  const text = result.after[note] ?? "";
  const found = parseBlocks(text)[0];
  if (!found) throw new DemoError(`no answer block in ${note} after the step`);
  return found.block;
}

const STALE_DAYS_LATER = 45;

export const TOUR: TourStep[] = [
  {
    title: "Ask",
    async run(ctx) {
      ctx.print(`Selects the question in "${ctx.run.note}" and runs "Ask about selection" (ask-selection).`);
      const result = await command(ctx, "ask-selection", { select: DEMO_QUESTION });
      ctx.print(`\nThe answer block written after the question's paragraph:\n\n${result.changedBlocks.join("\n\n")}\n`);
      ctx.print("Each cited source got a short ID, hashed from its URL, and a source note:");
      for (const path of result.changedFiles) if (result.before[path] === undefined) ctx.print(`  New file ${path}`);
    },
  },
  {
    title: "Cite",
    async run(ctx) {
      ctx.print('Runs "Link citations in this note" (link-citations): it creates or repairs the source notes of every');
      ctx.print("answer in the note. The ask already created them, so nothing needs repairing; here is one of them.");
      const result = await command(ctx, "link-citations");
      printChanges(ctx, result);
      const block = firstBlock(result, ctx.run.note);
      const cited = block.sources.find((s) => s.cited);
      const path = cited && Object.keys(result.after).find((p) => p.endsWith(`/${cited.id}.md`));
      if (path) {
        ctx.print(`\n${path} (backlinks, the graph and Bases show every answer that cites it):`);
        for (const line of (result.after[path] ?? "").trimEnd().split("\n")) ctx.print(`  ${line}`);
      }
    },
  },
  {
    title: "Time passes",
    run(ctx) {
      ctx.now = addDays(ctx.now, STALE_DAYS_LATER);
      ctx.print(`The clock moves ${STALE_DAYS_LATER} days on, to ${ctx.now.toISOString()} (in the demo: --now).`);
      ctx.print("Answers go stale after 30 days (the setting, or a note's perplexity-stale-after property), so the answer is stale now.");
      return Promise.resolve();
    },
  },
  {
    title: "Refresh",
    async run(ctx) {
      ctx.print('Runs "Refresh stale answers in this note" (refresh-stale-in-note). The emulator\'s second answer differs');
      ctx.print("from the first, so the block shows a Changes line (sources added and dropped), the previous answer folded");
      ctx.print("inside, and the source notes cited again get their new update date and last_cited.");
      const result = await command(ctx, "refresh-stale-in-note");
      printChanges(ctx, result);
      const block = firstBlock(result, ctx.run.note);
      ctx.print(`\nThe block keeps its ID (^pplx-${block.blockId}), so links to it still work; it now holds ${plural(block.previous?.length ?? 0, "previous answer", "previous answers")}.`);
    },
  },
  {
    title: "Refresh the vault",
    async run(ctx) {
      ctx.now = addDays(ctx.now, STALE_DAYS_LATER);
      ctx.print(`${STALE_DAYS_LATER} more days on (${formatISO(ctx.now, { representation: "date" })}), "Refresh stale answers in vault" (refresh-stale-in-vault)`);
      ctx.print("first says how many answers are stale and what refreshing them will cost; the tour confirms, as --yes does.");
      const result = await command(ctx, "refresh-stale-in-vault");
      printChanges(ctx, result);
    },
  },
  {
    title: "Follow up",
    async run(ctx) {
      ctx.print(`With the cursor in the answer, "Ask a follow-up" (ask-follow-up) opens a prompt; the tour types "${FOLLOW_UP}".`);
      ctx.print("Perplexity gets the earlier question and answer with it, and the new block goes right after the thread:");
      const result = await command(ctx, "ask-follow-up", { question: FOLLOW_UP });
      ctx.print(`\n${result.changedBlocks.join("\n\n")}\n`);
    },
  },
  {
    title: "Refresh the thread",
    async run(ctx) {
      ctx.now = addDays(ctx.now, 1);
      ctx.print(`A day later (${formatISO(ctx.now, { representation: "date" })}), "Refresh thread" (refresh-thread) re-asks every turn in order: the follow-up only`);
      ctx.print("after its parent has its new answer. The emulator's scripted answers are used up, so from here on it answers");
      ctx.print('with its generic text about each question ("You asked: …"), citing other sources.');
      const result = await command(ctx, "refresh-thread");
      printChanges(ctx, result);
    },
  },
  {
    title: "A profile for a folder",
    async run(ctx) {
      ctx.print("In Settings → Perplexity Query → Profiles, the tour adds a profile and attaches it to the folder");
      ctx.print(`${MARKETS_FOLDER}/ (it writes data.json, as the settings tab does):`);
      updatePluginData(ctx.run.vault, (data) => {
        const profiles = Array.isArray(data.profiles) ? (data.profiles as { name?: unknown }[]) : [];
        data.profiles = [...profiles.filter((p) => p.name !== MARKET_PROFILE.name), MARKET_PROFILE];
      });
      for (const [label, value] of PROFILE_SHOWN) ctx.print(`  ${label}: ${value}`);
      ctx.print(`\nEvery note in ${MARKETS_FOLDER}/ now asks with these options (a note's perplexity-* properties and the ask prompt`);
      ctx.print(`still override them). "Ask about selection" on a question in "${MARKETS_NOTE}":`);
      const result = await command(ctx, "ask-selection", { note: MARKETS_NOTE, select: PRICE_QUESTION });
      ctx.print(`\n${result.changedBlocks.join("\n\n")}\n`);
      ctx.print("The block records the options used, so a refresh asks the same way even if the profile changes.");
      ctx.print("What Perplexity received:");
      for (const line of describeRequest(ctx.sent().at(-1))) ctx.print(`  ${line}`);
    },
  },
  {
    title: "Many questions at once",
    async run(ctx) {
      ctx.print(`With the list in "${MARKETS_NOTE}" selected, "Ask every question in the selection"`);
      ctx.print("(ask-questions-in-selection) asks each line that ends with \"?\" and puts the answers after its list. Before");
      ctx.print("anything is sent it says how many questions and what they will cost, estimated from recorded costs;");
      ctx.print("the tour confirms, as --yes does.");
      const result = await command(ctx, "ask-questions-in-selection", { note: MARKETS_NOTE, select: BATCH_LINES });
      printChanges(ctx, result);
    },
  },
  {
    title: "Where answers go",
    async run(ctx) {
      ctx.print(`In "${TABLE_NOTE}" a question sits in a table cell, another in the note's properties (topic). An answer`);
      ctx.print("never goes inside what holds the question: after the whole table, and after the properties, so the");
      ctx.print("table keeps its rows and the properties still parse. (The plugin reads the note as Markdown to know.)");
      ctx.print(`\nSelects "${TABLE_QUESTION}" in its cell and runs "Ask about selection":`);
      printChanges(ctx, await command(ctx, "ask-selection", { note: TABLE_NOTE, select: TABLE_QUESTION }));
      ctx.print(`\nSelects the value of the property topic, "${PROPERTY_QUESTION}", and runs "Ask about selection":`);
      printChanges(ctx, await command(ctx, "ask-selection", { note: TABLE_NOTE, select: PROPERTY_QUESTION }));
    },
  },
  {
    title: "A spending cap",
    async run(ctx) {
      const { ledger } = normalizeLedger((readPluginData(ctx.run.vault) as { spend?: unknown } | null)?.spend);
      const spent = monthSpend(ledger, ctx.now).usd;
      const estimate = estimateCostOf(ledger, requestKind({ preset: MARKET_PROFILE.preset })).usd ?? 0;
      // A cap just above this month's spend, with room for half an answer: the next one does not fit.
      const cap = Math.round((spent + estimate / 2) * 10_000) / 10_000;
      ctx.print(`Perplexity reports what each answer cost; the plugin keeps the sum per month in data.json (this month so`);
      ctx.print(`far: ${formatUsd(spent)}). In Settings → Perplexity Query → Spending the tour sets a monthly cap of ${formatUsd(cap)},`);
      ctx.print(`then asks "${CAPPED_QUESTION}" in "${MARKETS_NOTE}". Its estimate would pass the cap, so it is not sent:`);
      let capBefore: unknown = null;
      updatePluginData(ctx.run.vault, (data) => {
        capBefore = data.monthlyCapUsd ?? null;
        data.monthlyCapUsd = cap;
      });
      // The scratch vault is for trying the plugin in Obsidian, where the cap would refuse every question:
      // it is cleared again whatever happens here.
      try {
        const sentBefore = ctx.sent().length;
        const result = await command(ctx, "ask-selection", { note: MARKETS_NOTE, select: CAPPED_QUESTION, refused: true });
        const sent = ctx.sent().length - sentBefore;
        ctx.print(`\nRequests sent to Perplexity: ${sent}. ${result.changedFiles.length ? `Changed: ${result.changedFiles.join(", ")}` : "No files changed"}.`);
        if (sent !== 0 || result.changedFiles.length) throw new DemoError("the spending cap let a request through");
      } finally {
        updatePluginData(ctx.run.vault, (data) => {
          data.monthlyCapUsd = capBefore;
        });
      }
      ctx.print("The tour then clears the cap again, so that this vault asks normally when you open it in Obsidian.");
    },
  },
];

const TABLE_NOTE = "Research/Vendor comparison.md";
const TABLE_QUESTION = "What is Anthropic's largest model?";
const PROPERTY_QUESTION = "Which AI vendor offers the longest context window?";

const MARKETS_FOLDER = "Markets";
const MARKETS_NOTE = `${MARKETS_FOLDER}/Pricing questions.md`;
const PRICE_QUESTION = "What does each major vendor charge per million output tokens?";
const BATCH_LINES = "- Which vendors offer a free tier for their API?\n- Which vendors discount requests sent in bulk?\n- Ask finance for last quarter's invoices.";
const CAPPED_QUESTION = "What does it cost to host an open-weight model?";

/** The profile as the settings tab stores it. */
const MARKET_PROFILE = {
  name: "Market research",
  preset: "medium",
  domains: "reuters.com, britannica.com",
  recency: "month",
  after: "",
  before: "",
  contextSize: "",
  language: "en",
  guidance: "Give prices in US dollars per million tokens, with the date each price was published.",
  folders: [MARKETS_FOLDER],
};

const PROFILE_SHOWN: [string, string][] = [
  ["Name", MARKET_PROFILE.name],
  ["Preset or model", MARKET_PROFILE.preset],
  ["Domains", MARKET_PROFILE.domains],
  ["Recency", MARKET_PROFILE.recency],
  ["Answer language", MARKET_PROFILE.language],
  ["Guidance", MARKET_PROFILE.guidance],
  ["Folders", MARKET_PROFILE.folders.join(", ")],
];

/** The options of one answer request, as sent. */
function describeRequest(body: unknown): string[] {
  const b = (body ?? {}) as Record<string, unknown>;
  const tool = ((b.tools as Record<string, unknown>[] | undefined) ?? []).find((t) => t.type === "web_search");
  const filters = (tool?.filters ?? {}) as Record<string, unknown>;
  const input = b.input;
  const lastInput = typeof input === "string" ? input : JSON.stringify(input);
  return [
    `preset: ${JSON.stringify(b.preset ?? b.effort)}`,
    `search_domain_filter: ${JSON.stringify(filters.search_domain_filter)}`,
    `search_recency_filter: ${JSON.stringify(filters.search_recency_filter)}`,
    `language_preference: ${JSON.stringify(b.language_preference)}`,
    `instructions: ${b.instructions === undefined ? "not sent (the preset keeps its own prompt)" : JSON.stringify(b.instructions)}`,
    `input: ${JSON.stringify(lastInput)}`,
  ];
}

/** The follow-up the tour asks (the emulator's answer names the question it follows: the history arrived). */
const FOLLOW_UP = "Which of them sell an API that developers pay for?";

export async function runTour(ctx: TourContext, steps: TourStep[] = TOUR): Promise<void> {
  for (const [i, step] of steps.entries()) {
    ctx.print(`\n━━ Step ${i + 1} of ${steps.length}: ${step.title} ━━`);
    await step.run(ctx);
  }
}
