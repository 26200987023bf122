import { expect } from "vitest";
import { PerplexityError } from "../../src/perplexity/errors";

/** The PerplexityError that `fn` throws; fails the test when it throws something else or nothing. */
export function thrown(fn: () => unknown): PerplexityError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PerplexityError);
    return err as PerplexityError;
  }
  throw new Error("expected a PerplexityError");
}
