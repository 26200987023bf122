// Every ask test again on mobile: no Node modules, answers come buffered through requestUrl.
// (ask.test.ts itself runs on the desktop fallback: desktop flags, but Node's modules fail to load.)
import { useHarnessPlatform } from "./harness";

useHarnessPlatform("mobile");
await import("./ask.test");
