// A module left out of main.js, as a placeholder whose exports throw when used, so that a change that starts
// relying on it fails loudly instead of quietly doing nothing (tests/integration/bundle.test.ts loads them).

/** The error every placeholder throws. */
export function leftOut(what) {
  return `throw new Error("${what} is left out of main.js (scripts/slim-*.mjs)")`;
}

/**
 * A placeholder module: `functions` are exported functions, `classes` exported classes whose constructor throws,
 * `objects` exported objects any property of which throws; the default export is a function that throws.
 */
export function placeholderModule(what, { functions = [], classes = [], objects = [] } = {}) {
  const fail = leftOut(what);
  return [
    ...functions.map((name) => `export function ${name}() { ${fail}; }`),
    ...classes.map((name) => `export class ${name} { constructor() { ${fail}; } }`),
    ...objects.map((name) => `export const ${name} = new Proxy({}, { get() { ${fail}; } });`),
    `export default function leftOutModule() { ${fail}; }`,
    "",
  ].join("\n");
}
