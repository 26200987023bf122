// Vitest global setup: integration tests load the built main.js, so build it once first.
import { execFileSync } from "node:child_process";

export default function buildPlugin(): void {
  execFileSync(process.execPath, ["esbuild.config.mjs", "production"], { stdio: "inherit" });
}
