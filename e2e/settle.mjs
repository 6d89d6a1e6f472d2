// settle.mjs: waits until the browser has finished its own start-up work.
//
// A new headless Chromium window (156 here) loads its omnibox popup, a WebUI
// of about 290 files, which costs 1.5 to 2.5 s of CPU over the first second or
// two. A visitor's browser did that long before they typed the address; a
// page measured during it competes for the same 2 cores. So the browser
// scripts open about:blank, call settle(), and only then load the page. With
// FRESH=1 they skip it, to measure the browser's start-up as well.
import { readdirSync, readFileSync } from "node:fs";

// cpuTimes maps each Chromium process to its CPU time so far (user +
// system, ms), from /proc; null where there is no /proc.
function cpuTimes() {
  const times = new Map();
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      let stat;
      try { stat = readFileSync(`/proc/${pid}/stat`, "utf8"); } catch { continue; }
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (!/chrom/i.test(comm)) continue;
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      times.set(pid, (Number(f[11]) + Number(f[12])) * 10); // utime, stime in 10 ms ticks
    }
  } catch {
    return null;
  }
  return times;
}

// spent is the CPU time the processes used between two readings. Per
// process, so that one exiting does not look like negative work.
function spent(before, after) {
  let ms = 0;
  for (const [pid, t] of after) ms += Math.max(0, t - (before.get(pid) || 0));
  return ms;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// settle resolves once the browser has used less than 5 % of one core in
// each of two 250 ms windows in a row (after at least 1 s, at most maxMs; a
// fixed 3 s without /proc), and reports how long it waited.
export async function settle(maxMs = 10000) {
  const t0 = Date.now();
  if (process.env.FRESH === "1") return 0;
  let prev = cpuTimes();
  if (prev === null) {
    await sleep(3000);
    return Date.now() - t0;
  }
  let quiet = 0;
  while (Date.now() - t0 < maxMs) {
    await sleep(250);
    const now = cpuTimes();
    quiet = spent(prev, now) <= 12 ? quiet + 1 : 0;
    prev = now;
    if (quiet >= 2 && Date.now() - t0 >= 1000) break;
  }
  return Date.now() - t0;
}
