/** "1 answer", "3 answers": a count with its noun. `many` defaults to the noun with an s. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
