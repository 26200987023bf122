// `npm run demo`: the plugin's real commands in a headless Obsidian, on a scratch copy of demo-vault/ (or a
// vault given with --vault), against the bundled Perplexity emulator unless --real or --base-url says
// otherwise. `--tour` shows ask, cite and refresh in a row. See --help (scripts/demo/args.ts).
import "../tests/obsidian-runtime/node-globals";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { addDays, formatISO } from "date-fns";
import { parseBlocks } from "../src/core/block";
import { DEFAULT_BASE_URL } from "../src/settings";
import { DemoError, DEMO_QUESTION, USAGE, parseDemoArgs, type DemoArgs } from "./demo/args";
import { scratchDemoVault } from "./demo/scratch";
import { DEMO_STATE_DIR, checkVaultFolder, isNothingStale, printOutcome, resumePending, runCommand } from "./demo/session";
import { TOUR_SCENARIO, runTour } from "./demo/tour";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/**
 * Fixed, so that the answer written by one run cites pages the next run's check finds. Tests that run beside
 * each other set another one (PQ_DEMO_WEB_PORT) so they do not take each other's.
 */
const LOCAL_WEB_PORT = Number(process.env.PQ_DEMO_WEB_PORT) || 8790;

/** --web: the local test web (tests/web), and an emulator scenario whose answer cites its pages. */
async function startWeb(): Promise<{ scenario: unknown; close(): Promise<void> }> {
  const { citingScenario, PAGES, startLocalWeb } = await import("../tests/web/server");
  const web = await startLocalWeb({ port: LOCAL_WEB_PORT, slowMs: 20_000 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EADDRINUSE") throw error;
    throw new DemoError(`--web serves its test pages on 127.0.0.1:${LOCAL_WEB_PORT} (a fixed port, so answers from earlier runs still cite them), but another program is listening there; an earlier npm run demo -- --web may still be running: stop it and run this again`);
  });
  console.log(`Local web with test pages at ${web.origin}`);
  return { scenario: citingScenario((p) => web.url(p), Object.keys(PAGES)), close: () => web.close() };
}

/** Where the questions go, and with which key: the real API only with --real. */
async function chooseApi(args: DemoArgs): Promise<{ baseUrl: string; apiKey: string; sent(): unknown[]; close(): Promise<void> }> {
  const envKey = process.env.PERPLEXITY_API_KEY?.trim();
  if (args.real) {
    const baseUrl = args.baseUrl ?? DEFAULT_BASE_URL;
    console.log(`Calling ${baseUrl} with PERPLEXITY_API_KEY (--real): each request is billed to that key.`);
    return { baseUrl, apiKey: envKey ?? "", sent: () => [], close: () => Promise.resolve() };
  }
  if (args.baseUrl !== undefined) {
    console.log(`Using the server at ${args.baseUrl} with a dummy key (--real would send PERPLEXITY_API_KEY).`);
    return { baseUrl: args.baseUrl, apiKey: "emulator-demo-key", sent: () => [], close: () => Promise.resolve() };
  }
  const { startEmulator } = await import("../tests/emulator/server");
  const { parseScenario } = await import("../tests/emulator/scenario");
  const web = args.web ? await startWeb() : undefined;
  const scenario = args.tour
    ? parseScenario(JSON.parse(readFileSync(new URL(`../${TOUR_SCENARIO}`, import.meta.url), "utf8")) as unknown)
    : web
      ? parseScenario(web.scenario)
      : {};
  // Background runs (deep presets) take 3 s at the emulator, and it keeps them in a file between runners, as
  // Perplexity keeps them while Obsidian is closed (--detach, then --command resume-pending).
  mkdirSync(DEMO_STATE_DIR, { recursive: true });
  const base = scenario.default;
  const answerDefault = base === undefined || base.kind === undefined || base.kind === "answer" ? { backgroundMs: 3_000, ...base } : base;
  const emulator = await startEmulator({
    scenario: { runRetentionMs: 7 * 86_400_000, ...scenario, default: answerDefault },
    runsFile: join(DEMO_STATE_DIR, "emulator-runs.json"),
  });
  // Questions stay on this machine; pages do not when this run may fetch them.
  const network = args.allowPrivateHosts ? "this run may fetch the pages answers cite (--allow-private-hosts), which contacts their sites unless they are --web's local pages" : "no network";
  console.log(`Using the bundled Perplexity emulator at ${emulator.baseUrl}: no key, no cost, ${network}.`);
  if (envKey) console.log("PERPLEXITY_API_KEY is set but not used: add --real to ask the real API (billed to that key).");
  return {
    baseUrl: emulator.baseUrl,
    apiKey: "emulator-demo-key",
    sent: () => emulator.requests.filter((r) => r.method === "POST" && /\/(responses|agent)$/.test(r.path)).map((r) => r.json),
    close: async () => {
      await emulator.close();
      await web?.close();
    },
  };
}

async function main(): Promise<void> {
  const args = parseDemoArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return;
  }
  if (args.vault !== undefined) {
    checkVaultFolder(args.vault);
    if (!args.inPlace) refuseRepositoryFolder(args.vault);
  }
  const scratch = args.vault === undefined;
  const vault = args.vault ?? scratchDemoVault(repoRoot);
  console.log(scratch ? `Vault: ${vault} (a scratch copy of demo-vault/, kept so you can open it in Obsidian)` : `Vault: ${vault}`);
  // A scratch copy the run wrote nothing into is removed when the run stops on an error (a note or selection not
  // found, a port taken): only copies worth opening are kept.
  let wrote = false;
  const dropScratch = () => {
    if (scratch && !wrote) rmSync(vault, { recursive: true, force: true });
  };
  let api: Awaited<ReturnType<typeof chooseApi>>;
  try {
    api = await chooseApi(args);
  } catch (error) {
    dropScratch();
    throw error;
  }
  try {
    const run = { vault, note: args.note, yes: args.yes, platform: args.platform, baseUrl: api.baseUrl, apiKey: api.apiKey, pluginDir: repoRoot, allowPrivateHosts: args.allowPrivateHosts };
    if (args.tour) {
      wrote = true;
      await runTour({ run: { ...run, yes: true }, now: args.now ?? new Date(), print: (line = "") => console.log(line), sent: api.sent });
    } else if (args.command === "resume-pending") {
      const result = await resumePending({ ...run, ...(args.now ? { now: args.now } : {}) });
      wrote = result.changedFiles.length > 0;
      for (const notice of result.notices) console.log(`Notice: ${notice}`);
      if (result.changedBlocks.length) console.log(`\n${result.changedBlocks.join("\n\n")}\n`);
      if (result.pending.length) {
        console.log(`Still researching at Perplexity: ${result.pending.length === 1 ? "1 run" : `${result.pending.length} runs`}.`);
        for (const p of result.pending) console.log(`  "${p.question}" in ${p.path}`);
        console.log(`Land ${result.pending.length === 1 ? "it" : "them"} later with: npm run demo -- --vault "${vault}" --command resume-pending`);
      } else if (!result.changedBlocks.length) console.log("No background run of this device is pending in this vault.");
      console.log(result.changedFiles.length ? `Changed files in ${vault}:` : `No files changed in ${vault}.`);
      for (const path of result.changedFiles) console.log(`  ${path}`);
    } else {
      const select = args.select ?? (args.command === "ask-selection" ? DEMO_QUESTION : undefined);
      const result = await runCommand({ ...run, command: args.command, select, selectIsDefault: args.select === undefined, selectFlag: args.selectFlag, onWait: (line) => console.log(`Waiting: ${line}`), question: args.question, now: args.now, detach: args.detach });
      wrote = result.changedFiles.length > 0;
      printOutcome(result, (line) => console.log(line));
      if (result.failure) throw new DemoError(inDemoTerms(result.failure));
      if (isNothingStale([...result.notices, ...result.dialog])) console.log(staleHint(result.after[args.note] ?? "", vault, scratch));
      if (result.changedBlocks.length) console.log(`\n${result.changedBlocks.join("\n\n")}\n`);
      console.log(result.changedFiles.length ? `Changed files in ${vault}:` : `No files changed in ${vault}.`);
      for (const path of result.changedFiles) console.log(`  ${path}`);
      if (args.detach) {
        const detached = result.changedBlocks.some((b) => b.includes("Researching in the background"));
        console.log(
          detached
            ? `\nDetached: the runner stopped as Obsidian closing would; the run goes on at Perplexity (here the emulator keeps it).\nLand its answer with: npm run demo -- --vault "${vault}" --command resume-pending`
            : "\nThis ask did not run in the background (check the vault's Background runs setting), so there was nothing to detach from.",
        );
      }
    }
  } catch (error) {
    dropScratch();
    throw error;
  } finally {
    await api.close();
  }
  if (scratch) {
    console.log(`\nOpen ${vault} in Obsidian (Open folder as vault) to see the result; the plugin is installed there.`);
    console.log(`Run another command on it with: npm run demo -- --vault "${vault}" --command refresh-stale-in-note --now <date>`);
  }
}

/** A plugin message that names a setting, with the demo's flag for it. */
function inDemoTerms(message: string): string {
  return message.includes("turn on Allow fetching pages") ? `${message} In the demo, add --allow-private-hosts (with --web for the local test pages).` : message;
}

/**
 * A vault folder whose files this repository tracks (demo-vault/ itself, say) is refused unless --in-place is
 * given: the run writes answers and source notes into it, which `git status` would then show.
 */
function refuseRepositoryFolder(vault: string): void {
  let tracked: string;
  try {
    tracked = execFileSync("git", ["ls-files", "--", resolve(vault)], { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return; // not a git checkout (or no git): nothing tracked to protect
  }
  if (tracked.trim()) {
    const shown = relative(process.cwd(), resolve(vault)) || ".";
    throw new DemoError(`${shown} holds files this repository tracks, so the run would write into the repository; leave out --vault to use a scratch copy of demo-vault/, or add --in-place to use ${shown} anyway`);
  }
}

/** After "No stale answers": how to see a refresh. */
function staleHint(note: string, vault: string, scratch: boolean): string {
  const asked = parseBlocks(note).map((p) => Date.parse(p.block.askedAt)).filter((t) => !Number.isNaN(t));
  if (!asked.length) {
    return scratch
      ? "This fresh copy of the demo vault has no answers yet. Ask first (npm run demo), then refresh that vault with --vault DIR and a later --now; or see all of it with npm run demo -- --tour."
      : `${vault} has no answers in this note yet: ask first.`;
  }
  const later = formatISO(addDays(new Date(Math.max(...asked)), 31), { representation: "date" });
  return `Answers go stale after 30 days (by default). To see a refresh now, move the clock: --now ${later}`;
}

main()
  .catch((error: unknown) => {
    // Printed once, as one line that names what it is about (Node's file errors name their path).
    console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  })
  // Whatever the outcome, the run is over: a request the plugin gave up on (requestUrl cannot be aborted) may still
  // hold a connection open, which would keep Node waiting for the server.
  .finally(() => process.exit());
