// Outside vitest (the demo and the benchmarks), give Node a DOM and Obsidian's DOM helpers
// before anything imports the obsidian mocks. Import this module first.
import { GlobalRegistrator } from "@happy-dom/global-registrator";

if (typeof document === "undefined") GlobalRegistrator.register();
const { setup } = await import("obsidian-test-mocks/setup");
setup();
