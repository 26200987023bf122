// Every ask test again on the desktop app: answers stream over Node's http, through the streaming block writer.
// (ask.test.ts itself runs on the desktop fallback: desktop flags, but Node's modules fail to load.)
import { useHarnessPlatform } from "./harness";

useHarnessPlatform("desktop");
await import("./ask.test");
