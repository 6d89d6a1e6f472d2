// settle.mjs: waits until the browser has finished its own start-up work.
//
// A new headless Chromium window (156 here) loads its omnibox popup, a WebUI
// of about 290 files, which costs 1.5 to 2.5 s of CPU over the first second or
// two. A visitor's browser did that long before they typed the address; a
// page measured during it competes for the same 2 cores. So the browser
// scripts open about:blank, call settle(), and only then load the page. With
// FRESH=1 they skip it, to measure the browser's start-up as well.
import { readdirSync, readFileSync } from "node:fs";

// cpuMs sums the CPU time (user + system) of every Chromium process, from
// /proc; null where there is no /proc.
function cpuMs() {
  let ticks = 0;
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      let stat;
      try { stat = readFileSync(`/proc/${pid}/stat`, "utf8"); } catch { continue; }
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (!/chrom/i.test(comm)) continue;
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
    }
  } catch {
    return null;
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// settle resolves once the browser processes used less than 5 % of one core
// over the last 500 ms (at most maxMs; a fixed 3 s without /proc), and
// reports how long it waited.
export async function settle(maxMs = 10000) {
  const t0 = Date.now();
  if (process.env.FRESH === "1") return 0;
  let prev = cpuMs();
  if (prev === null) {
    await sleep(3000);
    return Date.now() - t0;
  }
  await sleep(300); // the window's work has not begun the moment it opens
  prev = cpuMs();
  while (Date.now() - t0 < maxMs) {
    await sleep(500);
    const now = cpuMs();
    if (now - prev < 25) break;
    prev = now;
  }
  return Date.now() - t0;
}
