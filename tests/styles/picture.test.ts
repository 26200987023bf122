// @vitest-environment happy-dom
// The README's pictures are rendered from answerBlockHtml(); the Markdown in docs/asking.md is the demo's real
// output (tests/integration/demo.test.ts checks it). Here the picture is held to that output's shape, so it
// cannot drift from what the plugin writes again (issue 22, item 7: the picture's other sources linked a note).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { answerBlockHtml } from "./obsidian-callout";

const documented = /## What an answer looks like[\s\S]*?```markdown\n([\s\S]*?)\n```/.exec(readFileSync("docs/asking.md", "utf8"))?.[1] ?? "";

function listAfter(heading: string): string[] {
  const lines = documented.split("\n");
  const start = lines.indexOf(`> **${heading}**`);
  const out: string[] = [];
  for (let i = start + 1; start >= 0 && lines[i]?.startsWith("> - "); i++) out.push(lines[i]!);
  return out;
}

describe("the README's picture", () => {
  const html = document.createElement("div");
  html.innerHTML = answerBlockHtml();

  it("links a cited source's ID to its note, as the documented block does", () => {
    expect(listAfter("Citations")[0]).toMatch(/^> - \[\[[a-z0-9]{6}\]\] /);
    const first = html.querySelector(".citation-list li a")!;
    expect(first.className).toBe("internal-link");
  });

  it("links an uncited source's ID to the page, as the documented block does", () => {
    expect(listAfter("Other sources")[0]).toMatch(/^> - \[[a-z0-9]{6}\]\((https:[^)]+)\) \[.*\]\(\1\)\.$/);
    const [id, title] = [...html.querySelectorAll(".other-sources-list li a")];
    expect(id!.className).toBe("external-link");
    expect(id!.getAttribute("href")).toBe(title!.getAttribute("href"));
  });
});
