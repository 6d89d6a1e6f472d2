// sw.js: makes the demo work offline once loaded. The page shell is cached
// at install; manifests (JSON) go to the network first and fall back to the
// cache. The content-hashed wasm and bundles are not touched here: the
// loader looks them up in the same Cache Storage itself and stores them
// once the first face is on screen, so on a first visit they stream straight
// from the network instead of through this worker (which, claiming the page
// at once, would pipe and store 24 MB a second time during the start).
"use strict";
const SHELL = "fmriface-shell-__BUILD__";
const FILES = "fmriface-files-v1";
const SHELL_FILES = ["./", "index.html", "style.css", "loader.js", "wasm_exec.js"];

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(SHELL).then((c) => c.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys().then((keys) => Promise.all(
    keys.filter((k) => k.startsWith("fmriface-shell-") && k !== SHELL).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

async function networkFirst(req, cacheName) {
  try {
    const r = await fetch(req, { cache: "no-store" });
    if (r.ok) (await caches.open(cacheName)).put(req, r.clone());
    return r;
  } catch (err) {
    const hit = await caches.match(req, { ignoreSearch: true });
    if (hit) return hit;
    throw err;
  }
}

self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin) return;
  const p = url.pathname;
  if (e.request.mode === "navigate" || p.endsWith(".json") || p.endsWith(".html") || p.endsWith(".js") || p.endsWith(".css") || p.endsWith(".svg") || p.endsWith("/")) {
    e.respondWith(networkFirst(e.request, p.endsWith(".json") ? FILES : SHELL));
  }
});
