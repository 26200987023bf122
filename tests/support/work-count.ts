// How much work a call does, counted instead of timed (tests check behaviour, never wall-clock time): the calls of
// the string and parser methods a scan over lines is made of. A rule that looks at every later line for every line
// is quadratic, and doubling its input then quadruples the count; a linear one doubles it.
import { markdownParser } from "../../src/core/markdown";

const STRING_METHODS = ["indexOf", "lastIndexOf", "slice", "startsWith", "endsWith", "includes", "trimEnd", "charCodeAt"] as const;

/** The number of calls `fn` made to the string methods above and to the block parser's line checks. */
export function workOf(fn: () => unknown): number {
  let count = 0;
  const proto = String.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const state = markdownParser().block.State.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const patched: [Record<string, (...args: unknown[]) => unknown>, string, (...args: unknown[]) => unknown][] = [];
  const patch = (target: Record<string, (...args: unknown[]) => unknown>, name: string) => {
    const original = target[name]!;
    patched.push([target, name, original]);
    target[name] = function (this: unknown, ...args: unknown[]) {
      count++;
      return original.apply(this, args);
    };
  };
  for (const name of STRING_METHODS) patch(proto, name);
  for (const name of ["isEmpty", "skipEmptyLines", "getLines"]) patch(state, name);
  try {
    fn();
  } finally {
    for (const [target, name, original] of patched.reverse()) target[name] = original;
  }
  return count;
}

/** The work of `make(2n)` over the work of `make(n)`: about 2 when linear, about 4 when quadratic. */
export function growth(make: (n: number) => string, read: (text: string) => unknown, n: number): number {
  return workOf(() => read(make(2 * n))) / workOf(() => read(make(n)));
}
