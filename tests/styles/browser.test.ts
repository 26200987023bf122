// The stylesheet test needs a browser on a fresh machine with Node alone: on Linux x64 the one `npm ci` brings
// (before this, only Debian's /usr/bin/chromium, which `npm ci` cannot install), elsewhere one installed the
// usual way; with none, the failure says what was tried and how to get one.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { browserCandidates, bundledChromium, howToGetOne, installedLocations, launchBrowser } from "./browser";

const linuxX64 = process.platform === "linux" && process.arch === "x64";

describe("the browser of the stylesheet test", () => {
  it.runIf(linuxX64)("on Linux x64 is the npm package's Chromium first, whatever is installed", () => {
    const { candidates } = browserCandidates({});
    expect(candidates[0]?.source).toMatch(/^npm package @sparticuz\/chromium /);
    expect(candidates[0]!.executablePath.startsWith(join(process.cwd(), "node_modules", ".cache"))).toBe(true);
  });

  it.runIf(linuxX64)("starts from node_modules alone: its NSS libraries come from the package, not the system", async () => {
    const bundled = bundledChromium();
    if ("unavailable" in bundled) throw new Error(bundled.unavailable);
    // The libraries Debian's chromium package pulls in (libnss3 and friends) resolve inside the unpacked folder.
    const linked = execFileSync("ldd", [bundled.executablePath], { encoding: "utf8", env: { ...process.env, ...bundled.env } });
    for (const lib of ["libnss3.so", "libnspr4.so", "libexpat.so.1"]) {
      expect(linked).toMatch(new RegExp(`${lib.replace(/\./g, "\\.")} => ${join(dirname(bundled.executablePath), "lib")}/`));
    }
    expect(linked).not.toMatch(/not found/);
    const { browser, used } = await launchBrowser({ ...process.env, CHROMIUM_PATH: bundled.executablePath, ...bundled.env });
    expect(used.executablePath).toBe(bundled.executablePath);
    expect(browser.version()).toMatch(/^\d+\./);
    await browser.close();
  }, 120_000);

  it("with none that starts, fails saying what was tried and how to get one", async () => {
    await expect(launchBrowser({ ...process.env, CHROMIUM_PATH: "/nonexistent/chromium" })).rejects.toThrow(
      /No Chromium-based browser could be started, so styles\.css cannot be tested: \/nonexistent\/chromium \(CHROMIUM_PATH\) does not exist\. .*set CHROMIUM_PATH/,
    );
  });

  it("looks where each OS installs Chrome, Chromium or Edge", () => {
    expect(installedLocations("linux")).toEqual(expect.arrayContaining(["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]));
    expect(installedLocations("darwin", {}, "/Users/me")).toEqual(
      expect.arrayContaining(["/Applications/Google Chrome.app/Contents/MacOS/Google Chrome", "/Users/me/Applications/Chromium.app/Contents/MacOS/Chromium"]),
    );
    const windows = installedLocations("win32", { PROGRAMFILES: "C:\\Program Files", "PROGRAMFILES(X86)": "C:\\Program Files (x86)", LOCALAPPDATA: "C:\\Users\\me\\AppData\\Local" });
    expect(windows).toContain("C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe");
    expect(windows).toContain("C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe");
    expect(windows).toContain("C:\\Users\\me\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe");
    expect(howToGetOne("win32")).toMatch(/Edge comes with Windows/);
    expect(howToGetOne("darwin")).toMatch(/\/Applications/);
  });

  it("a browser named in CHROMIUM_PATH is the only one tried", () => {
    expect(browserCandidates({ CHROMIUM_PATH: "/opt/my/chrome" }).candidates).toEqual([{ source: "CHROMIUM_PATH", executablePath: "/opt/my/chrome", env: {} }]);
    expect(existsSync("/opt/my/chrome")).toBe(false);
  });
});
