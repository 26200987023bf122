// The live captures of background runs (tests/fixtures/captures/background) are the judge: the client reads each
// as the plugin must, each conforms to the SDK's types, and the emulator's background runs look like them.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRunSnapshot } from "../../src/perplexity/response";
import { checkResponse, problemsOf } from "../emulator/contract";
import { startEmulator } from "../emulator/server";
import type { Emulator } from "../emulator/server";

const DIR = "tests/fixtures/captures/background";
type Obj = Record<string, unknown>;
interface Entry {
  id: string;
  route: string;
  files: { body: string; meta?: string };
  source: { repo: string; path: string; commit: string };
}
const manifest = JSON.parse(readFileSync(join(DIR, "manifest.json"), "utf8")) as { captures: Entry[] };
const capture = (name: string): Obj => JSON.parse(readFileSync(join(DIR, name), "utf8")) as Obj;

describe("the background captures", () => {
  it("are all named in the manifest with where they came from, and nothing else is in the folder", () => {
    const listed = manifest.captures.flatMap((c) => [c.files.body, ...(c.files.meta ? [c.files.meta] : [])]).sort();
    const present = ["cfdude", "argus"].flatMap((d) => readdirSync(join(DIR, d)).map((f) => `${d}/${f}`)).sort();
    expect(present).toEqual(listed);
    for (const c of manifest.captures) {
      expect(c.source.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(existsSync(join(DIR, c.files.body))).toBe(true);
    }
  });

  it("conform to the SDK's response type (the start, the polls, the cancelled run)", () => {
    for (const name of ["agent_background_submit", "agent_background_poll_pending", "agent_background_poll", "agent_background_submit_medium", "agent_background_cancelled"]) {
      expect(problemsOf(checkResponse, capture(`cfdude/${name}.json`)), name).toEqual([]);
    }
    expect(problemsOf(checkResponse, capture("argus/background_thorough_nflx_dis.json").submitted)).toEqual([]);
  });
});

describe("the client reads them", () => {
  it("a start and a pending poll as a run still going, with its id", () => {
    for (const name of ["agent_background_submit", "agent_background_poll_pending", "agent_background_submit_medium"]) {
      const s = readRunSnapshot(capture(`cfdude/${name}.json`));
      expect(s.status).toBe("queued");
      expect(s.id).toMatch(/^resp_[0-9a-f-]+$/);
      expect(s.answer).toBeUndefined();
      expect(s.error).toBeUndefined();
    }
  });

  it("a completed poll as the answer, with its sources, model and cost", () => {
    const s = readRunSnapshot(capture("cfdude/agent_background_poll.json"));
    expect(s.answer).toMatchObject({ responseId: "resp_caf1d3f9-3489-4a09-a6d8-3aafd929e535", status: "completed", model: "openai/gpt-6-luna", usage: { totalCost: 0.00105 } });
    expect(s.answer!.text).toBe("Python 3.14.8, released September 30, 2026, is the current stable version.[1][3]");
    expect(s.answer!.searchResults).toHaveLength(10);
    // argus: a background run whose output also holds skill and finance items, read past them.
    const argus = capture("argus/background_thorough_nflx_dis.json");
    expect(readRunSnapshot(argus.submitted).status).toBe("queued");
    const final = readRunSnapshot(argus.final);
    expect(final.answer?.text).toMatch(/^# Netflix \(NFLX\) vs\. Disney \(DIS\)/);
    expect(final.answer?.usage.totalCost).toBe(0.11415);
  });

  it("a cancelled run as cancelled, with no text kept and no cost (it counts as unknown)", () => {
    const s = readRunSnapshot(capture("cfdude/agent_background_cancelled.json"));
    expect(s.status).toBe("cancelled");
    expect(s.answer).toBeUndefined();
    expect(s.error).toMatchObject({ kind: "run-cancelled", detail: "cancelled" });
    expect(s.error!.partial).toBeUndefined();
  });
});

describe("the emulator's background runs look like them", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());
  const AUTH = { authorization: "Bearer key", "content-type": "application/json" };
  const post = async (path: string, body?: unknown) => {
    const res = await fetch(`${emu.baseUrl}${path}`, { method: "POST", headers: AUTH, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, json: (await res.json()) as Obj };
  };
  const get = async (id: string) => {
    const res = await fetch(`${emu.baseUrl}/agent/${id}`, { headers: AUTH });
    return { status: res.status, json: (await res.json()) as Obj };
  };
  const keys = (o: Obj) => Object.keys(o).sort();

  it("the start: the same keys and the same values where the run does not decide them", async () => {
    const live = capture("cfdude/agent_background_submit_medium.json");
    const { json } = await post("/agent", { preset: "medium", background: true, input: "Compare three vector databases." });
    expect(keys(json)).toEqual(keys(live));
    for (const key of ["background", "completed_at", "error", "incomplete_details", "model", "object", "output", "status", "store", "tools", "usage"]) expect(json[key], key).toEqual(live[key]);
  });

  it("a cancel and the cancelled run: the captured answer and the captured shape", async () => {
    emu.setScenario({ steps: [{ backgroundPolls: 5 }] });
    const { json: started } = await post("/agent", { preset: "medium", background: true, input: "Q" });
    const id = String(started.id);
    await get(id);
    await get(id);
    const accepted = await post(`/agent/${id}/cancel`);
    expect(keys(accepted.json)).toEqual(keys(capture("cfdude/agent_cancel_accepted.json")));
    expect(accepted.json).toEqual({ response_id: id, status: "cancelling" });
    const live = capture("cfdude/agent_background_cancelled.json");
    const { json } = await get(id);
    expect(keys(json)).toEqual(keys(live));
    for (const key of ["background", "completed_at", "error", "incomplete_details", "model", "status", "store", "tools", "usage"]) expect(json[key], key).toEqual(live[key]);
    expect((json.output as Obj[]).map((o) => o.type)).toEqual(["search_results"]);
  });

  it("unknown, unstored and malformed runs, and cancelling an unknown one: the captured statuses and bodies", async () => {
    const unknown = await get("resp_00000000-0000-4000-8000-000000000000");
    expect(unknown).toEqual({ status: 404, json: capture("cfdude/agent_get_store_false_404.json") });
    const { json: plain } = await post("/agent", { preset: "fast", input: "Q", store: false });
    expect(await get(String(plain.id))).toEqual({ status: 404, json: capture("cfdude/agent_get_store_false_404.json") });
    expect(await get("not-a-run")).toEqual({ status: 400, json: capture("cfdude/agent_get_malformed_400.json") });
    expect(await post("/agent/resp_00000000-0000-4000-8000-000000000000/cancel")).toEqual({ status: 400, json: capture("cfdude/agent_cancel_unknown_400.json") });
  });
});
