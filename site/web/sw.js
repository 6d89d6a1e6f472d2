// sw.js: makes the demo work offline once loaded. The page shell is cached
// at install; manifests (JSON) go to the network first and fall back to the
// cache; every other file (content-hashed wasm and bundles) comes from the
// cache first. The loader keeps the big files in the same cache.
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

async function cacheFirst(req) {
  const hit = await caches.match(req, { ignoreSearch: true });
  if (hit) return hit;
  const r = await fetch(req);
  if (r.ok) (await caches.open(FILES)).put(req, r.clone());
  return r;
}

self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin) return;
  const p = url.pathname;
  if (e.request.mode === "navigate" || p.endsWith(".json") || p.endsWith(".html") || p.endsWith(".js") || p.endsWith(".css") || p.endsWith("/")) {
    e.respondWith(networkFirst(e.request, p.endsWith(".json") ? FILES : SHELL));
  } else {
    e.respondWith(cacheFirst(e.request));
  }
});
