// The README is the short entry point and docs/ the manual: every page must be reachable from the README, and
// every relative link (a file, or a heading inside one) must lead somewhere, so a page split or renamed later
// cannot leave a reader on a dead link.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";

const pages = ["README.md", ...readdirSync("docs").filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)];

/** GitHub's anchor for a heading: lowercased, punctuation other than "-" and "_" dropped, spaces to "-". */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors of a Markdown file's headings (outside code fences). */
function anchorsOf(path: string): Set<string> {
  const found = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6} (.+)$/.exec(line);
    if (heading) found.add(anchor(heading[1]!));
  }
  return found;
}

/** Relative Markdown links of a file, outside code fences and inline code. */
function relativeLinks(path: string): string[] {
  const text = readFileSync(path, "utf8").replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z]+:/i.test(target));
}

describe("README and docs/", () => {
  it("the README links every page of docs/", () => {
    const linked = new Set(relativeLinks("README.md").map((target) => normalize(target.split("#")[0]!)));
    const docs = pages.filter((page) => page !== "README.md");
    expect(docs.length).toBeGreaterThan(10);
    for (const page of docs) expect(linked, page).toContain(page);
  });

  it.each(pages)("every relative link of %s leads to a file and heading that exist", (page) => {
    for (const target of relativeLinks(page)) {
      const [file, hash] = target.split("#") as [string, string | undefined];
      const path = file === "" ? page : normalize(join(dirname(page), file));
      expect(existsSync(path), `${page} links ${target}`).toBe(true);
      if (hash !== undefined && path.endsWith(".md")) expect(anchorsOf(path), `${page} links ${target}`).toContain(hash);
    }
  });

  it("the anchor rule matches GitHub's for the headings we link", () => {
    expect(anchor("What an answer looks like")).toBe("what-an-answer-looks-like");
    expect(anchor("Follow-up questions (threads)")).toBe("follow-up-questions-threads");
    expect(anchor("Network use, privacy and costs")).toBe("network-use-privacy-and-costs");
  });
});
