// `npm run emulator -- --port 8787 --scenario scenario.json` (or `--capture cfdude/agent_low_fetch_url`: a live capture)
// Prints one line to stdout when ready, one short line per request to stderr, exits on SIGINT/SIGTERM, and
// also when the process that started it is gone: `npm run` passes SIGTERM to its shell, which can end without
// passing it on, and the emulator must not stay behind holding its port.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { capture, captures, replayScenario } from "./captures";
import { parseScenario, type Scenario } from "./scenario";
import { startEmulator } from "./server";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      scenario: { type: "string" },
      capture: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(`usage: npm run emulator -- [--port N] [--scenario FILE | --capture ID]\ncaptures: ${captures().map((c) => c.id).join(", ")}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
  let scenario: Scenario = {};
  if (values.scenario && values.capture) throw new Error("give --scenario or --capture, not both");
  if (values.scenario) {
    scenario = parseScenario(JSON.parse(readFileSync(values.scenario, "utf8")) as unknown);
  }
  // Every answer request gets the captured answer (tests/fixtures/captures).
  if (values.capture) {
    const replay = replayScenario(capture(values.capture));
    scenario = { ...replay, ...(replay.steps?.[0] ? { default: replay.steps[0], steps: [] } : {}) };
  }

  const emulator = await startEmulator({ port, scenario, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`Perplexity emulator listening on ${emulator.baseUrl}\n`);

  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    void emulator.close().then(() => process.exit(0));
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  const parent = process.ppid;
  setInterval(() => {
    if (!isAlive(parent)) shutdown();
  }, 500).unref();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`emulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
