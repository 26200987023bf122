// Which Chromium the stylesheet test renders in. Nothing is downloaded at test time; the candidates, in order:
//  1. CHROMIUM_PATH, when set (then only it: a browser you named is never silently replaced);
//  2. on Linux x64, the Chromium inside the npm package @sparticuz/chromium (a devDependency whose registry
//     tarball holds the Brotli-packed binary, the NSS libraries it links and a font), so `npm ci` brings it
//     to any Linux x64 machine with Node alone; unpacked once into node_modules/.cache;
//  3. a browser installed the usual way: Debian/Ubuntu's chromium, Google Chrome, Chromium or Microsoft Edge
//     in their standard places on Linux, macOS and Windows.
// The test launches them in order until one starts; when none does, the error says what was tried and why.
// Run `npx tsx tests/styles/browser.ts` to see which one this machine uses (.ci/run does, to decide whether
// it must install one).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { brotliDecompressSync } from "node:zlib";
import { chromium } from "playwright-core";
import type { Browser } from "playwright-core";

export interface BrowserCandidate {
  /** Where it comes from, for messages: "CHROMIUM_PATH", "npm package @sparticuz/chromium 147.0.0", "installed". */
  source: string;
  executablePath: string;
  /** Environment the browser process needs (the bundled libraries and fonts), added to the test's own. */
  env: Record<string, string>;
}

const PACKAGE = "@sparticuz/chromium";

/** The usual install locations of a Chromium-based browser on this platform, most specific first. */
export function installedLocations(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home = homedir()): string[] {
  if (platform === "darwin") {
    const apps = ["Google Chrome.app/Contents/MacOS/Google Chrome", "Chromium.app/Contents/MacOS/Chromium", "Microsoft Edge.app/Contents/MacOS/Microsoft Edge"];
    return [...apps.map((app) => `/Applications/${app}`), ...apps.map((app) => join(home, "Applications", app))];
  }
  if (platform === "win32") {
    const roots = [env.PROGRAMFILES, env["PROGRAMFILES(X86)"], env.LOCALAPPDATA].filter((root): root is string => Boolean(root));
    const exes = ["Google\\Chrome\\Application\\chrome.exe", "Chromium\\Application\\chrome.exe", "Microsoft\\Edge\\Application\\msedge.exe"];
    return exes.flatMap((exe) => roots.map((root) => `${root}\\${exe}`));
  }
  return ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium", "/usr/bin/google-chrome-stable", "/usr/bin/google-chrome", "/opt/google/chrome/chrome", "/usr/bin/microsoft-edge"];
}

/**
 * The Chromium of the npm package, unpacked into node_modules/.cache/<package>-<version>/ the first time
 * (about 2 s; 190 MB): the binary, the NSS libraries it links (the package packs them for Amazon Linux, and
 * they spare a bare Debian or Ubuntu from needing them) and its font. Unpacked into a temporary folder first and
 * renamed, so a run interrupted halfway, or two runs at once, never leave a half-written browser behind.
 */
export function bundledChromium(root = resolve(".")): BrowserCandidate | { unavailable: string } {
  if (process.platform !== "linux" || process.arch !== "x64") return { unavailable: `${PACKAGE} ships Chromium for Linux x64 only (this is ${process.platform} ${process.arch})` };
  const packageDir = join(root, "node_modules", ...PACKAGE.split("/"));
  if (!existsSync(join(packageDir, "bin", "chromium.br"))) return { unavailable: `${PACKAGE} is not installed (run npm ci)` };
  const version = (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string }).version;
  const target = join(root, "node_modules", ".cache", `sparticuz-chromium-${version}`);
  if (!existsSync(join(target, "chromium"))) unpack(join(packageDir, "bin"), target);
  return {
    source: `npm package ${PACKAGE} ${version}`,
    executablePath: join(target, "chromium"),
    env: { LD_LIBRARY_PATH: [join(target, "lib"), process.env.LD_LIBRARY_PATH].filter(Boolean).join(":"), FONTCONFIG_PATH: target },
  };
}

function unpack(bin: string, target: string): void {
  const work = `${target}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, "chromium"), brotliDecompressSync(readFileSync(join(bin, "chromium.br"))), { mode: 0o755 });
  // al2023.tar.br holds lib/ (NSS, NSPR, expat); fonts.tar.br holds fonts/ and a fonts.conf written for AWS's
  // paths, replaced by one that points here (FONTCONFIG_PATH is this folder).
  for (const archive of ["al2023.tar.br", "fonts.tar.br"]) execFileSync("tar", ["-x", "-C", work], { input: brotliDecompressSync(readFileSync(join(bin, archive))) });
  writeFileSync(join(work, "fonts.conf"), `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>${join(target, "fonts")}</dir><cachedir>${join(target, "fonts-cache")}</cachedir></fontconfig>\n`);
  try {
    renameSync(work, target);
  } catch (error) {
    // Another run unpacked it first: use theirs.
    rmSync(work, { recursive: true, force: true });
    if (!existsSync(join(target, "chromium"))) throw error;
  }
}

/** Every browser to try, in order, and why the npm package's is not among them when it is not. */
export function browserCandidates(env: NodeJS.ProcessEnv = process.env): { candidates: BrowserCandidate[]; notes: string[] } {
  if (env.CHROMIUM_PATH) return { candidates: [{ source: "CHROMIUM_PATH", executablePath: env.CHROMIUM_PATH, env: {} }], notes: [] };
  const candidates: BrowserCandidate[] = [];
  const notes: string[] = [];
  const bundled = bundledChromium();
  if ("unavailable" in bundled) notes.push(bundled.unavailable);
  else candidates.push(bundled);
  const installed = installedLocations().filter((path) => existsSync(path));
  if (installed.length === 0) notes.push(`no browser in the usual places (${installedLocations().join(", ")})`);
  for (const path of installed) candidates.push({ source: "installed", executablePath: path, env: {} });
  return { candidates, notes };
}

/** What to do when no browser starts, for this platform. */
export function howToGetOne(platform: NodeJS.Platform = process.platform): string {
  if (platform === "darwin") return "Install Google Chrome (or Chromium, or Microsoft Edge) in /Applications, or set CHROMIUM_PATH to a Chromium-based browser's executable.";
  if (platform === "win32") return "Install Google Chrome (Microsoft Edge comes with Windows 10 and 11), or set CHROMIUM_PATH to a Chromium-based browser's executable.";
  return "Run npm ci (it brings Chromium on Linux x64), install your distribution's chromium (Debian: apt-get install chromium), or set CHROMIUM_PATH to a Chromium-based browser's executable.";
}

/** Flags for a headless run on a machine with no network but loopback (see /work/.library: without them Chromium keeps calling home). */
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];

/** The first candidate that starts, and which one it was; throws, saying what was tried and why, when none does. */
export async function launchBrowser(env: NodeJS.ProcessEnv = process.env): Promise<{ browser: Browser; used: BrowserCandidate }> {
  const { candidates, notes } = browserCandidates(env);
  const failures = [...notes];
  for (const candidate of candidates) {
    if (!existsSync(candidate.executablePath)) {
      failures.push(`${candidate.executablePath} (${candidate.source}) does not exist`);
      continue;
    }
    try {
      const browser = await chromium.launch({ executablePath: candidate.executablePath, args: ARGS, headless: true, env: { ...env, ...candidate.env } as Record<string, string>, timeout: 30_000 });
      return { browser, used: candidate };
    } catch (error) {
      failures.push(`${candidate.executablePath} (${candidate.source}) did not start: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`);
    }
  }
  throw new Error(`No Chromium-based browser could be started, so styles.css cannot be tested: ${failures.join("; ")}. ${howToGetOne()}`);
}

// `npx tsx tests/styles/browser.ts`: start the browser the test would use and say which (exit 0), or why
// there is none (exit 1).
if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve("tests/styles/browser.ts")) {
  launchBrowser().then(
    async ({ browser, used }) => {
      console.log(`${used.executablePath} (${used.source}, ${browser.version()})`);
      await browser.close();
    },
    (error: Error) => {
      console.error(error.message);
      process.exitCode = 1;
    },
  );
}
