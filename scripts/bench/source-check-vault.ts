// The vault source check in a Node process of its own, started by `npm run bench` (source-check.ts): its peak
// heap then measures the check, not the garbage that the benchmarks before it left for the collector.
import "../../tests/obsidian-runtime/node-globals";
import { benchVault } from "./source-check";

console.log(JSON.stringify(await benchVault()));
