// serve.mjs: the local site server for the browser scripts (run.mjs, coldload.mjs).
import { spawn } from "node:child_process";

// startServer runs site/serve (the binary bin) on a free loopback port for the
// site folder dir and resolves to { proc, url }.
export function startServer(bin, dir) {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, ["-addr", "127.0.0.1:0", "-dir", dir], { stdio: ["ignore", "pipe", "inherit"] });
    let buf = "";
    p.stdout.on("data", (d) => {
      buf += d;
      const m = buf.match(/at (http:\/\/\S+)/);
      if (m) resolve({ proc: p, url: m[1] });
    });
    p.on("exit", (code) => reject(new Error("server exited with " + code)));
    setTimeout(() => reject(new Error("server did not start")), 20000);
  });
}
