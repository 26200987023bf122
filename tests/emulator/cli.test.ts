// `npm run emulator` on its own (issue 22, item 3): after SIGTERM to npm, nothing is left listening.
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });

describe("npm run emulator", { timeout: 60_000 }, () => {
  it("stops listening when npm gets SIGTERM", async () => {
    // A process group of its own, so whatever is left when the test fails can be ended with it.
    const child = spawn("npm", ["run", "--silent", "emulator", "--", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"], detached: true });
    try {
      await stopsListening(child);
    } finally {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
});

async function stopsListening(child: ReturnType<typeof spawn>): Promise<void> {
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\/v1/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`exited with ${code} before listening: ${out}`)));
  });
  expect(await refused(port)).toBe(false);
  child.kill("SIGTERM");
  let free = false;
  for (let i = 0; i < 100 && !free; i++) {
    await new Promise((r) => setTimeout(r, 100));
    free = await refused(port);
  }
  expect(free).toBe(true);
}
