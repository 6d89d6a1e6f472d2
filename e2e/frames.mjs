// frames.mjs measures how the running app keeps up, per built site: the time
// from the first face to the first view's last one and the main thread's long
// tasks (over 50 ms) in that time, the frame rate of an
// idle page (nothing queued; in builds that download every subject behind the
// first, once they have all arrived) and the time from a region switch (the
// R key) until its 20 faces are decoded (with the download of the region
// decoders where the build fetches them on demand).
// Sites alternate, each load in a fresh headless Chromium whose window has
// settled (settle.mjs), as in coldload.mjs.
//
//   REPS=2 node e2e/frames.mjs [--serve out/e2e/serve] [--chromium /usr/bin/chromium] DIR [DIR…]
import { chromium } from "playwright-core";
import { siteArgs } from "./args.mjs";
import { startServer } from "./serve.mjs";
import { settle } from "./settle.mjs";

const { opt, dirs } = siteArgs("node e2e/frames.mjs [--serve BIN] [--chromium BIN] DIR [DIR…]");
const reps = parseInt(process.env.REPS || "2", 10);
const status = (page, pred) => page.waitForFunction(pred, null, { timeout: 60000, polling: 50 });
for (let r = 0; r < reps; r++) {
  for (const dir of dirs) {
    const { proc: server, url } = await startServer(opt.serve, dir);
    const browser = await chromium.launch({ executablePath: opt.chromium, args: ["--headless=new"] });
    try {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      // Long tasks (over 50 ms on the main thread: frames that cannot run).
      await page.addInitScript(() => {
        globalThis.__longTasks = [];
        try {
          new PerformanceObserver((l) => l.getEntries().forEach((e) => globalThis.__longTasks.push([e.startTime, e.duration])))
            .observe({ type: "longtask", buffered: true });
        } catch (_) { /* no Long Tasks API */ }
      });
      await page.goto("about:blank");
      await settle();
      await page.goto(url);
      await status(page, () => globalThis.fmrifaceStatus && globalThis.fmrifaceStatus.ready &&
        globalThis.fmrifaceStatus.decoded === 20); // the test faces
      const view = await page.evaluate(() => performance.now() - (globalThis.fmrifaceStatus.firstFaceShownMs || globalThis.fmrifaceStatus.firstFacePageMs));
      // Long tasks between the first face on screen and the view complete.
      const lt = await page.evaluate(() => {
        const t0 = globalThis.fmrifaceStatus.firstFaceShownMs || globalThis.fmrifaceStatus.firstFacePageMs;
        return globalThis.__longTasks.filter(([t]) => t >= t0).map(([, d]) => d);
      });
      // Idle: the first view decoded (and where the build downloads every
      // subject behind the first, all of them loaded), then a few seconds
      // for the decoders' idle dequantizing.
      await status(page, () => globalThis.fmrifaceStatus.ready && (typeof globalThis.fmrifaceFetch === "function" ||
        globalThis.fmrifaceStatus.subjects === JSON.parse(globalThis.fmrifaceData.index).subjects.length));
      await page.waitForTimeout(5000);
      const gaps = await page.evaluate(() => new Promise((done) => {
        const d = [];
        let last = performance.now();
        const t0 = last;
        const f = (t) => { d.push(t - last); last = t; if (t - t0 < 4000) requestAnimationFrame(f); else done(d); };
        requestAnimationFrame(f);
      }));
      const t0 = await page.evaluate(() => performance.now());
      await page.keyboard.press("r");
      await status(page, () => globalThis.fmrifaceStatus.roi !== "all" && globalThis.fmrifaceStatus.ready);
      const switchMs = (await page.evaluate(() => performance.now())) - t0;
      const long = gaps.filter((g) => g > 50).length;
      console.log(dir, `first view's 20 faces ${view.toFixed(0)} ms after the first, with ${lt.length} long tasks (longest ${Math.max(0, ...lt).toFixed(0)} ms, ${lt.reduce((a, b) => a + b, 0).toFixed(0)} ms in all); idle: ${(gaps.length / 4).toFixed(0)} fps, ${long} of ${gaps.length} frames over 50 ms, longest ${Math.max(...gaps).toFixed(0)} ms;`,
        `region switch decoded in ${switchMs.toFixed(0)} ms`);
    } finally {
      await browser.close();
      server.kill();
    }
  }
}
