// `npm run demo -- --tour`: the plugin's three jobs in a row, against the emulator's scripted tour scenario
// (tests/emulator/scenarios/tour.json), printing what each step changed. The tour is a list of steps: to
// show something new, add a step (and, if it asks Perplexity, an answer to the scenario).
import { addDays, formatISO } from "date-fns";
import { parseBlocks } from "../../src/core/block";
import { DemoError, DEMO_QUESTION, type DemoCommand } from "./args";
import { lineDiff } from "./diff";
import { runCommand, type CommandResult, type CommandRun } from "./session";

export const TOUR_SCENARIO = "tests/emulator/scenarios/tour.json";

export interface TourContext {
  /** Everything a command run needs except the command itself; `now` is the tour's clock. */
  run: Omit<CommandRun, "command" | "select" | "now" | "question">;
  now: Date;
  print(line?: string): void;
}

export interface TourStep {
  title: string;
  run(ctx: TourContext): Promise<void>;
}

/** Runs a command at the tour's clock; a failure ends the tour with the plugin's message. */
async function command(ctx: TourContext, id: DemoCommand, select?: string, question?: string): Promise<CommandResult> {
  const result = await runCommand({ ...ctx.run, command: id, select, now: ctx.now, ...(question === undefined ? {} : { question }) });
  for (const notice of result.notices) if (notice !== result.failure) ctx.print(`Notice: ${notice}`);
  for (const line of result.dialog) ctx.print(`Dialog: ${line}`);
  if (result.failure) throw new DemoError(result.failure);
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
      ctx.print(`Selects the question in "${ctx.run.note}" and runs "Ask Perplexity about selection" (ask-selection).`);
      const result = await command(ctx, "ask-selection", DEMO_QUESTION);
      ctx.print(`\nThe answer block written below the question:\n\n${result.changedBlocks.join("\n\n")}\n`);
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
      ctx.print(`\nThe block keeps its ID (^pplx-${block.blockId}), so links to it still work; it now holds ${block.previous?.length ?? 0} previous answer(s).`);
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
      const result = await command(ctx, "ask-follow-up", undefined, FOLLOW_UP);
      ctx.print(`\n${result.changedBlocks.join("\n\n")}\n`);
    },
  },
  {
    title: "Refresh the thread",
    async run(ctx) {
      ctx.now = addDays(ctx.now, 1);
      ctx.print('"Refresh thread" (refresh-thread) re-asks every turn in order: the follow-up only after its parent has its new answer.');
      const result = await command(ctx, "refresh-thread");
      printChanges(ctx, result);
    },
  },
];

/** The follow-up the tour asks (the emulator's answer names the question it follows: the history arrived). */
const FOLLOW_UP = "Which of them sell an API that developers pay for?";

export async function runTour(ctx: TourContext, steps: TourStep[] = TOUR): Promise<void> {
  for (const [i, step] of steps.entries()) {
    ctx.print(`\n━━ Step ${i + 1} of ${steps.length}: ${step.title} ━━`);
    await step.run(ctx);
  }
}
