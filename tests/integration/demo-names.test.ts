// The demo names the plugin's commands as the command palette does (issue 22, item 6: the tour's first step
// named an old command name): every `"Name" (command-id)` the tour prints, and every command the demo accepts,
// is checked against the built plugin.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_COMMANDS, RUNNER_STEPS } from "../../scripts/demo/args";
import { startHarness } from "./harness";
import type { Harness } from "./harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("the demo's command names", () => {
  it("are the plugin's", async () => {
    h = await startHarness();
    const tour = readFileSync("scripts/demo/tour.ts", "utf8");
    const named = [...tour.matchAll(/"([A-Z][^"$]*)" \(([a-z-]+)\)/g)].map((m) => [m[1]!, m[2]!] as const);
    expect(named.length).toBeGreaterThanOrEqual(6);
    for (const [name, id] of named) expect(`${name} (${id})`).toBe(`${h.runtime.commandName(id)} (${id})`);
    for (const id of DEMO_COMMANDS) {
      if (RUNNER_STEPS.includes(id)) expect(h.runtime.commandIds()).not.toContain(id);
      else expect(h.runtime.commandIds()).toContain(id);
    }
  });
});
