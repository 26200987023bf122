// Background runs (issue 21) through the built main.js: deep questions start a run at the emulator, the
// placeholder records it, and its answer lands after a restart, after a phone's dropped connection, on the
// device that started it only; cancel, expiry, unknown runs and a batch of deep questions.
import { afterEach, describe, expect, it } from "vitest";
import { parseBlocks } from "../../src/core/block";
import type { AnswerBlock } from "../../src/core/block";
import { monthSpend } from "../../src/core/spend";
import type { SpendLedger } from "../../src/core/spend";
import { startEmulator } from "../emulator/server";
import type { Emulator } from "../emulator/server";
import type { Scenario } from "../emulator/scenario";
import { ObsidianRuntime, waitFor } from "../obsidian-runtime/runtime";
import type { LoadedPlugin, Platform } from "../obsidian-runtime/runtime";
import { API_KEY, NOTE, NOTE_TEXT, QUESTION } from "./harness";

/** PLUGIN_MAIN=path/to/main.js runs this suite against another build (to see a test fail on an older one), as the harness does. */
const MAIN = process.env.PLUGIN_MAIN ?? "main.js";

type Plugin = LoadedPlugin & { idle(): Promise<void>; resuming: Promise<unknown> | null; spend: { ledger: SpendLedger }; background: { count: number } };

let emu: Emulator | undefined;
const devices: Device[] = [];
/** The emulator's clock: background runs with `backgroundMs` finish when it says so. */
let emulatorNow = Date.parse("2026-11-24T16:43:12.385Z");

afterEach(async () => {
  for (const d of devices.splice(0)) await d.runtime.unloadPlugin();
  await emu?.close();
  emu = undefined;
});

async function emulator(scenario: Scenario): Promise<Emulator> {
  emu = await startEmulator({ scenario, clock: { now: () => emulatorNow } });
  return emu;
}

interface Device {
  runtime: ObsidianRuntime;
  plugin: Plugin;
}

/** A device with the vault `files` (as synced to it), the plugin loaded; `settings` over deep-preset defaults. */
async function device(files: Record<string, string>, options: { settings?: Record<string, unknown>; platform?: Platform; layoutReady?: boolean } = {}): Promise<Device> {
  const runtime = new ObsidianRuntime({
    files,
    secrets: { "perplexity-api-key": API_KEY },
    pluginData: { baseUrl: emu!.baseUrl, requestTimeoutSeconds: 10, requestsPerMinute: 6000, preset: "high", ...options.settings },
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.layoutReady === false ? { layoutReady: false } : {}),
  });
  const d: Device = { runtime, plugin: (await runtime.loadPlugin(MAIN)) as Plugin };
  devices.push(d);
  return d;
}

/** Obsidian closed and opened again on the same vault and device: unload, load again, wait for the search for pending runs. */
async function restart(d: Device): Promise<void> {
  await d.runtime.saveAll();
  await d.runtime.unloadPlugin();
  d.plugin = (await d.runtime.loadPlugin(MAIN)) as Plugin;
  await waitFor(() => d.plugin.resuming !== null, 2000, "the search for pending runs");
  await d.plugin.resuming;
}

async function ask(d: Device): Promise<void> {
  const view = await d.runtime.openNote(NOTE);
  const at = view.editor.getValue().indexOf(QUESTION);
  view.editor.setSelection(view.editor.offsetToPos(at), view.editor.offsetToPos(at + QUESTION.length));
  expect(d.runtime.runCommand("ask-selection")).toBe(true);
}

async function blocks(d: Device, path = NOTE): Promise<AnswerBlock[]> {
  return parseBlocks(await d.runtime.read(path)).map((p) => p.block);
}

/** Waits until the note's placeholder records its run (the start answered), and returns the run id. */
async function runStarted(d: Device, path = NOTE): Promise<string> {
  let rid = "";
  await waitFor(async () => {
    rid = (await blocks(d, path)).find((b) => b.state === "pending" && b.responseId)?.responseId ?? "";
    return rid !== "";
  }, 5000, "the run id in the placeholder");
  return rid;
}

/** Types `lines` into the open note after the first line matching `after`, as the user does inside a callout. */
function typeAfter(d: Device, after: RegExp, lines: string[]): void {
  const editor = d.runtime.editor(NOTE);
  const text = editor.getValue();
  const match = after.exec(text);
  if (!match) throw new Error(`no line matching ${String(after)}`);
  const at = text.indexOf("\n", match.index) + 1;
  editor.replaceRange(lines.map((l) => `${l}\n`).join(""), editor.offsetToPos(at));
}

/** The run's progress line ("· 5 sources found so far") in the open note: the emulator's run has gone on 2 s, and the first poll (3 s) saw it. */
async function progressShown(d: Device): Promise<void> {
  emulatorNow += 2_000;
  await waitFor(() => /· 5 sources found so far\*$/m.test(d.runtime.editor(NOTE).getValue()), 8_000, "the progress line");
}

/** What the user typed inside the placeholder while the run went on: under the Model line, and under the progress line. */
const TYPED = ["> a thought typed under the question", ">"];
const TYPED_LATER = ["> my own note typed while waiting", ">"];

/** Asks, lets the user type inside the placeholder once its progress shows, and closes Obsidian; returns the run id. */
async function typedWhileWaiting(d: Device): Promise<string> {
  await ask(d);
  const rid = await runStarted(d);
  await progressShown(d);
  typeAfter(d, /^> \*\*Model:\*\*/m, TYPED);
  typeAfter(d, /sources found so far\*$/m, [">", ...TYPED_LATER]);
  await d.runtime.saveAll();
  await d.runtime.unloadPlugin();
  return rid;
}

/** A phone with the vault as synced from `laptop`, which takes the run over with the command, the cursor in its block. */
async function takenOverOnPhone(laptop: Device): Promise<{ phone: Device; editor: ReturnType<ObsidianRuntime["editor"]> }> {
  const phone = await device(await laptop.runtime.snapshot());
  await phone.plugin.resuming;
  await phone.runtime.openNote(NOTE);
  const editor = phone.runtime.editor(NOTE);
  editor.setCursor(editor.offsetToPos(editor.getValue().indexOf("%% pplx")));
  expect(phone.runtime.runCommand("take-over-background-run")).toBe(true);
  return { phone, editor };
}

/** The note once the run landed: every typed line kept once, after the block, and none of the placeholder's waiting lines left. */
function expectTypedKept(text: string): void {
  const [block] = parseBlocks(text);
  expect(block!.block.answer).not.toContain("typed");
  const after = text.slice(block!.to);
  for (const line of ["a thought typed under the question", "my own note typed while waiting"]) {
    expect(text.split(line)).toHaveLength(2);
    expect(after).toContain(`\n${line}\n`);
  }
  expect(text).not.toMatch(/Researching in the background|sources found so far|Waiting for Perplexity|Starting a background run/);
}

const posts = () => emu!.requests.filter((r) => r.method === "POST" && /\/v1\/(responses|agent)$/.test(r.path));
const gets = (rid: string) => emu!.requests.filter((r) => r.method === "GET" && r.path.endsWith(`/${rid}`));

describe("a deep question", () => {
  it("starts a background run, says so in the placeholder, and lands its answer in one undo step", async () => {
    await emulator({ steps: [{ backgroundPolls: 1, answer: { cost: 0.25 } }] });
    const d = await device({ [NOTE]: NOTE_TEXT });
    await ask(d);
    const rid = await runStarted(d);
    expect(posts()).toHaveLength(1);
    expect(posts()[0]!.json).toMatchObject({ preset: "high", background: true, store: true, stream: false });
    const pending = (await blocks(d))[0]!;
    expect(pending).toMatchObject({ state: "pending", responseId: rid, request: { preset: "high" } });
    expect(pending.device).toMatch(/^[0-9a-z]{12}$/);
    expect(await d.runtime.read(NOTE)).toMatch(/> \*Researching in the background… started \d\d:\d\d, preset high\*/);
    await d.plugin.idle();
    const [landed] = await blocks(d);
    expect(landed).toMatchObject({ state: "answered", responseId: rid, cost: 0.25, answeredBy: "openai/gpt-6-luna" });
    expect(landed).not.toHaveProperty("device");
    expect(landed!.answer).toContain("Who are the major");
    // Polled politely: queued at the first GET (3 s after the start), done at the second.
    expect(gets(rid)).toHaveLength(2);
    expect(monthSpend(d.plugin.spend.ledger, new Date()).usd).toBeCloseTo(0.25);
    // One undo takes the whole ask back.
    const editor = d.runtime.editor(NOTE) as unknown as { undo(): void; getValue(): string };
    editor.undo();
    expect(editor.getValue()).toBe(NOTE_TEXT);
  });

  it("shows how many sources it found so far while the run is in progress", async () => {
    await emulator({ steps: [{ backgroundPolls: 2 }] });
    const d = await device({ [NOTE]: NOTE_TEXT });
    await ask(d);
    await waitFor(async () => /· 5 sources found so far\*/.test(await d.runtime.read(NOTE)), 12_000, "the progress line");
    await d.plugin.idle();
    expect((await blocks(d))[0]!.state).toBe("answered");
  });
});

describe("after a restart", () => {
  it("lands the answer of a run that finished while the plugin was not running, found after layout-ready", async () => {
    await emulator({ steps: [{ backgroundMs: 60_000, answer: { cost: 0.3 } }], default: { backgroundMs: 60_000 } });
    const d = await device({ [NOTE]: NOTE_TEXT });
    await ask(d);
    const rid = await runStarted(d);
    // Obsidian closes before the first poll; the run goes on at Perplexity and finishes.
    await d.runtime.saveAll();
    await d.runtime.unloadPlugin();
    expect((await blocks(d))[0]).toMatchObject({ state: "pending", responseId: rid });
    emulatorNow += 60_000;
    // Opening again: nothing happens before the layout is ready.
    d.plugin = (await d.runtime.loadPlugin(MAIN)) as Plugin;
    await waitFor(() => d.plugin.resuming !== null, 2000, "the search for pending runs");
    await waitFor(async () => (await blocks(d))[0]!.state === "answered", 5000, "the answer to land");
    expect((await blocks(d))[0]).toMatchObject({ state: "answered", responseId: rid, cost: 0.3 });
    // Nothing sent twice: one start, polled after the restart.
    expect(posts()).toHaveLength(1);
    expect(gets(rid)).toHaveLength(1);
    expect(d.runtime.notices.at(-1)).toMatch(/^Perplexity answered "Who are the major/);
    expect(monthSpend(d.plugin.spend.ledger, new Date())).toMatchObject({ answers: 1, unknown: 0 });
  });

  it("keeps what the user typed inside the placeholder (after it, as any ask does) and leaves none of its progress lines behind", async () => {
    await emulator({ steps: [{ backgroundMs: 60_000, answer: { cost: 0.3 } }] });
    const d = await device({ [NOTE]: NOTE_TEXT });
    const rid = await typedWhileWaiting(d);
    emulatorNow += 60_000;
    d.plugin = (await d.runtime.loadPlugin(MAIN)) as Plugin;
    await waitFor(async () => (await blocks(d))[0]?.state === "answered", 5000, "the answer to land");
    expect((await blocks(d))[0]).toMatchObject({ responseId: rid, cost: 0.3 });
    expectTypedKept(d.runtime.editor(NOTE).getValue());
    expectTypedKept(await d.runtime.read(NOTE));
  });

  it("keeps what the user typed when the run expired meanwhile: after the failed block, not in it", async () => {
    await emulator({ runRetentionMs: 3_600_000, steps: [{ backgroundMs: 60_000 }] });
    const d = await device({ [NOTE]: NOTE_TEXT });
    await typedWhileWaiting(d);
    emulatorNow += 2 * 3_600_000;
    d.plugin = (await d.runtime.loadPlugin(MAIN)) as Plugin;
    await waitFor(async () => (await blocks(d))[0]?.state === "failed", 5000, "the failed block");
    expectTypedKept(await d.runtime.read(NOTE));
  });

  it("starts looking only once the layout is ready, and holds the run's estimate against the caps meanwhile", async () => {
    await emulator({ steps: [{ backgroundMs: 60_000 }] });
    const spend = { v: 1, months: {}, recent: { "preset high": [0.4] } };
    const first = await device({ [NOTE]: NOTE_TEXT }, { settings: { spend } });
    await ask(first);
    const rid = await runStarted(first);
    expect((await blocks(first))[0]!.estimate).toBeCloseTo(0.4);
    await first.runtime.saveAll();
    const files = await first.runtime.snapshot();
    const hints = first.runtime.app.loadLocalStorage("perplexity-query-background-runs");
    const id = first.runtime.app.loadLocalStorage("perplexity-query-device");
    await first.runtime.unloadPlugin();
    // The same device starting up: its local storage kept, the layout not ready yet.
    const d = await device(files, { settings: { spend, monthlyCapUsd: 0.5 }, layoutReady: false });
    d.runtime.app.saveLocalStorage("perplexity-query-background-runs", hints);
    d.runtime.app.saveLocalStorage("perplexity-query-device", id);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(d.plugin.resuming).toBeNull();
    expect(gets(rid)).toHaveLength(0);
    d.runtime.setLayoutReady();
    await waitFor(() => gets(rid).length === 1, 3000, "the first poll");
    expect(d.plugin.background.count).toBe(1);
    // $0.40 held for the pending run: a second deep question (about $0.40) would pass the $0.50 cap.
    await d.runtime.openNote(NOTE);
    const view = d.runtime.editor(NOTE);
    view.setCursor(view.offsetToPos(view.getValue().indexOf("Closing paragraph")));
    view.setSelection(view.offsetToPos(view.getValue().indexOf("Closing paragraph")), view.offsetToPos(view.getValue().indexOf("Closing paragraph") + 17));
    expect(d.runtime.runCommand("ask-selection")).toBe(true);
    await waitFor(() => d.runtime.notices.some((n) => n.startsWith("Not sent")), 3000, "the cap notice");
    expect(d.runtime.notices.find((n) => n.startsWith("Not sent"))).toContain("($0.40 more is on its way in requests still running)");
    expect(posts()).toHaveLength(1);
  });

  it("says so in the block when the run expired meanwhile, and offers to ask again without sending anything", async () => {
    await emulator({ runRetentionMs: 3_600_000, steps: [{ backgroundMs: 60_000 }] });
    const d = await device({ [NOTE]: NOTE_TEXT });
    await ask(d);
    const rid = await runStarted(d);
    await d.runtime.saveAll();
    await d.runtime.unloadPlugin();
    emulatorNow += 2 * 3_600_000;
    d.plugin = (await d.runtime.loadPlugin(MAIN)) as Plugin;
    await waitFor(async () => (await blocks(d))[0]!.state === "failed", 5000, "the failed block");
    const failed = (await blocks(d))[0]!;
    expect(failed).toMatchObject({ state: "failed", responseId: rid, question: QUESTION });
    expect(failed.failure).toMatch(/^Perplexity no longer knows this run \(HTTP 404\).*To ask again, put the cursor in this block and run "Refresh this answer"; nothing is sent until you do\.$/);
    expect(posts()).toHaveLength(1);
    // The cost never arrived: counted as unknown.
    expect(monthSpend(d.plugin.spend.ledger, new Date()).unknown).toBe(1);
    // Asking again is the refresh of a failed block, at the user's word.
    const editor = d.runtime.editor(NOTE);
    editor.setCursor(editor.offsetToPos(editor.getValue().indexOf("%% pplx")));
    expect(d.runtime.isCommandAvailable("refresh-at-cursor")).toBe(true);
  });
});

describe("on a phone", () => {
  it("runs any ask in the background when the setting says so, survives a dropped poll and checks at once when the app comes back", async () => {
    await emulator({ steps: [{ backgroundDroppedPolls: 1, answer: { cost: 0.002 } }] });
    const d = await device({ [NOTE]: NOTE_TEXT }, { platform: "mobile", settings: { preset: "fast", backgroundRuns: "deep-and-mobile" } });
    await ask(d);
    const rid = await runStarted(d);
    expect(posts()[0]!.json).toMatchObject({ preset: "fast", background: true });
    // No status bar on a phone: a notice says the answer will come.
    await waitFor(() => d.runtime.notices.some((n) => n.startsWith("Perplexity is researching in the background (1 run pending)")), 2000, "the notice");
    // The first poll's connection drops (the phone was locked): the block stays pending.
    await waitFor(() => gets(rid).length === 1, 6000, "the first poll");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await blocks(d))[0]!.state).toBe("pending");
    // The app comes back to the foreground: checked at once, not after the next wait.
    activeDocument.dispatchEvent(new Event("visibilitychange"));
    await waitFor(async () => (await blocks(d))[0]!.state === "answered", 2000, "the answer after the app came back");
    expect(gets(rid)).toHaveLength(2);
  });
});

describe("cancel", () => {
  it("stops a run still researching, and says it was still running; the block says so", async () => {
    await emulator({ steps: [{ backgroundMs: 600_000 }] });
    const d = await device({ [NOTE]: NOTE_TEXT });
    await ask(d);
    const rid = await runStarted(d);
    expect(d.runtime.runCommand("cancel")).toBe(true);
    await waitFor(async () => (await blocks(d))[0]!.state === "failed", 5000, "the cancelled block");
    expect(emu!.requests.some((r) => r.method === "POST" && r.path === `/v1/agent/${rid}/cancel`)).toBe(true);
    expect(d.runtime.notices).toContain("Perplexity: 1 background run cancelled at Perplexity: 1 was still running and was stopped.");
    expect((await blocks(d))[0]!.failure).toMatch(/^You cancelled this run while Perplexity was still researching/);
    expect(monthSpend(d.plugin.spend.ledger, new Date()).unknown).toBe(1);
    expect(d.runtime.isCommandAvailable("cancel")).toBe(false);
  });

  it("while Perplexity is still starting the run (its id not in yet): waits for the id, cancels the run, puts the note back and says so", async () => {
    await emulator({ steps: [{ backgroundReplyMs: 400, backgroundMs: 600_000 }] });
    const d = await device({ [NOTE]: NOTE_TEXT });
    await ask(d);
    await waitFor(() => emu!.startedRuns().length === 1, 3000, "the run started at the emulator");
    expect(d.runtime.runCommand("cancel")).toBe(true);
    await d.plugin.idle();
    const [run] = emu!.startedRuns();
    expect(emu!.requests.filter((r) => r.path.endsWith("/cancel")).map((r) => r.path)).toEqual([`/v1/agent/${run!.id}/cancel`]);
    expect(run!.cancelled).toBe(true);
    expect(d.runtime.editor(NOTE).getValue()).toBe(NOTE_TEXT);
    expect(d.runtime.notices.at(-1)).toMatch(/^The request to Perplexity was cancelled\. Perplexity had already started the run, so the plugin told it to stop/);
    expect(monthSpend(d.plugin.spend.ledger, new Date()).unknown).toBe(1);
  });

  it("Obsidian closing while Perplexity is still starting the run: the run is cancelled once its id is in, not left going unseen", async () => {
    await emulator({ steps: [{ backgroundReplyMs: 400, backgroundMs: 600_000 }] });
    const d = await device({ [NOTE]: NOTE_TEXT });
    await ask(d);
    await waitFor(() => emu!.startedRuns().length === 1, 3000, "the run started at the emulator");
    await d.runtime.unloadPlugin();
    await waitFor(() => emu!.startedRuns()[0]!.cancelled, 3000, "the run cancelled");
    expect(await d.runtime.read(NOTE)).toBe(NOTE_TEXT);
  });

  it("after the run finished, says it had already ended and writes its answer", async () => {
    await emulator({ steps: [{ backgroundMs: 30_000, answer: { cost: 0.2 } }] });
    const d = await device({ [NOTE]: NOTE_TEXT });
    await ask(d);
    const rid = await runStarted(d);
    emulatorNow += 30_000;
    // The cursor in the block: the command for this one run.
    const editor = d.runtime.editor(NOTE);
    editor.setCursor(editor.offsetToPos(editor.getValue().indexOf("%% pplx")));
    expect(d.runtime.runCommand("cancel-background-run")).toBe(true);
    await waitFor(async () => (await blocks(d))[0]!.state === "answered", 5000, "the answer");
    expect(d.runtime.notices).toContain("Perplexity: 1 background run cancelled at Perplexity: 1 had already ended (its answer is written as usual).");
    expect((await blocks(d))[0]).toMatchObject({ responseId: rid, cost: 0.2 });
  });
});

describe("two devices on one synced vault", () => {
  it("only the device that started a run polls it; another can take it over; a landed block is never rewritten", async () => {
    await emulator({ steps: [{ backgroundMs: 60_000, answer: { cost: 0.3 } }] });
    const laptop = await device({ [NOTE]: NOTE_TEXT });
    await ask(laptop);
    const rid = await runStarted(laptop);
    await laptop.runtime.saveAll();
    await laptop.runtime.unloadPlugin();
    // The note syncs to the phone, which loads with its own device id.
    const phone = await device(await laptop.runtime.snapshot());
    await phone.plugin.resuming;
    emulatorNow += 60_000;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(gets(rid)).toHaveLength(0);
    expect(phone.plugin.background.count).toBe(0);
    // Its answers view lists the run as another device's, with a Take over button instead of Refresh.
    const creators = (phone.plugin as unknown as { views__: Map<string, (leaf: unknown) => { onOpen(): Promise<void>; contentEl: HTMLElement } > }).views__;
    const view = creators.get("perplexity-answers")!(phone.runtime.app.workspace.getRightLeaf(false));
    await view.onOpen();
    expect(view.contentEl.textContent).toContain("Research/The AI Model Wars · 0 h · high · researching in the background, checked by another device");
    const buttons = [...view.contentEl.querySelectorAll("button")].map((b) => b.textContent);
    expect(buttons).toEqual(["Open", "Take over"]);
    // The phone can take it over; the block then names the phone, which polls and writes it.
    await phone.runtime.openNote(NOTE);
    const editor = phone.runtime.editor(NOTE);
    editor.setCursor(editor.offsetToPos(editor.getValue().indexOf("%% pplx")));
    expect(phone.runtime.isCommandAvailable("take-over-background-run")).toBe(true);
    expect(phone.runtime.isCommandAvailable("cancel-background-run")).toBe(true);
    phone.runtime.runCommand("take-over-background-run");
    await waitFor(async () => (await blocks(phone))[0]!.state === "answered", 5000, "the answer on the phone");
    expect(gets(rid)).toHaveLength(1);
    expect(monthSpend(phone.plugin.spend.ledger, new Date())).toMatchObject({ answers: 1 });
    // The laptop opens again with the synced note: the block was landed elsewhere, nothing is polled or rewritten.
    const synced = await phone.runtime.snapshot();
    await laptop.runtime.closeNote(NOTE);
    await laptop.runtime.app.vault.modify(laptop.runtime.app.vault.getFileByPath(NOTE)!, synced[NOTE]!);
    laptop.plugin = (await laptop.runtime.loadPlugin(MAIN)) as Plugin;
    await waitFor(() => laptop.plugin.resuming !== null, 2000, "the laptop's search");
    await laptop.plugin.resuming;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gets(rid)).toHaveLength(1);
    expect(await laptop.runtime.read(NOTE)).toBe(synced[NOTE]);
    expect(laptop.plugin.background.count).toBe(0);
  });
});

describe("taking a run over on another device", () => {
  it("keeps what the user typed inside the placeholder on the first device, and leaves none of its progress lines behind", async () => {
    await emulator({ steps: [{ backgroundMs: 60_000, answer: { cost: 0.3 } }] });
    const laptop = await device({ [NOTE]: NOTE_TEXT });
    const rid = await typedWhileWaiting(laptop);
    // Taking over writes the block again (it names the phone now): what was typed moves after it, nothing is lost.
    const { phone, editor } = await takenOverOnPhone(laptop);
    await waitFor(() => {
      const [found] = parseBlocks(editor.getValue());
      return found?.block.state === "pending" && found.block.device !== undefined && editor.getValue().slice(found.to).includes("my own note typed while waiting");
    }, 3000, "the block taken over");
    const taken = editor.getValue();
    const [pending] = parseBlocks(taken);
    for (const line of ["a thought typed under the question", "my own note typed while waiting"]) expect(taken.slice(pending!.to)).toContain(`\n${line}\n`);
    expect(pending!.block.answer).toBe("");
    // The run finishes; the phone checks now.
    emulatorNow += 60_000;
    expect(phone.runtime.runCommand("check-background-runs")).toBe(true);
    await waitFor(async () => (await blocks(phone))[0]!.state === "answered", 8000, "the answer on the phone");
    expect((await blocks(phone))[0]).toMatchObject({ responseId: rid, cost: 0.3 });
    expectTypedKept(editor.getValue());
  });
});

describe("the placeholder moved, deleted or taken while its run goes on", () => {
  const OTHER = "Research/Moved here.md";

  /** Cuts the pending block (with its id line) out of the open note and returns its text, as the user's cut does. */
  function cutBlock(d: Device): string {
    const editor = d.runtime.editor(NOTE);
    const text = editor.getValue();
    const [found] = parseBlocks(text);
    editor.replaceRange("", editor.offsetToPos(found!.from), editor.offsetToPos(found!.to));
    return text.slice(found!.from, found!.to);
  }

  /** A background run started (finishing a minute later) whose placeholder was then cut and the note saved. */
  async function askedThenCut(): Promise<{ d: Device; rid: string; block: string }> {
    await emulator({ steps: [{ backgroundMs: 60_000, answer: { cost: 0.3 } }] });
    const d = await device({ [NOTE]: NOTE_TEXT });
    await ask(d);
    const rid = await runStarted(d);
    const block = cutBlock(d);
    await d.runtime.saveAll();
    return { d, rid, block };
  }

  it("cut and pasted into another note while the plugin was closed: found there after the restart, the answer lands there", async () => {
    const { d, rid, block } = await askedThenCut();
    await d.runtime.unloadPlugin();
    await d.runtime.closeNote(NOTE);
    await d.runtime.app.vault.create(OTHER, `# Moved here\n\n${block}\n`);
    emulatorNow += 60_000;
    d.plugin = (await d.runtime.loadPlugin(MAIN)) as Plugin;
    await waitFor(async () => (await blocks(d, OTHER))[0]?.state === "answered", 5000, "the answer in the other note");
    expect((await blocks(d, OTHER))[0]).toMatchObject({ responseId: rid, cost: 0.3 });
    expect(await d.runtime.read(NOTE)).not.toContain("pplx");
  });

  it("cut and pasted into another note while the run goes on: the run is not cancelled, its answer lands where the placeholder is now", async () => {
    const { d, rid, block } = await askedThenCut();
    // The first poll finds the block in no note (it is not pasted yet).
    await waitFor(() => gets(rid).length === 1, 6000, "the first poll");
    await new Promise((resolve) => setTimeout(resolve, 100));
    const pasted = await d.runtime.app.vault.create(OTHER, `# Moved here\n\n${block}\n`);
    // Obsidian's metadata cache lists the block's id there within moments (the next poll comes seconds later).
    const blockId = parseBlocks(block)[0]!.block.blockId;
    await waitFor(() => d.runtime.app.metadataCache.getFileCache(pasted)?.blocks?.[`pplx-${blockId}`] !== undefined, 2000, "the metadata cache");
    // The next poll finds it in the other note; the run finished meanwhile.
    emulatorNow += 60_000;
    expect(d.runtime.runCommand("check-background-runs")).toBe(true);
    await waitFor(async () => (await blocks(d, OTHER))[0]?.state === "answered", 5000, "the answer in the other note");
    expect((await blocks(d, OTHER))[0]).toMatchObject({ responseId: rid, cost: 0.3 });
    expect(emu!.requests.some((r) => r.path.endsWith("/cancel"))).toBe(false);
  });

  it("deleted while the run goes on: once two polls in a row find it in no note, the run is cancelled at Perplexity and the notice says so", async () => {
    await emulator({ steps: [{ backgroundMs: 600_000 }] });
    const d = await device({ [NOTE]: NOTE_TEXT });
    await ask(d);
    const rid = await runStarted(d);
    cutBlock(d);
    await waitFor(() => gets(rid).length === 1, 6000, "the first poll");
    await new Promise((resolve) => setTimeout(resolve, 100));
    // One poll is not enough (the block may be on its way to another note).
    expect(emu!.startedRuns()[0]!.cancelled).toBe(false);
    expect(d.plugin.background.count).toBe(1);
    expect(d.runtime.runCommand("check-background-runs")).toBe(true);
    await waitFor(() => emu!.startedRuns()[0]!.cancelled, 3000, "the run cancelled");
    await waitFor(() => d.plugin.background.count === 0, 2000, "the run no longer polled");
    expect(d.runtime.notices.at(-1)).toMatch(/was not written: its placeholder was removed from the note\. Perplexity was told to stop the run, so it costs nothing more\.$/);
    expect(d.runtime.editor(NOTE).getValue()).not.toContain("pplx");
  });

  it("taken over by another device while this one polls it: this one stops polling it and cancels nothing", async () => {
    await emulator({ steps: [{ backgroundMs: 600_000 }] });
    const laptop = await device({ [NOTE]: NOTE_TEXT });
    await ask(laptop);
    const rid = await runStarted(laptop);
    await laptop.runtime.saveAll();
    // The phone takes it over; the note syncs back to the laptop, which is still running.
    const { phone } = await takenOverOnPhone(laptop);
    await waitFor(() => phone.plugin.background.count === 1, 3000, "the phone polling");
    await phone.runtime.saveAll();
    await laptop.runtime.closeNote(NOTE);
    await laptop.runtime.app.vault.modify(laptop.runtime.app.vault.getFileByPath(NOTE)!, (await phone.runtime.snapshot())[NOTE]!);
    expect(laptop.plugin.background.count).toBe(1);
    expect(laptop.runtime.runCommand("check-background-runs")).toBe(true);
    await waitFor(() => laptop.plugin.background.count === 0, 3000, "the laptop no longer polling");
    expect(emu!.startedRuns()[0]!.cancelled).toBe(false);
    expect(phone.plugin.background.count).toBe(1);
    expect(laptop.runtime.notices.at(-1)).toMatch(/was not written: another device took the run over\.$/);
  });
});

describe("a batch of deep questions", () => {
  it("starts 20 background runs without holding a connection each, and lands every answer below its question", async () => {
    const questions = Array.from({ length: 20 }, (_, i) => `What is deep question number ${i + 1}?`);
    const note = `# Research\n\n${questions.join("\n\n")}\n`;
    await emulator({ default: { backgroundPolls: 0 } });
    const d = await device({ "Research.md": note }, { settings: { concurrency: 2 } });
    const view = await d.runtime.openNote("Research.md");
    view.editor.setSelection(view.editor.offsetToPos(0), view.editor.offsetToPos(note.length));
    expect(d.runtime.runCommand("ask-questions-in-selection")).toBe(true);
    const modal = d.runtime.openModals.at(-1) as unknown as { run(): Promise<{ answered: unknown[]; failed: unknown[] }> };
    const report = await modal.run();
    expect(report.answered).toHaveLength(20);
    expect(report.failed).toHaveLength(0);
    expect(posts()).toHaveLength(20);
    expect(posts().every((p) => (p.json as { background?: boolean }).background === true)).toBe(true);
    // Two places in the limiter, yet every run was started before the first one was polled: none held its place.
    const firstGet = emu!.requests.findIndex((r) => r.method === "GET");
    const lastPost = emu!.requests.map((r) => r.method === "POST").lastIndexOf(true);
    expect(lastPost).toBeLessThan(firstGet);
    const after = d.runtime.editor("Research.md").getValue();
    const landed = parseBlocks(after);
    expect(landed.map((b) => b.block.question)).toEqual(questions);
    expect(landed.every((b) => b.block.state === "answered")).toBe(true);
    for (const b of landed) expect(after.slice(0, b.from).trimEnd().endsWith(b.block.question)).toBe(true);
  }, 40_000);
});
