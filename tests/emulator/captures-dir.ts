// Where the live captures are on disk. A path, not `new URL(..., import.meta.url)`: under happy-dom, Vite turns
// that pattern into an asset URL that the file system cannot read.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "captures");

/** The path of a file under tests/fixtures/captures. */
export function capturesDir(relative = ""): string {
  return join(root, relative);
}
