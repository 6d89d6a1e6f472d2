// End-to-end test of the fmriface browser app (make test-e2e): serves the
// built site with site/serve, drives headless Chromium through playwright-core
// and checks what a user would see: the first decoded face, the live-region
// text, a canvas that is not blank, the ROI switch and the pairwise game by
// keyboard, the same by mouse and by touch (a phone-sized screen), offline
// start from the cache, and the error messages for a damaged
// file and for a browser without WebAssembly or WebGL. Screenshots go to --out.
//
// It also shows the paper's comparison (VAE-GAN beside PCA) and the results
// panel (compareTest); --only compare runs that test alone. The Lab
// (labTest; --only lab alone) runs a link's experiment in the page and
// compares it with the native run of the same settings (site/labrun);
// --lab-bench N times the Lab's runs and frames instead (lab-bench.json).
//
// With --bench N it instead loads the page with ?bench=N, which decodes N
// faces back to back in the page, and prints the timing the page measured.
//
//   node e2e/run.mjs --serve out/e2e/serve --dir out/e2e/dist --out out/e2e [--chromium /usr/bin/chromium] [--bench 1000] [--only compare]
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { extname, join } from "node:path";
import { chromium } from "playwright-core";
import { startServer } from "./serve.mjs";
import { settle } from "./settle.mjs";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const outDir = args.out || "out/e2e";
mkdirSync(outDir, { recursive: true });
const executablePath = args.chromium || "/usr/bin/chromium";

let failures = 0;
const log = (...a) => console.log("e2e:", ...a);
function check(ok, what, detail = "") {
  if (ok) log("ok  ", what);
  else { failures++; log("FAIL", what, detail); }
  return ok;
}

// axe-core, the accessibility rules engine behind Lighthouse's and
// DevTools' audits, is injected into the page as it stands.
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const axeSource = readFileSync(axePath, "utf8");

// axeAudit checks the page as it is now against axe-core's WCAG 2.2 A and AA
// rules and its best practices, and fails on any violation, naming the rule
// and the elements. (The canvas's own drawing is outside its reach; the
// app's palette keeps text at 4.5:1 or more.)
async function axeAudit(page, what) {
  await page.addScriptTag({ content: axeSource });
  const r = await page.evaluate(async () => {
    const res = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] } });
    return { version: axe.version, passes: res.passes.length, violations: res.violations.map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`) };
  });
  check(r.violations.length === 0, `accessibility: axe-core ${r.version} finds no violation in ${what} (${r.passes} rules pass)`, r.violations.join(" | ").slice(0, 1000));
}

const status = (page) => page.evaluate(() => globalThis.fmrifaceStatus ? { ...globalThis.fmrifaceStatus } : null);
const live = (page) => page.evaluate(() => document.getElementById("live").textContent);

// canvasStats screenshots the page and measures, in the page, the variance
// of the pixels' luminance and the number of distinct colours.
async function canvasStats(page, file) {
  const png = await page.locator("canvas").screenshot({ path: file });
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = "data:image/png;base64," + b64;
    await img.decode();
    const c = document.createElement("canvas");
    c.width = img.width; c.height = img.height;
    const ctx = c.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let s = 0, s2 = 0;
    const colours = new Set();
    for (let i = 0; i < d.length; i += 4) {
      const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
      s += y; s2 += y * y;
      if (colours.size < 5000) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    }
    const n = d.length / 4;
    return { variance: s2 / n - (s / n) ** 2, colours: colours.size, width: c.width, height: c.height };
  }, png.toString("base64"));
}

// recordLive makes the page keep every text its live region takes, as a
// screen reader would hear it, in globalThis.__liveLog.
function recordLive(page) {
  return page.addInitScript(() => {
    globalThis.__liveLog = [];
    document.addEventListener("DOMContentLoaded", () => {
      const el = document.getElementById("live");
      if (!el) return; // about:blank, before the page
      new MutationObserver(() => globalThis.__liveLog.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
    });
  });
}

async function waitStatus(page, pred, what, timeout = 60000, arg = null) {
  try {
    await page.waitForFunction(pred, arg, { timeout, polling: 50 });
    return true;
  } catch (e) {
    check(false, what, "timed out; status " + JSON.stringify(await status(page)) + "; live: " + await live(page));
    return false;
  }
}

async function mainTest(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const consoleLines = [];
  page.on("console", (m) => consoleLines.push(m.type() + ": " + m.text()));
  page.on("pageerror", (e) => { failures++; log("FAIL page error:", e.message); });

  await recordLive(page);
  // The cold load is timed in a window whose browser has finished its own
  // start-up (settle.mjs; FRESH=1 skips that).
  await page.goto("about:blank");
  const waited = await settle();
  log(`browser settled after ${waited} ms`);
  const wire = recordTransfer(page);
  await page.goto(url);
  if (!await waitStatus(page, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.firstFaceShownMs > 0, "first decoded face on screen")) return;
  const beforeFirst = await wire.sum();
  const st = await status(page);
  // performance.now() in the page at the start of the frame after the one
  // that drew the first face, so that frame's WebGL work is done: the face
  // is on screen (firstFacePageMs is when it was decoded, before that).
  const coldMs = st.firstFaceShownMs;
  const d = await page.evaluate(() => ({ downloadedMs: fmrifaceData.downloadedMs, instantiatedMs: fmrifaceData.instantiatedMs }));
  log(`cold load to the first decoded face on screen: ${coldMs.toFixed(0)} ms; files downloaded and verified at ${d.downloadedMs.toFixed(0)}, ` +
    `wasm compiled ${d.instantiatedMs.toFixed(0)}, Go main ${st.mainMs.toFixed(0)}, generator copied ${(st.copiedMs || 0).toFixed(0)}, ` +
    `generator parsed ${(st.modelMs || 0).toFixed(0)}, subject parsed ${(st.subjectsMs || 0).toFixed(0)}, app built ${st.appMs.toFixed(0)}, ` +
    `first frame ${st.firstUpdateMs.toFixed(0)}, first face decoded ${st.firstFacePageMs.toFixed(0)}, on screen ${st.firstFaceShownMs.toFixed(0)} ms`);
  // The target is 3 s from localhost on an idle machine; the hard limit
  // (E2E_MAX_COLD_MS) is looser so that a loaded CI machine does not fail.
  const maxCold = parseFloat(process.env.E2E_MAX_COLD_MS || "20000");
  log(`cold-load target <= 3000 ms: ${coldMs <= 3000 ? "met" : "MISSED"} (${coldMs.toFixed(0)} ms)`);
  check(coldMs < maxCold, `cold load to first decoded face < ${maxCold} ms`, coldMs.toFixed(0) + " ms");
  // Every text the live region took counts (a screen reader hears each):
  // another announcement, such as a subject that finished loading, may
  // follow the first face's description at once.
  const heard = await page.evaluate(() => globalThis.__liveLog.slice());
  const first = heard.find((t) => /decoded/i.test(t) || /Face \d+ of \d+/.test(t)) || await live(page);
  check(/decoded/i.test(first) || /Face \d+ of \d+/.test(first), "live region describes a decoded face", JSON.stringify(heard));
  check(!await page.locator("#loader").isVisible(), "loader hidden once the app runs");

  await waitStatus(page, () => globalThis.fmrifaceStatus.ready, "all faces decoded");
  const firstView = await wire.sum(); // the first subject's view, before any key
  const all = await status(page);
  check(all.pairTotal === 380, "pairwise over 380 pairs", JSON.stringify(all));
  // The summary may be followed at once by "sub-02 is ready": look at every
  // text the live region has held.
  if (await waitStatus(page, () => globalThis.__liveLog.some((t) => /Pairwise accuracy \d+(\.\d)?% \(\d+ of 380 pairs\)/.test(t)), "live region gives the pairwise accuracy")) {
    check(true, "live region gives the pairwise accuracy");
  }
  const shot = join(outDir, "screenshot.png");
  const stats = await canvasStats(page, shot);
  log("canvas:", JSON.stringify(stats), "->", shot);
  check(stats.variance > 100 && stats.colours > 200, "canvas is not blank", JSON.stringify(stats));
  await axeAudit(page, "the running app");

  // ROI switch by keyboard: R cycles all → occipital.
  await page.keyboard.press("r");
  await waitStatus(page, () => globalThis.fmrifaceStatus.roi === "occipital", "R switches the region to occipital");
  check(/occipital/.test(await live(page)), "live region announces the region", await live(page));
  await waitStatus(page, () => globalThis.fmrifaceStatus.ready && globalThis.fmrifaceStatus.roi === "occipital", "occipital decoded");
  const occ = await status(page);
  log(`pairwise: all voxels ${all.pairCorrect}/380, occipital ${occ.pairCorrect}/380`);
  await canvasStats(page, join(outDir, "faces-occipital.png"));

  // Fewer trials.
  await page.keyboard.press("t");
  await waitStatus(page, () => /trial/.test(globalThis.fmrifaceStatus.trials) && globalThis.fmrifaceStatus.trials !== "all trials", "T selects fewer trials");

  // The pairwise game: panel 3, guess left, next pair, guess right.
  await page.keyboard.press("3");
  await waitStatus(page, () => globalThis.fmrifaceStatus.panel === "Pairwise test", "3 opens the pairwise test");
  await waitStatus(page, () => globalThis.fmrifaceStatus.ready && globalThis.fmrifaceStatus.decoded === 20, "decoded before the game"); // its summary comes before the guess
  await page.keyboard.press("ArrowLeft");
  await waitStatus(page, () => globalThis.fmrifaceStatus.gameRounds === 1, "Left records a guess");
  const g1 = await live(page);
  check(/You chose left: (correct|wrong)\. The decoder chose (left|right): (correct|wrong)/.test(g1), "live region reports both answers", g1);
  check(/full pairwise accuracy .*: \d+(\.\d)?%, \d+ of 380 pairs/.test(g1), "the game shows the subject's 380-pair accuracy", g1);
  await canvasStats(page, join(outDir, "pairwise.png"));
  await page.keyboard.press("Enter");
  await page.keyboard.press("ArrowRight");
  await waitStatus(page, () => globalThis.fmrifaceStatus.gameRounds === 2, "second round by keyboard");

  // The second subject downloads when S asks for it, and the view follows.
  check((await status(page)).subjects === 1, "other subjects wait until they are chosen", JSON.stringify(await status(page)));
  await page.keyboard.press("s");
  await waitStatus(page, () => globalThis.fmrifaceStatus.subject === "sub-02", "S downloads sub-02 and switches to it");
  await waitStatus(page, () => globalThis.fmrifaceStatus.ready && globalThis.fmrifaceStatus.subject === "sub-02", "sub-02 decoded");
  await page.keyboard.press("s");

  // The real-brain panel's file waits until the panel is opened.
  const realFile = "data/" + (await (await fetch(new URL("data/index.json", url))).json()).real.file;
  check((await wire.missing([realFile])).length === 1, "the real brain file is not downloaded before its panel opens");
  // Every panel draws something (the real-brain and lab panels once their files are here).
  for (const [key, name] of [["1", "faces"], ["2", "pattern"], ["4", "gender"], ["5", "imagery"], ["6", "explore"], ["7", "about"], ["8", "real"], ["9", "results"], ["l", "lab"]]) {
    await page.keyboard.press(key);
    if (key === "8") await waitStatus(page, () => globalThis.fmrifaceStatus.real === "ready", "8 downloads the real brain file");
    if (key === "9") await waitStatus(page, () => globalThis.fmrifaceStatus.panel === "Results", "9 opens the results panel");
    if (key === "l") await waitStatus(page, () => globalThis.fmrifaceStatus.panel === "Lab" && globalThis.fmrifaceStatus.lab === "ready", "L opens the lab and downloads its file");
    await page.waitForTimeout(400);
    const s = await canvasStats(page, join(outDir, `panel-${key}-${name}.png`));
    check(s.variance > 50, `panel ${key} (${name}) is drawn`, JSON.stringify(s));
  }
  // The keyboard can always leave the app (no keyboard trap): Tab on the
  // last panel goes on to the page's About button, Shift+Tab comes back to
  // the same panel, and Esc leaves from any panel.
  const focused = () => page.evaluate(() => document.activeElement === document.querySelector("canvas") ? "canvas" : document.activeElement && document.activeElement.id);
  await page.keyboard.press("Tab");
  check(await focused() === "about-btn", "Tab on the last panel leaves the app for the About button", await focused());
  await page.keyboard.press("Shift+Tab");
  await page.waitForTimeout(200);
  check(await focused() === "canvas" && (await status(page)).panel === "Lab", "Shift+Tab comes back to the app, on the same panel", `${await focused()} ${(await status(page)).panel}`);
  await page.keyboard.press("2");
  await page.waitForTimeout(200);
  await page.keyboard.press("Escape");
  check(await focused() === "about-btn", "Esc leaves the app from another panel", await focused());
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("1");
  await page.waitForTimeout(200);
  await page.keyboard.press("Shift+Tab");
  check(await focused() === "skip", "Shift+Tab on the first panel leaves the app backwards, for the skip link", await focused());
  await page.keyboard.press("Tab");
  check(await focused() === "canvas", "Tab from the skip link comes back to the app", await focused());
  await page.keyboard.press("6");
  await page.keyboard.press("ArrowRight");
  await waitStatus(page, () => /gender slider \+0\.25/.test(document.getElementById("live").textContent), "explore slider by keyboard");

  // D downloads everything else, for offline use. What went over the wire:
  // before the first face, for the first view, and in all. The target is
  // 8 MB compressed.
  await page.keyboard.press("d");
  check(/offline/.test(await live(page)), "D announces the download for offline use", await live(page));
  const ix = await (await fetch(new URL("data/index.json", url))).json();
  const listed = [ix.generator, ...ix.subjects.flatMap((s) => s.regions ? [s, s.regions] : [s]), ...(ix.real ? [ix.real] : [])].map((r) => "data/" + r.file);
  const notArrived = await wire.waitFor(listed, 60000);
  check(notArrived.length === 0, "D downloads every listed file", "missing " + notArrived.join(", "));
  await waitStatus(page, () => globalThis.fmrifaceStatus.subjects === globalThis.fmrifaceData.subjectCount, "every subject joins the app");
  const total = await wire.sum();
  const mb = (b) => (b / 1e6).toFixed(2);
  log(`transfer before the first face: ${mb(beforeFirst.bytes)} MB in ${beforeFirst.files} responses; first view decoded: ${mb(firstView.bytes)} MB; ` +
    `everything (after D): ${mb(total.bytes)} MB in ${total.files}; app served with Content-Encoding ${total.wasmEncoding || "none"}`);
  // The 8 MB target is the cold load's transfer, up to the first face; the
  // rest downloads when chosen (BENCHMARKS.md says why the whole demo cannot
  // be 8 MB at the exporter's fidelity).
  log(`transfer target <= 8 MB before the first face: ${beforeFirst.bytes <= 8e6 ? "met" : "MISSED"} (${mb(beforeFirst.bytes)} MB; the whole demo after D: ${mb(total.bytes)} MB)`);
  check(total.wasmEncoding === "br" || total.wasmEncoding === "gzip", "the app is served compressed", total.wasmEncoding);

  // Nothing failed on the way (a missing file, a script error).
  const errors = consoleLines.filter((l) => l.startsWith("error:"));
  check(errors.length === 0, "no errors in the console", errors.join(" | ").slice(0, 400));
  // Offline: the service worker and the cache start the app without network.
  await page.evaluate(() => navigator.serviceWorker && navigator.serviceWorker.ready);
  await context.setOffline(true);
  await page.reload();
  const offline = await waitStatus(page, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.firstFaceShownMs > 0, "starts offline from the cache", 30000);
  if (offline) {
    const t = (await status(page)).firstFaceShownMs;
    check(true, `starts offline from the cache (first face on screen at ${t.toFixed(0)} ms)`);
    await waitStatus(page, () => globalThis.fmrifaceStatus.subjects === globalThis.fmrifaceData.subjectCount, "offline, every subject D saved joins the app", 30000);
  }
  await context.setOffline(false);
  writeFileSync(join(outDir, "console.txt"), consoleLines.join("\n") + "\n");
  await context.close();
}

// recordTransfer counts the bytes each response of the page took on the wire
// (its body as sent, compressed where the server compressed it). It asks
// for sizes and headers only: fetching the bodies through the DevTools
// protocol took enough CPU to slow the cold load by a second.
function recordTransfer(page) {
  const done = [];
  page.on("requestfinished", (req) => {
    done.push((async () => {
      const resp = await req.response();
      const sizes = await req.sizes();
      const encoding = resp ? (await resp.allHeaders())["content-encoding"] || "" : "";
      return { path: new URL(req.url()).pathname, bytes: sizes.responseBodySize, encoding };
    })());
  });
  const rows = () => Promise.all(done.slice());
  const missing = async (paths) => {
    const got = await rows();
    return paths.filter((p) => !got.some((r) => r.path.endsWith("/" + p)));
  };
  return {
    missing,
    async sum() {
      const got = await rows();
      const wasm = got.find((r) => r.path.endsWith(".wasm"));
      return { files: got.length, bytes: got.reduce((a, r) => a + r.bytes, 0), wasmEncoding: wasm && wasm.encoding };
    },
    // waitFor resolves to the paths still missing after at most timeout ms.
    async waitFor(paths, timeout) {
      const end = Date.now() + timeout;
      let left = await missing(paths);
      while (left.length > 0 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 200));
        left = await missing(paths);
      }
      return left;
    },
  };
}

// realTest opens ?panel=real, the link a course hands out for the real-brain
// panel: its file (index.json's "real") downloads, the live region announces
// the decoders' accuracies, the arrows step through the runs and decoders, a
// click chooses a run, and axe-core finds nothing on the page.
async function realTest(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  await recordLive(page);
  const wire = recordTransfer(page);
  const ix = await (await fetch(new URL("data/index.json", url))).json();
  check(!!ix.real && ix.real.bytes <= 100e3, `index.json lists the real brain file (${ix.real && ix.real.bytes} bytes, at most 100 kB)`, JSON.stringify(ix.real));
  await page.goto(url + "?panel=real");
  if (!await waitStatus(page, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.panel === "Real brain" && globalThis.fmrifaceStatus.real === "ready", "?panel=real opens the real brain panel with its file")) {
    await context.close();
    return;
  }
  check((await wire.missing(["data/" + ix.real.file])).length === 0, "?panel=real downloads the real brain file");
  const announced = /Correct: correlation \(Haxby's method\) \d+\.\d% \(\d+ of \d+, p [=<] [\d.]+\); linear decoder \(shrinkage LDA\) \d+\.\d% \(\d+ of \d+, p [=<] [\d.]+\); chance 12\.5%/;
  if (await waitStatus(page, (re) => globalThis.__liveLog.some((t) => new RegExp(re).test(t)), "the live region announces the accuracies", 10000, announced.source)) {
    const heard = await page.evaluate(() => globalThis.__liveLog.find((t) => /Correct: correlation/.test(t)));
    // The fixture's file must say so; the real file (a site built by the
    // exporter) must name its source and say nothing of a fixture.
    const origin = ix.fixture ? /TEST FIXTURE/.test(heard) : /Haxby et al\. \(2001\)/.test(heard) && !/FIXTURE/.test(heard);
    check(origin && /face-selective/.test(heard) && /Held-out run 1 of 12/.test(heard),
      `the announcement names its data (${ix.fixture ? "TEST FIXTURE" : "Haxby et al. 2001"}), the face-selective voxels and the first run`, heard);
    log("real brain announcement:", heard.slice(0, 300));
  }
  await page.waitForTimeout(300);
  const shot = join(outDir, "real.png");
  const st = await canvasStats(page, shot);
  log("real brain panel:", JSON.stringify(st), "->", shot);
  check(st.variance > 100 && st.colours > 50, "the real brain panel is drawn", JSON.stringify(st));
  await page.keyboard.press("ArrowRight");
  await waitStatus(page, () => globalThis.fmrifaceStatus.realRun === 1 && /^Held-out run 2 of 12/.test(document.getElementById("live").textContent), "Right steps to run 2 and says so");
  await page.keyboard.press("ArrowDown");
  await waitStatus(page, () => globalThis.fmrifaceStatus.realMethod === 1 && /linear decoder/.test(document.getElementById("live").textContent), "Down chooses the linear decoder and says so");
  const row = await areaCenter(page, "run 7");
  if (row) {
    await page.mouse.click(row.x, row.y);
    await waitStatus(page, () => globalThis.fmrifaceStatus.realRun === 6, "mouse: a click on run 7 shows it");
  } else check(false, "the real brain panel's run rows are drawn");
  await canvasStats(page, join(outDir, "real-run7-lda.png"));
  check(/panel=real/.test(page.url()), "the address names the panel", page.url());
  await axeAudit(page, "the real brain panel");
  check(errors.length === 0, "real brain panel: no errors in the console", errors.join(" | ").slice(0, 400));
  await context.close();
}

// regionStats measures, in the page, the mean and variance of the
// luminance of k equal columns of the screenshot of clip (CSS pixels): the
// faces of a cell of the faces panel.
async function regionStats(page, clip, k) {
  const png = await page.screenshot({ clip });
  return page.evaluate(async ([b64, k]) => {
    const img = new Image();
    img.src = "data:image/png;base64," + b64;
    await img.decode();
    const c = document.createElement("canvas");
    c.width = img.width; c.height = img.height;
    const ctx = c.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const out = [];
    const w = Math.floor(c.width / k);
    for (let j = 0; j < k; j++) {
      const d = ctx.getImageData(j * w, 0, w, c.height).data;
      let s = 0, s2 = 0;
      for (let i = 0; i < d.length; i += 4) {
        const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
        s += y; s2 += y * y;
      }
      const n = d.length / 4;
      out.push({ mean: +(s / n).toFixed(1), variance: +(s2 / n - (s / n) ** 2).toFixed(1) });
    }
    return out;
  }, [png.toString("base64"), k]);
}

// compareTest shows the paper's comparison (issue 21): C downloads the PCA
// files (index.json's pca entries) on a slowed network, with the download
// and its progress on screen; each face is then drawn as shown, through the
// VAE-GAN and through PCA; the live region announces both accuracies beside
// the paper's; the pairwise game answers with both decoders; the results
// panel (9, ?panel=results) sets the measures against the paper's, and
// axe-core finds nothing on the page.
async function compareTest(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  await recordLive(page);
  const heardSince = (n, re) => page.evaluate(([n, re]) => globalThis.__liveLog.slice(n).find((t) => new RegExp(re).test(t)) || "", [n, re]);
  const heardCount = () => page.evaluate(() => globalThis.__liveLog.length);
  const wire = recordTransfer(page);
  const ix = await (await fetch(new URL("data/index.json", url))).json();
  const sub = ix.subjects[0];
  if (!ix.pca) {
    // A site exported without the PCA baseline (the committed site/data):
    // C must say so, and nothing else may break.
    await page.goto(url);
    if (await waitStatus(page, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.ready && globalThis.fmrifaceStatus.decoded === 20, "compare (no PCA in this site): the first view decodes")) {
      const n0 = await heardCount();
      await page.keyboard.press("c");
      const what = "C says the PCA comparison is not in this site's data";
      if (await waitStatus(page, ([n]) => globalThis.__liveLog.slice(n).some((t) => /not in this site's data/.test(t)), what, 10000, [n0])) check(true, what);
      check(errors.length === 0, "compare (no PCA in this site): no errors in the console", errors.join("; "));
    }
    await context.close();
    return;
  }
  if (!check(!!sub.pca, "index.json lists the PCA files", JSON.stringify(ix.pca))) {
    await context.close();
    return;
  }
  await page.goto(url);
  if (!await waitStatus(page, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.ready && globalThis.fmrifaceStatus.decoded === 20, "compare: the first view decodes")) {
    await context.close();
    return;
  }
  const pcaFiles = ["data/" + ix.pca.file, "data/" + sub.pca.file];
  check((await wire.missing(pcaFiles)).length === 2, "the PCA files wait until the comparison is shown");
  // A slow network, so that the download and its progress are on screen
  // long enough to be seen.
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 20, downloadThroughput: 50e3, uploadThroughput: 1e6 });
  let n0 = await heardCount();
  const before = await wire.sum();
  await page.keyboard.press("c");
  await waitStatus(page, () => globalThis.fmrifaceStatus.compare && globalThis.fmrifaceStatus.pca === "downloading", "C shows the comparison and downloads its PCA files");
  const said = await heardSince(n0, "Downloading the PCA decoder of " + sub.id);
  check(!!said, "the live region says that the PCA files download, and how much", said || await live(page));
  if (await waitStatus(page, () => /^\d+\/\d+$/.test(globalThis.fmrifaceStatus.downloadSeen || "") && globalThis.fmrifaceStatus.pca === "downloading", "the PCA download's progress reaches the app", 30000)) {
    const st = await status(page);
    await page.waitForTimeout(300); // the frame that draws it
    const shot = await canvasStats(page, join(outDir, "compare-downloading.png"));
    check(shot.variance > 50, `the PCA download is shown with its progress (${st.downloadSeen} bytes)`, JSON.stringify(shot));
  }
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await waitStatus(page, () => globalThis.fmrifaceStatus.pca === "ready" && globalThis.fmrifaceStatus.pcaDecoded === 20 && globalThis.fmrifaceStatus.decoded === 20,
    "every face is drawn through the VAE-GAN and through PCA");
  const both = /pairwise: VAE-GAN \d+\.\d %, PCA \d+\.\d %/;
  if (await waitStatus(page, ([n, re]) => globalThis.__liveLog.slice(n).some((t) => new RegExp(re).test(t)), "the live region announces both accuracies", 20000, [n0, both.source])) {
    const heard = await heardSince(n0, both.source);
    log("comparison announcement:", heard.slice(0, 300));
    check(/\(paper S1: \d+\.\d %, \d+\.\d %\)/.test(heard) && /ranked first of 20: VAE-GAN \d+, PCA \d+/.test(heard),
      "the announcement sets the paper's values beside ours and gives the faces ranked first in both spaces", heard);
  }
  check((await wire.missing(pcaFiles)).length === 0, "C downloaded the PCA bundle and the subject's PCA bundle");
  const after = await wire.sum();
  log(`transfer for the comparison of ${sub.id}'s all-voxel view: ${((after.bytes - before.bytes) / 1e6).toFixed(2)} MB in ${after.files - before.files} responses`);
  await page.waitForTimeout(300);
  await canvasStats(page, join(outDir, "compare.png"));
  // Both reconstructions drawn: the three faces of a cell (as shown, VAE-GAN,
  // PCA) each hold an image, not the dark placeholder of a face decoding.
  const cell = await areaCenter(page, "face 1");
  if (cell) {
    const f = (cell.a.w - 16) / 3;
    const faces = await regionStats(page, { x: cell.a.x + 2, y: cell.a.y + 2, width: 3 * f + 8, height: f }, 3);
    log("compare: face 1 as shown, VAE-GAN, PCA:", JSON.stringify(faces));
    check(faces.every((s) => s.variance > 5 && Math.abs(s.mean - 31) > 10), "face 1 is drawn as shown, through the VAE-GAN and through PCA", JSON.stringify(faces));
  } else check(false, "compare: the faces are drawn");
  check(/compare=pca/.test(page.url()), "the address names the comparison", page.url());
  await axeAudit(page, "the comparison");

  // The pairwise game answers with both decoders.
  await page.keyboard.press("3");
  await waitStatus(page, () => globalThis.fmrifaceStatus.panel === "Pairwise test", "compare: 3 opens the pairwise test");
  await page.keyboard.press("ArrowLeft");
  if (await waitStatus(page, () => globalThis.fmrifaceStatus.gameRounds === 1 && globalThis.fmrifaceStatus.gamePCARounds === 1, "compare: the PCA decoder answers the pair too")) {
    const g = await live(page);
    check(/The decoder chose (left|right): (correct|wrong)\. The PCA decoder chose (left|right): (correct|wrong)/.test(g) && both.test(g),
      "compare: the game announces both decoders' answers and both accuracies", g);
  }
  await canvasStats(page, join(outDir, "compare-pairwise.png"));

  // The results panel: every measure of both spaces, against the paper's.
  n0 = await heardCount();
  await page.keyboard.press("9");
  if (await waitStatus(page, () => globalThis.fmrifaceStatus.panel === "Results" && globalThis.fmrifaceStatus.resultsReady === 18, "9 opens the results panel and computes its 18 measures", 60000)) {
    const heard = await heardSince(n0, "^Results of sub-01");
    check(/pairwise, VAE-GAN: all \d+\.\d % \(paper \d+\.\d %\)/.test(heard) && /pairwise, PCA: all \d+\.\d % \(paper \d+\.\d %\)/.test(heard) &&
      /gender read-out, VAE-GAN: all/.test(heard) && /imagery pairwise, VAE-GAN: all/.test(heard) && /not real fMRI/.test(heard),
      "the live region reads the results against the paper's, with the caveat", heard.slice(0, 400));
  }
  await page.waitForTimeout(300);
  const rs = await canvasStats(page, join(outDir, "results.png"));
  check(rs.variance > 100 && rs.colours > 20, "the results chart is drawn", JSON.stringify(rs));
  check(/panel=results/.test(page.url()), "the address names the results panel", page.url());
  await axeAudit(page, "the results panel");
  check(errors.length === 0, "compare: no errors in the console", errors.join(" | ").slice(0, 400));
  await context.close();

  // ?panel=results, the link a course hands out, opens the panel on its own.
  const c2 = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const p2 = await c2.newPage();
  await p2.goto(url + "?panel=results&subject=sub-02");
  await waitStatus(p2, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.panel === "Results" && globalThis.fmrifaceStatus.subject === "sub-02" && globalThis.fmrifaceStatus.resultsReady === 18,
    "?panel=results&subject=sub-02 opens the results panel with every measure", 60000);
  await c2.close();
}

// deepLinkTest opens the page with ?subject=sub-02: the app starts on that
// subject, having downloaded no other; offline, S then says why nothing
// comes.
async function deepLinkTest(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(url + "?subject=sub-02");
  if (!await waitStatus(page, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.firstFaceMs > 0, "?subject=sub-02 decodes")) return;
  const st = await status(page);
  check(st.subject === "sub-02" && st.subjects === 1, "?subject=sub-02 starts on sub-02 alone", JSON.stringify({ subject: st.subject, subjects: st.subjects }));
  // The address follows the view: fewer trials, the pairwise panel, the
  // occipital region, face 2; that address, opened in a new tab, shows the
  // same view.
  for (const k of ["t", "ArrowRight", "3", "r"]) await page.keyboard.press(k);
  // Every face drawn: the view's summary then comes before the checks below
  // read the live region, not between.
  await waitStatus(page, () => globalThis.fmrifaceStatus.roi === "occipital" && globalThis.fmrifaceStatus.ready && globalThis.fmrifaceStatus.decoded === 20, "the keys' view is decoded");
  const want = await status(page);
  if (await waitStatus(page, () => /panel=pairwise/.test(location.search) && /region=occipital/.test(location.search) && /trials=\d+/.test(location.search) &&
    /face=2/.test(location.search) && /subject=sub-02/.test(location.search), "the address follows the view", 10000)) {
    const link = page.url();
    const tab = await context.newPage();
    await tab.goto(link);
    if (await waitStatus(tab, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.ready && globalThis.fmrifaceStatus.roi === "occipital", `${new URL(link).search} opens its view`)) {
      const got = await status(tab);
      check(got.subject === "sub-02" && got.panel === "Pairwise test" && got.trials === want.trials,
        `the link ${new URL(link).search} opens sub-02, the pairwise test, occipital, ${want.trials}`, JSON.stringify({ subject: got.subject, panel: got.panel, roi: got.roi, trials: got.trials }));
    }
    await tab.close();
  }
  // Offline, a subject never downloaded cannot come: the app says why and
  // stays on its subject.
  await context.setOffline(true);
  await page.keyboard.press("s");
  if (await waitStatus(page, () => /could not be downloaded: the browser is offline/.test(document.getElementById("live").textContent), "offline, S explains that the subject cannot download", 20000)) {
    check((await status(page)).subject === "sub-02", "offline, the view stays on sub-02");
  }
  await context.setOffline(false);
  await context.close();
}

// hidpiTest loads the app on a 2× screen: the canvas must have twice the
// CSS size in device pixels, so faces and text are drawn crisply.
async function hidpiTest(browser, url) {
  const context = await browser.newContext({ viewport: { width: 900, height: 640 }, deviceScaleFactor: 2 });
  const page = await context.newPage();
  await page.goto(url);
  if (!await waitStatus(page, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.ready, "high-DPI page decodes")) return;
  await page.waitForTimeout(500);
  const dims = await page.evaluate(() => { const c = document.querySelector("canvas"); return { w: c.width, h: c.height, cw: c.clientWidth, ch: c.clientHeight }; });
  check(dims.w === 2 * dims.cw && dims.h === 2 * dims.ch, "canvas renders at device resolution on a 2x screen", JSON.stringify(dims));
  await page.locator("canvas").screenshot({ path: join(outDir, "screenshot-hidpi.png") });
  await context.close();
}

// areaCenter returns the centre, in CSS pixels of the page, of the app's
// clickable area called name, as last drawn (globalThis.fmrifaceAreas), or
// null. The canvas fills the page from its top-left corner.
async function areaCenter(page, name) {
  // A few frames first: the app draws (and records its areas) in the frame
  // after a change, and a change can move a button (the pairwise text
  // grows after a guess).
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(r)))));
  const a = await page.evaluate((n) => (globalThis.fmrifaceAreas ? globalThis.fmrifaceAreas() : []).find((r) => r.name === n) || null, name);
  return a && { x: a.x + a.w / 2, y: a.y + a.h / 2, a };
}

// pointerTest uses the app with a mouse, then with a finger on a phone-sized
// touch screen: tabs, face choice, the pairwise game, the region button, a
// slider dragged, a press moved off its button (which must do nothing).
async function pointerTest(browser, url) {
  const live = (page) => page.evaluate(() => document.getElementById("live").textContent);
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(url);
    // Every face of the first view drawn: its summary then no longer comes
    // into the live region between a click and its announcement.
    if (!await waitStatus(page, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.ready && globalThis.fmrifaceStatus.decoded === 20, "mouse: the first view decodes")) return;
    const click = async (name) => {
      const c = await areaCenter(page, name);
      if (!c) { check(false, `mouse: area "${name}" is drawn`); return false; }
      await page.mouse.click(c.x, c.y);
      return true;
    };
    const tab = await areaCenter(page, "tab 2");
    await page.mouse.move(tab.x, tab.y);
    await waitStatus(page, () => document.querySelector("canvas").style.cursor === "pointer", "mouse: a pointing hand over a tab");
    if (await click("face 5")) await waitStatus(page, () => /^Face 5 of 20/.test(document.getElementById("live").textContent), "mouse: a click on face 5 chooses it");
    if (await click("tab 3")) await waitStatus(page, () => globalThis.fmrifaceStatus.panel === "Pairwise test", "mouse: a click on tab 3 opens the pairwise test");
    if (await click("left candidate")) await waitStatus(page, () => globalThis.fmrifaceStatus.gameRounds === 1, "mouse: a click on the left candidate is a guess");
    check(/You chose left/.test(await live(page)), "mouse: the guess is announced", await live(page));
    if (await click("next pair")) await waitStatus(page, () => /^Decoded face of pair 2:/.test(document.getElementById("live").textContent), "mouse: Next pair shows a new pair");
    if (await click("right candidate")) await waitStatus(page, () => globalThis.fmrifaceStatus.gameRounds === 2, "mouse: a click on the right candidate is the second guess");
    if (await click("region")) await waitStatus(page, () => globalThis.fmrifaceStatus.roi === "occipital", "mouse: the region button switches to occipital");
    // A press moved off its tab before the release does nothing.
    const t4 = await areaCenter(page, "tab 4");
    await page.mouse.move(t4.x, t4.y);
    await page.mouse.down();
    await page.mouse.move(t4.x, t4.y + 300, { steps: 4 });
    await page.mouse.up();
    await page.waitForTimeout(300);
    check((await status(page)).panel === "Pairwise test", "mouse: a press moved off a tab does not switch", (await status(page)).panel);
    // The gender slider, dragged from its middle to three quarters.
    if (await click("tab 6")) await waitStatus(page, () => globalThis.fmrifaceStatus.panel === "Explore", "mouse: tab 6 opens explore");
    const sl = await areaCenter(page, "slider gender");
    if (sl) {
      await page.mouse.move(sl.x, sl.y);
      await page.mouse.down();
      await page.mouse.move(sl.a.x + 0.75 * sl.a.w, sl.y, { steps: 8 });
      await page.mouse.up();
      await waitStatus(page, () => /gender slider \+1\.00/.test(document.getElementById("live").textContent), "mouse: the gender slider dragged to three quarters reads +1.00");
    }
    if (await click("reset sliders")) await waitStatus(page, () => /gender slider \+0\.00 .*smile slider \+0\.00/.test(document.getElementById("live").textContent), "mouse: Reset puts the sliders to zero");
    await canvasStats(page, join(outDir, "pointer-explore.png"));
    await context.close();
  }
  {
    // A phone: narrow, 2× density, touch only.
    const context = await browser.newContext({ viewport: { width: 412, height: 860 }, deviceScaleFactor: 2, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    await page.goto(url);
    if (!await waitStatus(page, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.ready && globalThis.fmrifaceStatus.decoded === 20, "touch: the first view decodes")) return;
    const areas = await page.evaluate(() => globalThis.fmrifaceAreas());
    const off = areas.filter((a) => /^tab |^subject$|^region$|^trials$/.test(a.name) && (a.x < 0 || a.x + a.w > 412));
    check(areas.length > 0 && off.length === 0, "touch: every tab and button fits a 412-pixel-wide screen", JSON.stringify(off));
    await canvasStats(page, join(outDir, "phone.png"));
    const tap = async (name) => {
      const c = await areaCenter(page, name);
      if (!c) { check(false, `touch: area "${name}" is drawn`); return false; }
      await page.touchscreen.tap(c.x, c.y);
      return true;
    };
    if (await tap("face 3")) await waitStatus(page, () => /^Face 3 of 20/.test(document.getElementById("live").textContent), "touch: a tap on face 3 chooses it");
    if (await tap("tab 6")) await waitStatus(page, () => globalThis.fmrifaceStatus.panel === "Explore", "touch: a tap on tab 6 opens explore");
    const sl = await areaCenter(page, "slider smile");
    if (sl) {
      // A finger dragging the smile slider to its left end, through the
      // DevTools protocol (the touchscreen helper only taps).
      const cdp = await context.newCDPSession(page);
      const touch = (type, x) => cdp.send("Input.dispatchTouchEvent", { type, touchPoints: type === "touchEnd" ? [] : [{ x, y: sl.y }] });
      await touch("touchStart", sl.x);
      for (let i = 1; i <= 6; i++) await touch("touchMove", sl.x - (i / 6) * (sl.x - sl.a.x + 20));
      await touch("touchEnd");
      await waitStatus(page, () => /smile slider -2\.00/.test(document.getElementById("live").textContent), "touch: the smile slider dragged past its left end reads -2.00");
    }
    await canvasStats(page, join(outDir, "phone-explore.png"));
    // The page's About dialog opens at its top, its title focused (a
    // screen reader starts there), and closes back to the app.
    await page.tap("#about-btn");
    const dlg = await page.evaluate(() => { const d = document.getElementById("about"); return { open: d.open, top: d.scrollTop, focus: document.activeElement && document.activeElement.id }; });
    check(dlg.open && dlg.top === 0 && dlg.focus === "about-title", "touch: About opens at its top with its title focused", JSON.stringify(dlg));
    await axeAudit(page, "the About dialog on a phone");
    await page.tap("#about-close");
    // The dialog's close event, which gives the focus back, is a task queued
    // after the tap.
    const back = await page.waitForFunction(() => !document.getElementById("about").open && document.activeElement === document.querySelector("canvas"), null, { timeout: 5000 })
      .then(() => true, () => false);
    check(back, "touch: Close returns to the app", await page.evaluate(() => JSON.stringify({ open: document.getElementById("about").open, focus: document.activeElement && (document.activeElement.id || document.activeElement.tagName) })));
    for (const n of [2, 3, 4, 5, 7, 8, 9]) {
      if (n === 8) {
        if (!await tap("tab 8")) continue;
        await waitStatus(page, () => globalThis.fmrifaceStatus.real === "ready", "touch: tab 8 downloads the real brain file");
        const st = await canvasStats(page, join(outDir, "phone-panel-8.png"));
        check(st.variance > 50, "touch: panel 8 (real brain) is drawn on the phone", JSON.stringify(st));
        const off = (await page.evaluate(() => globalThis.fmrifaceAreas())).filter((a) => /^run \d+$/.test(a.name) && (a.x < 0 || a.x + a.w > 412 || a.y + a.h > 860));
        check(off.length === 0, "touch: every run row of the real brain panel fits the phone's screen", JSON.stringify(off));
        if (await tap("run 3")) await waitStatus(page, () => globalThis.fmrifaceStatus.realRun === 2, "touch: a tap on run 3 shows it");
        continue;
      }
      if (!await tap(`tab ${n}`)) continue;
      await page.waitForTimeout(400);
      const st = await canvasStats(page, join(outDir, `phone-panel-${n}.png`));
      check(st.variance > 50, `touch: panel ${n} is drawn on the phone`, JSON.stringify(st));
    }
    await context.close();
  }
}

async function checksumTest(browser, url) {
  const context = await browser.newContext({ serviceWorkers: "block" });
  const page = await context.newPage();
  await page.route(/sub-01\.[0-9a-f]+\.fmb$/, async (route) => {
    const r = await route.fetch();
    const body = Buffer.from(await r.body());
    body[body.length >> 1] ^= 0xff;
    await route.fulfill({ response: r, body });
  });
  await page.goto(url);
  await waitStatus(page, () => document.body.dataset.state === "error", "damaged file is refused", 30000);
  const msg = await page.evaluate(() => document.getElementById("error").textContent);
  check(/checksum/i.test(msg) && /sub-01/.test(msg), "checksum failure is named", msg);
  await axeAudit(page, "the page's error message");
  await context.close();
}

// insecureTest loads the site as plain http from a host name other than
// localhost, as a course's machine on a LAN serves it: the page is then not a
// secure context, so there is no WebCrypto digest, Cache API or service
// worker. The loader must fall back to its JavaScript SHA-256 and the
// browser's HTTP cache, and the app must start as usual.
async function insecureTest(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url.replace("127.0.0.1", insecureHost));
  const env = await page.evaluate(() => ({ secure: isSecureContext, subtle: !!(globalThis.crypto && crypto.subtle), caches: "caches" in globalThis }));
  if (await waitStatus(page, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.firstFaceMs > 0, "plain http from another host decodes")) {
    const ms = (await status(page)).firstFacePageMs;
    check(!env.secure && !env.subtle && !env.caches && errors.length === 0,
      `plain http from another host: JavaScript SHA-256, no Cache API, first face decoded (${ms.toFixed(0)} ms), no errors`, JSON.stringify({ ...env, errors }).slice(0, 400));
  }
  await context.close();
}

// missingFeatureTest loads the page in a browser that lacks a feature (the
// init script takes it away) and expects the page's message naming it.
async function missingFeatureTest(browser, url, feature, takeAway) {
  const context = await browser.newContext({ serviceWorkers: "block" });
  await context.addInitScript(takeAway);
  const page = await context.newPage();
  await page.goto(url);
  await waitStatus(page, () => document.body.dataset.state === "error", `missing ${feature} is reported`, 15000);
  const msg = await page.evaluate(() => document.getElementById("error").textContent);
  check(msg.includes(`${feature} is not available`), `message names ${feature}`, msg);
  await context.close();
}

// staticHostTest serves the site as the plainest static host would: from a
// sub-folder (as GitHub Pages serves a project, /<repo>/), with no
// compression, no cache headers and no MIME type beyond the page's own
// (the wasm and bundles go out as application/octet-stream). The app must
// start, follow a link to sub-02, and log no error.
async function staticHostTest(browser, dir) {
  const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".json": "application/json" };
  const prefix = "/fmriface/";
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const rel = path === prefix ? "index.html" : path.slice(prefix.length);
    if (!path.startsWith(prefix) || rel.includes("..") || rel.endsWith(".gz") || rel.endsWith(".br")) { res.writeHead(404).end(); return; }
    readFile(join(dir, rel)).then((body) => {
      res.writeHead(200, { "Content-Type": types[extname(rel)] || "application/octet-stream" }).end(body);
    }, () => res.writeHead(404).end());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    await page.goto(`http://127.0.0.1:${server.address().port}${prefix}?subject=sub-02&panel=gender`);
    if (await waitStatus(page, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.ready, "a plain static host, in a sub-folder, decodes")) {
      const st = await status(page);
      check(st.subject === "sub-02" && st.panel === "Gender" && errors.length === 0,
        `a plain static host in a sub-folder: the link's subject and panel, no errors (first face on screen at ${st.firstFaceShownMs.toFixed(0)} ms)`,
        JSON.stringify({ subject: st.subject, panel: st.panel, errors }).slice(0, 400));
    }
  } finally {
    await context.close();
    server.close();
  }
}

// cpuTicks sums user+system CPU time (in clock ticks, 100 per second) of
// every process descending from this one: the browser's, on Linux. On a
// machine shared with other work it tells the CPU a benchmark used, which
// its wall time does not.
function cpuTicks() {
  let dirs;
  try { dirs = readdirSync("/proc").filter((d) => /^\d+$/.test(d)); } catch (_) { return NaN; }
  const stat = new Map();
  for (const d of dirs) {
    try {
      const s = readFileSync(`/proc/${d}/stat`, "utf8");
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      stat.set(+d, { ppid: +f[1], ticks: +f[11] + +f[12] });
    } catch (_) { /* exited */ }
  }
  let total = 0;
  for (const [pid, st] of stat) {
    for (let p = st.ppid, hops = 0; p > 1 && hops < 20; p = (stat.get(p) || { ppid: 0 }).ppid, hops++) {
      if (p === process.pid) { total += st.ticks; break; }
    }
    void pid;
  }
  return total;
}

async function bench(browser, url, n) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  let ticks0 = NaN, ticks1 = NaN, pca0 = NaN, pca1 = NaN;
  page.on("console", (m) => {
    if (/bench start/.test(m.text())) ticks0 = cpuTicks();
    if (/bench single done/.test(m.text())) ticks1 = cpuTicks();
    if (/bench pca start/.test(m.text())) pca0 = cpuTicks();
    if (/bench pca single done/.test(m.text())) pca1 = cpuTicks();
    if (/Benchmark|error/i.test(m.text())) log(m.text());
  });
  await page.goto(url + "?bench=" + n + "&sw=0");
  await page.waitForFunction(() => globalThis.fmrifaceBench, null, { timeout: 590000, polling: 200 });
  const r = await page.evaluate(() => ({ ...globalThis.fmrifaceBench, loadMs: globalThis.fmrifaceData && globalThis.fmrifaceData.loadMs }));
  // Browser CPU time per face over the loop (10 ms ticks; the loop is long enough).
  r.browserCpuMsPerFace = (ticks1 - ticks0) * 10 / n;
  if (r.msPerFacePCA) r.browserCpuMsPerFacePCA = (pca1 - pca0) * 10 / n; // the same, through PCA
  log("bench:", JSON.stringify(r));
  writeFileSync(join(outDir, "bench.json"), JSON.stringify(r, null, 2) + "\n");
  await context.close();
}

// labRunNative runs the Lab's experiment of link parameters q natively
// (site/labrun, the same neuro/lab code compiled for the machine) on the
// site's data, for the page's result to be compared with.
function labRunNative(dir, q) {
  const out = execFileSync("go", ["run", "./site/labrun", "-data", join(dir, "data"), "-query", q], { encoding: "utf8" });
  return JSON.parse(out);
}

// frameProbe records, in the page, the interval between animation frames
// and the main thread's long tasks (over 50 ms), from now on.
async function frameProbe(page) {
  await page.evaluate(() => {
    const p = globalThis.__frames = { gaps: [], at: [], long: [], last: performance.now(), on: true };
    const tick = (t) => { p.gaps.push(t - p.last); p.at.push(t); p.last = t; if (p.on) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    if (globalThis.PerformanceObserver && PerformanceObserver.supportedEntryTypes.includes("longtask")) {
      new PerformanceObserver((l) => { for (const e of l.getEntries()) p.long.push(e.duration); }).observe({ entryTypes: ["longtask"] });
    }
  });
  return async () => page.evaluate(() => {
    const p = globalThis.__frames;
    p.on = false;
    const gaps = p.gaps.slice(1), at = p.at.slice(1);
    // Frames that began and ended while the run worked (the page marks
    // its start and end), apart from those that start or show it.
    const s = globalThis.fmrifaceStatus || {};
    const within = (g, i) => s.labRunStartMs && at[i] - g > s.labRunStartMs && at[i] < s.labRunEndMs;
    const inside = gaps.filter(within);
    // When the run's frames over 50 ms began, in ms from its start.
    const slowAt = gaps.map((g, i) => within(g, i) && g > 50.5 ? Math.round(at[i] - g - s.labRunStartMs) : -1).filter((t) => t >= 0);
    return { frames: gaps.length, maxGapMs: Math.max(0, ...gaps), over50: gaps.filter((g) => g > 50).length, longTasks: p.long.length, longestTaskMs: Math.max(0, ...p.long),
      // 50.5: three 60 Hz refreshes read 50.0–50.1 ms through rAF's timer.
      runFrames: inside.length, runMaxGapMs: Math.max(0, ...inside), runOver50: inside.filter((g) => g > 50.5).length, runSlowAtMs: slowAt };
  });
}

// labTest opens the Lab from a preset's link (docs/teaching.md), which
// downloads its file with progress and runs the link's settings; the
// result must equal the native run of the same settings (site/labrun),
// bit for bit in the decoded latents. Then a knob by keyboard and a run
// by Enter, a preset by mouse (its curve of four runs), the frame times
// while it runs, and the accessibility audit on the panel.
async function labTest(browser, url, dir) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  await recordLive(page);
  const ix = await (await fetch(new URL("data/index.json", url))).json();
  if (!check(!!ix.lab && ix.lab.bytes <= 5 * 1024 * 1024, `index.json lists the lab file (${ix.lab && ix.lab.bytes} bytes, at most 5 MiB)`, JSON.stringify(ix.lab))) {
    await context.close();
    return;
  }
  const wire = recordTransfer(page);
  // Exercise 3's link (noise 12), as docs/teaching.md hands it out.
  const q = "noise=12&panel=lab";
  const want = labRunNative(dir, q);
  await page.goto(url + "?" + q);
  if (!await waitStatus(page, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.panel === "Lab" && globalThis.fmrifaceStatus.labRuns >= 1, "?panel=lab&noise=12 opens the lab, downloads its data and runs the link's settings", 120000)) {
    await context.close();
    return;
  }
  check((await wire.missing(["data/" + ix.lab.file])).length === 0, "the lab's file is downloaded when the panel opens");
  const st = await status(page);
  const got = JSON.parse(st.labSummary);
  check(JSON.stringify(got) === JSON.stringify(want), `the page's run equals the native run of the same settings (pairwise ${want.pair_correct}/${want.pairs}, 1-of-20 ${want.one_of_20_correct}, digest ${want.digest})`,
    `page ${JSON.stringify(got)} native ${JSON.stringify(want)}`);
  const heard = await page.evaluate(() => globalThis.__liveLog.join(" | "));
  check(/pairwise \d+\.\d % \(chance 50 %, p [^)]+\), 1-of-20 \d+ of 20 \(chance 1, p [^)]+\)/.test(heard), "the live region says the result with chance and p-values", heard.slice(0, 600));
  // Sliced between frames: no frame's lab work over 50 ms, or (on a busy
  // machine, whose other processes stretch a frame's wall time) at most a
  // quarter of the run's. A run done in one frame fails either way unless
  // it is that short.
  check(st.labLongestWorkMs > 0 && (st.labLongestWorkMs <= 50 || st.labLongestWorkMs < st.labElapsedMs / 4),
    `the lab's work is sliced between frames (longest frame of work ${st.labLongestWorkMs.toFixed(1)} ms of a ${st.labElapsedMs.toFixed(0)} ms run)`);
  // Keyboard: Down to the repetitions (knob 4), Left: fewer; Enter runs.
  await page.locator("canvas").focus();
  for (const k of ["ArrowDown", "ArrowDown", "ArrowDown", "ArrowLeft"]) await page.keyboard.press(k);
  await waitStatus(page, () => /Each test face shown 30 times/.test(document.getElementById("live").textContent), "Left on the repetitions knob says 30 repetitions");
  check(/reps=30/.test(page.url()), "the address follows the knob", page.url());
  const probe = await frameProbe(page);
  await page.keyboard.press("Enter");
  await waitStatus(page, () => globalThis.fmrifaceStatus.labRuns >= 2 && !globalThis.fmrifaceStatus.labRunning, "Enter runs the new settings", 120000);
  const frames = await probe();
  log("lab run frames:", JSON.stringify(frames));
  // A run long enough to span many frames (real data; the fixture's runs
  // take a frame or two) must leave the page responsive throughout: no
  // frame of the run over 50 ms (issue 22). The run's arrays are reused
  // (lab.Cache), so no Go collection falls in it, and its work shrinks
  // after a slow frame (app.LabBudget).
  if (frames.runFrames >= 10) check(frames.runOver50 === 0, `no frame of the run over 50 ms (${frames.runFrames} frames, longest ${frames.runMaxGapMs.toFixed(1)} ms)`, JSON.stringify(frames));
  const want2 = labRunNative(dir, new URL(page.url()).search.slice(1));
  check((await status(page)).labSummary === JSON.stringify(want2), "the keyboard's run equals the native run of the address's settings");
  // Mouse: preset 2 (repetitions 1, 5, 15, 45) runs four settings.
  const preset = await areaCenter(page, "preset 2");
  if (check(!!preset, "the presets are drawn as buttons")) {
    const before = (await status(page)).labRuns;
    await page.mouse.click(preset.x, preset.y);
    await waitStatus(page, (n) => globalThis.fmrifaceStatus.labRuns >= n + 4 && !globalThis.fmrifaceStatus.labRunning, "mouse: preset 2 runs its four settings", 120000, before);
  }
  await page.waitForTimeout(400);
  const shot = join(outDir, "lab.png");
  const cs = await canvasStats(page, shot);
  log("lab panel:", JSON.stringify(cs), "->", shot);
  check(cs.variance > 100 && cs.colours > 50, "the lab panel is drawn (faces, curve)", JSON.stringify(cs));
  await axeAudit(page, "the lab panel");
  check(errors.length === 0, "lab panel: no errors in the console", errors.join(" | ").slice(0, 400));
  await context.close();
}

// labBench times the Lab in the page (--lab-bench N): the default run, the
// largest settings, then N runs in a row (the Go heap after each), then N
// more reading the live heap after each (which must stay flat), with the
// frame intervals and long tasks during each, written to lab-bench.json.
async function labBench(browser, url, n) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(url + "?panel=lab");
  await waitStatus(page, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.labRuns >= 1, "the lab's first run", 300000);
  const r = {};
  const timed = async (what, q) => {
    await page.goto(url + "?" + q);
    await waitStatus(page, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.lab === "ready", "lab ready", 300000);
    const probe = await frameProbe(page);
    await waitStatus(page, () => globalThis.fmrifaceStatus.labRuns >= 1 && !globalThis.fmrifaceStatus.labRunning, what, 300000);
    const st = await status(page);
    const f = await probe();
    const row = { what, q, elapsedMs: st.labElapsedMs, longestWorkMs: st.labLongestWorkMs, ...f, summary: JSON.parse(st.labSummary) };
    log("lab bench:", JSON.stringify({ ...row, summary: undefined }));
    return row;
  };
  // A fresh page per setting: the file comes from the cache, the fit is
  // not reused.
  r.defaultRun = await timed("default", "panel=lab");
  r.largest = await timed("largest", "panel=lab&train=8000&voxels=0&decoder=ridge&lambda=0.01");
  await page.goto(url + "?panel=lab");
  await waitStatus(page, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.labRuns >= 1 && !globalThis.fmrifaceStatus.labRunning, "lab first run", 300000);
  r.runs = await labReruns(page, "runs", n);
  // The same runs again with a collection before each reading of the heap
  // (?memprobe=1): the live heap, in which a leak would grow.
  await page.goto(url + "?panel=lab&memprobe=1");
  await waitStatus(page, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.labRuns >= 1 && !globalThis.fmrifaceStatus.labRunning, "lab first run (memprobe)", 300000);
  r.liveRuns = await labReruns(page, "liveRuns", n);
  writeFileSync(join(outDir, "lab-bench.json"), JSON.stringify(r, null, 2) + "\n");
  await context.close();
}

// labReruns runs the Lab's settings n times, another seed each (Up to the
// seed knob, Right, Down back, Enter), and returns each run's times,
// frames, Go heap and collections; what names them in the log.
async function labReruns(page, what, n) {
  const rows = [];
  await page.locator("canvas").focus();
  // Go collections between the ends of two runs (goNumGC is read once a
  // run, at its end).
  let gcBefore = (await status(page)).goNumGC;
  for (let i = 0; i < n; i++) {
    const probe = await frameProbe(page);
    const before = (await status(page)).labRuns;
    // Another seed each time (Up from the seed knob), then Enter.
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await waitStatus(page, (b) => globalThis.fmrifaceStatus.labRuns > b && !globalThis.fmrifaceStatus.labRunning, `lab run ${i + 1}`, 300000, before);
    const st = await status(page);
    const f = await probe();
    rows.push({ elapsedMs: st.labElapsedMs, heapMB: st.goHeapInuseMB, sysMB: st.goSysMB, gcs: st.goNumGC - gcBefore, ...f });
    gcBefore = st.goNumGC;
    log(`lab ${what} ${i + 1}:`, JSON.stringify(rows[rows.length - 1]));
  }
  return rows;
}

const { proc, url } = await startServer(args.serve, args.dir);
// insecureHost resolves to the loopback server under a name that is not
// localhost, for insecureTest.
const insecureHost = "fmriface.test";
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--enable-unsafe-swiftshader",
    `--host-resolver-rules=MAP ${insecureHost} 127.0.0.1`],
});
try {
  if (args.bench) {
    await bench(browser, url, parseInt(args.bench, 10));
  } else if (args["lab-bench"]) {
    await labBench(browser, url, parseInt(args["lab-bench"], 10));
  } else if (args.only === "lab") {
    await labTest(browser, url, args.dir);
  } else {
    if (args.only !== "compare") {
      await mainTest(browser, url);
      await realTest(browser, url);
    }
    await compareTest(browser, url);
    if (args.only !== "compare") {
      await labTest(browser, url, args.dir);
      await hidpiTest(browser, url);
      await pointerTest(browser, url);
      await deepLinkTest(browser, url);
      await checksumTest(browser, url);
      await insecureTest(browser, url);
      await staticHostTest(browser, args.dir);
      await missingFeatureTest(browser, url, "WebAssembly", () => { delete globalThis.WebAssembly; });
      // WebGL disabled, or a GPU the browser refuses.
      await missingFeatureTest(browser, url, "WebGL", () => {
        const getContext = HTMLCanvasElement.prototype.getContext;
        HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
          return /webgl/i.test(type) ? null : getContext.call(this, type, ...rest);
        };
      });
    }
  }
} catch (e) {
  failures++;
  log("FAIL", e.stack || e);
} finally {
  await browser.close();
  proc.kill();
}
log(failures === 0 ? "all checks passed" : `${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
