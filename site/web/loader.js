// loader.js: checks the browser, downloads the app (app.json → app.<hash>.wasm)
// and the site data (data/index.json → content-hashed bundles) with a byte
// progress bar, verifies every file's SHA-256 against its manifest, keeps the
// files in the Cache API (their names are content hashes, so a cached file
// never goes stale and a second visit starts at once), then starts the Go
// program, which reads globalThis.fmrifaceData.
"use strict";
(() => {
  const CACHE = "fmriface-files-v1";
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);

  // fail shows the first error only: a later one (the app reporting the
  // same missing file, say) would hide the cause.
  function fail(title, detail) {
    if (document.body.dataset.state === "error") return;
    const e = $("error");
    e.replaceChildren();
    const h = document.createElement("h2");
    h.textContent = title;
    const p = document.createElement("p");
    p.textContent = detail;
    e.append(h, p);
    e.hidden = false;
    $("load-msg").textContent = title;
    document.body.dataset.state = "error";
    console.error("fmriface:", title, detail);
  }
  globalThis.fmrifaceFail = (msg) => fail("The app could not start", msg);
  // fmrifaceLeave moves the focus from the app's canvas to the next element
  // of the page's tab order, or the previous one (the app calls it for Esc,
  // Tab on its last panel and Shift+Tab on its first): Ebiten cancels every
  // key's default action on its canvas, so the browser would never move it.
  globalThis.fmrifaceLeave = (forward) => {
    const c = document.querySelector("canvas");
    const order = [...document.querySelectorAll("a[href], button, [tabindex]")]
      .filter((el) => el === c || (el.tabIndex >= 0 && !el.disabled && !el.closest("[hidden], dialog:not([open])")));
    const i = order.indexOf(c);
    const next = i < 0 ? null : order[forward ? i + 1 : i - 1];
    if (next) next.focus();
  };
  globalThis.fmrifaceReady = () => {
    $("loader").hidden = true;
    document.body.dataset.state = "running";
    const c = document.querySelector("canvas");
    if (c) {
      // Ebiten appends its canvas to the body with tabindex 1, which puts it
      // before everything else in the tab order; in the page's main landmark
      // with tabindex 0 it keeps its place in the document.
      $("app").append(c);
      c.tabIndex = 0;
      c.setAttribute("role", "application");
      c.setAttribute("aria-label", "fmriface: faces decoded from fMRI. Keys: 1 to 9 choose a panel, C compares with PCA, H for help, Esc leaves the app. Results are announced.");
      c.setAttribute("aria-describedby", "live");
      c.focus();
    }
  };

  // afterFirstFace resolves when the app shows its first decoded face (the
  // Go side calls fmrifaceFirstFace), or after 20 s: work that can wait
  // (caching, the other subjects' downloads) waits for it, since on a
  // 2-core machine it would take CPU from the start-up.
  let firstFaceShown;
  const afterFirstFace = new Promise((resolve) => { firstFaceShown = resolve; setTimeout(resolve, 20000); });
  globalThis.fmrifaceFirstFace = () => firstFaceShown();

  // marks holds start-up times (performance.now) for the end-to-end tests.
  const marks = {};

  function mb(n) { return (n / 1e6).toFixed(2) + " MB"; }

  // SHA-256: WebCrypto where the page is a secure context (https, localhost),
  // a small JavaScript version elsewhere, so any static host works.
  async function sha256hex(bytes) {
    if (globalThis.crypto && crypto.subtle) {
      const d = await crypto.subtle.digest("SHA-256", bytes);
      return hex(new Uint8Array(d));
    }
    return hex(sha256js(bytes));
  }
  function hex(a) { return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join(""); }
  function sha256js(msg) {
    const K = new Uint32Array([
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
    const H = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    const n = msg.length, total = Math.ceil((n + 9) / 64) * 64;
    const buf = new Uint8Array(total);
    buf.set(msg);
    buf[n] = 0x80;
    const dv = new DataView(buf.buffer);
    dv.setUint32(total - 8, Math.floor(n / 0x20000000));
    dv.setUint32(total - 4, (n * 8) >>> 0);
    const w = new Uint32Array(64);
    const rotr = (x, r) => (x >>> r) | (x << (32 - r));
    for (let o = 0; o < total; o += 64) {
      for (let i = 0; i < 16; i++) w[i] = dv.getUint32(o + 4 * i);
      for (let i = 16; i < 64; i++) {
        const a = w[i - 15], b = w[i - 2];
        w[i] = (w[i - 16] + (rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3)) + w[i - 7] + (rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10))) >>> 0;
      }
      let [a, b, c, d, e, f, g, h] = H;
      for (let i = 0; i < 64; i++) {
        const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
        h = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
      }
      H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
    }
    const out = new Uint8Array(32);
    const odv = new DataView(out.buffer);
    H.forEach((x, i) => odv.setUint32(4 * i, x));
    return out;
  }

  function checkBrowser() {
    if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
      fail("WebAssembly is not available",
        "This demo runs its decoder in WebAssembly, which this browser does not offer (or has disabled). " +
        "Please use a current version of Firefox, Chrome, Edge or Safari.");
      return false;
    }
    const c = document.createElement("canvas");
    const gl = c.getContext("webgl2") || c.getContext("webgl");
    if (!gl) {
      fail("WebGL is not available",
        "This demo draws with WebGL, which this browser does not offer or has disabled (check hardware " +
        "acceleration in the browser settings). Please enable it or use another browser.");
      return false;
    }
    return true;
  }

  // openCache resolves to the files' Cache Storage, or null where there is
  // none (a non-secure context, storage disabled). It is opened once:
  // every lookup on the way to the first face waits for it.
  let cacheOpened = null;
  function openCache() {
    if (!cacheOpened) {
      try {
        cacheOpened = globalThis.caches ? caches.open(CACHE).catch(() => null) : Promise.resolve(null);
      } catch (_) { // opaque origins throw on the property itself
        cacheOpened = Promise.resolve(null);
      }
    }
    return cacheOpened;
  }

  // JSON manifests are small and always asked from the network first, so a
  // new build is seen at once; offline, the cached copy is used. The copy
  // is stored without waiting for it: the downloads start at once.
  async function fetchManifest(url) {
    try {
      const r = await fetch(url, { cache: "no-store" });
      if (!r.ok) throw new Error(url + ": HTTP " + r.status);
      const text = await r.text();
      openCache().then((c) => c && c.put(url, new Response(text, { headers: { "Content-Type": "application/json" } })))
        .catch(() => { /* quota: offline start unavailable */ });
      return text;
    } catch (err) {
      const cache = await openCache();
      const hit = cache && await cache.match(url);
      if (hit) return await hit.text();
      throw err;
    }
  }

  // getFile returns the verified bytes of a content-hashed file, from the
  // cache or the network, reporting downloaded bytes through progress(n).
  async function getFile(url, ref, progress) {
    const cache = await openCache();
    if (cache) {
      const hit = await cache.match(url);
      if (hit) {
        const b = new Uint8Array(await hit.arrayBuffer());
        if (b.length === ref.bytes && await sha256hex(b) === ref.sha256) {
          progress(b.length);
          return b;
        }
        await cache.delete(url); // damaged: fetch again
      }
    }
    // With the Cache API at hand the loader keeps the file itself, so the
    // browser's HTTP cache need not write a second copy during the start.
    const r = await fetch(url, cache ? { cache: "no-store" } : {});
    if (!r.ok) throw new Error(url + ": HTTP " + r.status + " " + r.statusText);
    if (ref.bytes <= 0 || ref.bytes > 512e6) throw new Error(url + ": implausible size " + ref.bytes);
    const buf = new Uint8Array(ref.bytes);
    let got = 0;
    const reader = r.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (got + value.length > buf.length) throw new Error(url + ": larger than the " + ref.bytes + " bytes its manifest announces");
      buf.set(value, got);
      got += value.length;
      progress(value.length);
    }
    if (got !== ref.bytes) throw new Error(url + ": got " + got + " bytes, its manifest announces " + ref.bytes);
    marks[url + " fetched"] = performance.now();
    const sum = await sha256hex(buf);
    marks[url + " verified"] = performance.now();
    if (sum !== ref.sha256) {
      const e = new Error(url + ": checksum mismatch (SHA-256 " + sum + ", expected " + ref.sha256 + "). The file is damaged or was replaced; reload to try again.");
      e.checksum = true;
      throw e;
    }
    if (cache) {
      // Stored once the first face is on screen (see afterFirstFace).
      afterFirstFace.then(() => cache.put(url, new Response(new Blob([buf]), { headers: { "Content-Type": "application/octet-stream" } })))
        .catch(() => { /* quota: run uncached */ });
    }
    return buf;
  }

  // Drop cached files that the current manifests no longer name.
  async function prune(keep) {
    try {
      const cache = await openCache();
      if (!cache) return;
      for (const req of await cache.keys()) {
        const u = new URL(req.url);
        if (!keep.has(u.pathname)) await cache.delete(req);
      }
    } catch (_) { /* best effort */ }
  }

  async function main() {
    marks.start = performance.now();
    if (!checkBrowser()) return;
    marks.checked = performance.now();
    if ("serviceWorker" in navigator && params.get("sw") !== "0") {
      navigator.serviceWorker.register("sw.js").catch((e) => console.warn("fmriface: no offline support:", e));
    }
    openCache();
    $("load-msg").textContent = "Reading the file lists…";
    const [appText, indexText] = await Promise.all([fetchManifest("app.json"), fetchManifest("data/index.json")]);
    marks.manifests = performance.now();
    const app = JSON.parse(appText);
    const index = JSON.parse(indexText);
    if (index.fixture) {
      $("fixture").hidden = false;
      $("fixture").textContent = "TEST FIXTURE: random untrained generator and synthetic subjects. Not results, not brain data.";
    }
    if (index.notice) $("notice").textContent = index.notice;
    // The app starts with the first subject's bundle, which decodes from
    // all voxels. Every other file (a subject's bundle, its regions file)
    // downloads when the app asks for it (fmrifaceFetch(id, regions): a
    // subject chosen with S, a region view, D for offline use) and joins the
    // running app (fmrifaceAddSubject(name, bytes[, id of the subject a
    // regions file belongs to])), so a visit that stays with one subject
    // downloads that subject only. Files an earlier visit kept in the cache
    // join after the first face without being asked for.
    const entry = (ref, regionsOf) => ({ url: "data/" + ref.file, ref, key: ref.file, regionsOf });
    const files = [{ url: app.wasm, ref: app, key: null }, entry(index.generator)];
    // ?subject=sub-03 starts with that subject (a link a course can hand out).
    const first = index.subjects.find((s) => s.id === params.get("subject")) || index.subjects[0];
    files.push(entry(first));
    const later = new Map(); // "id" or "id/regions" → entry
    index.subjects.forEach((s) => {
      if (s !== first) later.set(s.id, entry(s));
      if (s.regions) later.set(s.id + "/regions", entry(s.regions, s.id));
    });
    // The real-brain panel's file (index.real, optional, about 10 kB)
    // downloads when the panel is first opened (fmrifaceFetchReal) and joins
    // the app through fmrifaceAddReal(name, bytes).
    const REAL = "#real"; // a key no subject id can take (ids name files)
    if (index.real) later.set(REAL, { ...entry(index.real), real: true });
    // The PCA comparison's files (index.pca, and each subject's pca with its
    // regions file; optional) download when the app first shows the
    // comparison (fmrifaceFetchPCA(id, regions), id "" for the PCA bundle)
    // and join it through fmrifaceAddPCA(name, bytes, id, regions): the
    // PCA bundle first, a subject's PCA bundle before its regions file.
    const pcaKey = (id, regions) => id === "" ? "#pca" : "#pca:" + id + (regions ? "/regions" : "");
    if (index.pca) {
      later.set(pcaKey("", false), { ...entry(index.pca), pca: true, pcaID: "", pcaRegions: false });
      index.subjects.forEach((s) => {
        if (!s.pca) return;
        later.set(pcaKey(s.id, false), { ...entry(s.pca), pca: true, pcaID: s.id, pcaRegions: false });
        if (s.pca.regions) later.set(pcaKey(s.id, true), { ...entry(s.pca.regions), pca: true, pcaID: s.id, pcaRegions: true });
      });
    }
    // The Lab's files (index.lab: the base file, and its PCA latents where
    // the site has them; optional) download when the panel is first opened
    // (fmrifaceFetchLab(pca)) and join the app through
    // fmrifaceAddLab(name, bytes, pca): the base file first.
    const labKey = (pca) => pca ? "#lab-pca" : "#lab";
    if (index.lab) {
      later.set(labKey(false), { ...entry(index.lab), lab: true, labPCA: false });
      if (index.lab.pca) later.set(labKey(true), { ...entry(index.lab.pca), lab: true, labPCA: true });
    }
    const bench = parseInt(params.get("bench") || "0", 10);
    // The benchmark (?bench=N) times the PCA's decode too: its bundle and
    // the first subject's PCA bundle come with the start, there only.
    if (bench > 0 && index.pca && first.pca) {
      for (const k of [pcaKey("", false), pcaKey(first.id, false)]) files.push(later.get(k));
    }
    const total = files.reduce((n, f) => n + f.ref.bytes, 0);
    let done = 0;
    const bar = $("bar");
    bar.max = total;
    const progress = (n) => {
      done += n;
      bar.value = done;
      $("load-bytes").textContent = mb(done) + " of " + mb(total);
    };
    $("load-msg").textContent = "Downloading the decoder and the face generator…";
    const t0 = performance.now();
    const got = await Promise.all(files.map((f) => getFile(f.url, f.ref, progress)));
    const base = new URL(".", location.href).pathname;
    prune(new Set(["app.json", "data/index.json", ...files.map((f) => f.url), ...[...later.values()].map((f) => f.url)].map((u) => base + u)));
    const data = { index: indexText, subjectCount: index.subjects.length, files: {}, loadMs: performance.now() - t0, downloadedMs: performance.now(), marks };
    files.forEach((f, i) => { if (f.key) data.files[f.key] = got[i]; });
    if (bench > 0) data.bench = Math.min(bench, 100000);
    globalThis.fmrifaceData = data;
    $("load-msg").textContent = "Starting…";
    // The app may ask for files as soon as it runs. One download at a time,
    // in the order asked: the app asks for a subject's bundle before its
    // regions file.
    let queue = Promise.resolve();
    const added = new Set();
    const have = new Set([first.id]); // subjects the app holds
    const havePCA = new Set(); // subjects whose PCA bundle the app holds
    // pcaBlocked says why PCA file f cannot join yet: the file it builds on
    // has not (the PCA bundle, or the subject's PCA bundle); "" if it can.
    const pcaBlocked = (f) => {
      if (f.pcaID !== "" && !added.has(pcaKey("", false))) return "the PCA bundle has not arrived";
      if (f.pcaRegions && !havePCA.has(f.pcaID)) return "its subject's PCA bundle has not arrived";
      return "";
    };
    const deliver = (k, f, b) => {
      added.add(k);
      marks[f.url + " added"] = performance.now();
      if (f.real) { globalThis.fmrifaceAddReal(f.key, b); return; }
      if (f.lab) { globalThis.fmrifaceAddLab(f.key, b, f.labPCA); return; }
      if (f.pca) {
        if (!f.pcaRegions && f.pcaID !== "") havePCA.add(f.pcaID);
        globalThis.fmrifaceAddPCA(f.key, b, f.pcaID, f.pcaRegions);
        return;
      }
      if (!f.regionsOf) have.add(f.ref.id);
      if (f.regionsOf) globalThis.fmrifaceAddSubject(f.key, b, f.regionsOf);
      else globalThis.fmrifaceAddSubject(f.key, b);
    };
    // reporter tells the app how far a download is (fmrifaceProgress(got,
    // total)), at most five times a second and once at the end: the app
    // shows it in its status line.
    const reporter = (total) => {
      let got = 0, last = 0;
      return (n) => {
        got += n;
        const now = performance.now();
        if ((now - last < 200 && got < total) || typeof globalThis.fmrifaceProgress !== "function") return;
        last = now;
        globalThis.fmrifaceProgress(got, total);
      };
    };
    const why = (e) => navigator.onLine === false ? "the browser is offline (D saves every file while online)" : e.message || String(e);
    globalThis.fmrifaceFetchReal = () => {
      const f = later.get(REAL);
      if (!f) {
        globalThis.fmrifaceRealFailed("index.json lists no real brain file");
        return;
      }
      queue = queue.then(async () => {
        if (added.has(REAL)) return;
        try {
          deliver(REAL, f, await getFile(f.url, f.ref, reporter(f.ref.bytes)));
        } catch (e) {
          console.error("fmriface:", e.message || e);
          globalThis.fmrifaceRealFailed(why(e));
        }
      });
    };
    globalThis.fmrifaceFetchLab = (pca) => {
      const k = labKey(pca);
      const f = later.get(k);
      if (!f) {
        globalThis.fmrifaceLabFailed(pca, "index.json lists no such lab file");
        return;
      }
      queue = queue.then(async () => {
        if (added.has(k)) return;
        if (pca && !added.has(labKey(false))) {
          globalThis.fmrifaceLabFailed(pca, "the lab's base file has not arrived");
          return;
        }
        try {
          deliver(k, f, await getFile(f.url, f.ref, reporter(f.ref.bytes)));
        } catch (e) {
          console.error("fmriface:", e.message || e);
          globalThis.fmrifaceLabFailed(pca, why(e));
        }
      });
    };
    globalThis.fmrifaceFetchPCA = (id, regions) => {
      const k = pcaKey(id, regions);
      const f = later.get(k);
      if (!f) {
        globalThis.fmrifacePCAFailed(id, regions, "index.json lists no such PCA file");
        return;
      }
      queue = queue.then(async () => {
        if (added.has(k)) return;
        const blocked = pcaBlocked(f);
        if (blocked) {
          globalThis.fmrifacePCAFailed(id, regions, blocked);
          return;
        }
        try {
          deliver(k, f, await getFile(f.url, f.ref, reporter(f.ref.bytes)));
        } catch (e) {
          console.error("fmriface:", e.message || e);
          globalThis.fmrifacePCAFailed(id, regions, why(e));
        }
      });
    };
    globalThis.fmrifaceFetch = (id, regions) => {
      const k = regions ? id + "/regions" : id;
      const f = later.get(k);
      if (!f) {
        globalThis.fmrifaceNeedFailed(id, regions, "index.json lists no such file");
        return;
      }
      queue = queue.then(async () => {
        if (added.has(k)) return;
        if (f.regionsOf && !have.has(f.regionsOf)) {
          globalThis.fmrifaceNeedFailed(id, regions, "its subject's own bundle has not arrived");
          return;
        }
        try {
          deliver(k, f, await getFile(f.url, f.ref, reporter(f.ref.bytes)));
        } catch (e) {
          console.error("fmriface:", e.message || e);
          globalThis.fmrifaceNeedFailed(id, regions, why(e));
        }
      });
    };
    const go = new Go();
    const { instance } = await WebAssembly.instantiate(got[0], go.importObject);
    data.instantiatedMs = performance.now();
    go.run(instance).catch((e) => fail("The app stopped", String(e)));
    await afterFirstFace;
    const cache = await openCache();
    if (!cache) return;
    for (const [k, f] of later) {
      queue = queue.then(async () => {
        if (added.has(k) || (f.regionsOf && !have.has(f.regionsOf)) || (f.pca && pcaBlocked(f)) || (f.labPCA && !added.has(labKey(false))) || !await cache.match(f.url)) return;
        try {
          deliver(k, f, await getFile(f.url, f.ref, () => {}));
        } catch (_) { /* damaged: fetched again when asked for */ }
      });
    }
  }

  $("about-btn").addEventListener("click", () => $("about").showModal());
  $("skip").addEventListener("click", (e) => { e.preventDefault(); $("about").showModal(); });
  $("about").addEventListener("close", () => { const c = document.querySelector("canvas"); if (c) c.focus(); });
  main().catch((e) => fail(e.checksum ? "A file failed its checksum" : "The demo could not be loaded", e.message || String(e)));
})();
