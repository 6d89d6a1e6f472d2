// coldload.mjs compares cold loads of built sites: for each repetition it serves
// each site folder in turn, opens it in a fresh headless Chromium (no HTTP
// cache, no compiled-code cache) and prints the page's start-up marks in
// seconds, then the time to the first decoded face per site. Alternating the
// sites in one run is what makes two builds comparable on a noisy VM.
//
// Each page is loaded in a window that has settled (see settle.mjs): the
// browser's own start-up work is over, as in a visitor's browser. FRESH=1
// loads it at once instead, so that the times include that work.
//
// PROFILE=DIR also records a CPU profile of the page's main thread from the
// navigation to the first decoded face (200 µs sampling) into
// DIR/<site>-<rep>.cpuprofile, which Chrome DevTools' Performance panel
// opens; build the wasm without -s -w to see Go's function names.
//
//   REPS=3 [WARM=1] [FRESH=1] [REVISIT=1] [PROFILE=DIR] node e2e/coldload.mjs [--serve out/e2e/serve] [--chromium /usr/bin/chromium] DIR [DIR…]
import { chromium } from "playwright-core";
import { siteArgs } from "./args.mjs";
import { startServer } from "./serve.mjs";
import { settle } from "./settle.mjs";
import fs from "node:fs";
import path from "node:path";

const { opt, dirs } = siteArgs("node e2e/coldload.mjs [--serve BIN] [--chromium BIN] DIR [DIR…]");
const reps = parseInt(process.env.REPS || "3", 10);
// WARM=1 keeps one browser running and opens each load in a fresh context
// (empty HTTP cache, Cache Storage and code cache: the page is cold, the
// browser is not), as for a visitor whose browser is already open. By
// default every load starts a new browser, which also pays the browser's
// own start-up on the same 2 cores.
const warm = process.env.WARM === "1";
// REVISIT=1 times a second visit instead: the page is loaded once, and once
// its files are cached it is opened again in the same browser profile.
const revisit = process.env.REVISIT === "1";
let shared = null;
const marks = ["downloadedMs", "instantiatedMs", "mainMs", "copiedMs", "modelMs", "subjectsMs", "appMs", "firstUpdateMs", "firstFacePageMs", "firstFaceShownMs", "shownMs"];
const firstFace = {};
const firstShown = {};

// shownProbe records when each animation frame's callbacks run. The first
// face is on screen once the frame that drew it has run: the first frame
// callback after firstFacePageMs (the decode) comes after Ebiten's frame with
// that face, WebGL work included, and does not depend on the build's own
// marks. (Where the browser renders in software, Ebiten's first frame
// compiles its shaders and takes a second or more.)
function shownProbe() {
  globalThis.__frames = [];
  const tick = () => {
    if (globalThis.__frames.length < 5000) globalThis.__frames.push(performance.now());
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}
for (let r = 0; r < reps; r++) {
  for (const dir of dirs) {
    const { proc: server, url } = await startServer(opt.serve, dir);
    const browser = warm ? (shared ||= await chromium.launch({ executablePath: opt.chromium, args: ["--headless=new"] }))
      : await chromium.launch({ executablePath: opt.chromium, args: ["--headless=new"] });
    let context = null;
    try {
      context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.addInitScript(shownProbe);
      await page.goto("about:blank");
      const waited = await settle();
      let cdp = null;
      if (process.env.PROFILE) {
        cdp = await context.newCDPSession(page);
        await cdp.send("Profiler.enable");
        await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
        await cdp.send("Profiler.start");
      }
      const shownFace = () => page.waitForFunction(() => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.firstFacePageMs > 0 &&
        globalThis.__frames.some((t) => t > globalThis.fmrifaceStatus.firstFacePageMs), null, { timeout: 60000, polling: 20 });
      await page.goto(url);
      await shownFace();
      if (revisit) {
        // The second visit: the loader has cached the files it fetched (after
        // the first face), the service worker the page; the browser keeps
        // its own caches. Then the same page is opened again.
        await page.waitForFunction(async () => {
          const d = globalThis.fmrifaceData;
          if (!d || !("caches" in globalThis)) return false;
          const keys = [];
          for (const name of await caches.keys()) keys.push(...await (await caches.open(name)).keys());
          return Object.keys(d.files).every((f) => keys.some((k) => k.url.endsWith(f)));
        }, null, { timeout: 60000, polling: 200 });
        await page.goto("about:blank");
        await settle();
        await page.goto(url);
        await shownFace();
      }
      if (cdp) {
        const { profile } = await cdp.send("Profiler.stop");
        fs.mkdirSync(process.env.PROFILE, { recursive: true });
        const out = path.join(process.env.PROFILE, `${path.basename(dir)}-${r}.cpuprofile`);
        fs.writeFileSync(out, JSON.stringify(profile));
        console.log("  profile:", out);
      }
      const st = await page.evaluate(() => {
        const d = globalThis.fmrifaceData || {};
        const shown = globalThis.__frames.find((t) => t > globalThis.fmrifaceStatus.firstFacePageMs);
        return { ...globalThis.fmrifaceStatus, shownMs: shown, downloadedMs: d.downloadedMs, instantiatedMs: d.instantiatedMs, loaderMarks: d.marks || {} };
      });
      const lm = Object.entries(st.loaderMarks).sort((a, b) => a[1] - b[1]);
      if (lm.length > 0) console.log("  loader:", lm.map(([k, v]) => k.replace(/^.*\//, "").replace(/\.[0-9a-f]{8,}\./, ".") + "=" + (v / 1000).toFixed(2)).join(" "));
      console.log(dir, `(settled ${(waited / 1000).toFixed(1)} s)`, marks.map((k) => k.replace(/Ms$/, "") + "=" + (st[k] / 1000).toFixed(2)).join(" "));
      (firstFace[dir] ||= []).push((st.firstFacePageMs / 1000).toFixed(2));
      (firstShown[dir] ||= []).push((st.shownMs / 1000).toFixed(2));
    } finally {
      if (warm) await context?.close();
      else await browser.close();
      server.kill();
    }
  }
}
if (shared) await shared.close();
const mode = (revisit ? "second visit, " : "") + (warm ? "warm browser, " : "") + (process.env.FRESH === "1" ? "fresh window, " : "");
for (const dir of dirs) {
  console.log(dir, mode + "first face decoded (s):", firstFace[dir].join(", "));
  console.log(dir, mode + "first face on screen (s):", firstShown[dir].join(", "));
}
