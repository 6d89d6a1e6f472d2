// args.mjs: the command line of the browser measurement scripts
// (coldload.mjs, frames.mjs): --serve BIN (the site server, site/serve) and
// --chromium BIN, then the built site folders to compare.
export function siteArgs(usage) {
  const args = process.argv.slice(2);
  const opt = { serve: "out/e2e/serve", chromium: "/usr/bin/chromium" };
  const dirs = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith("--")) opt[args[i].slice(2)] = args[++i];
    else dirs.push(args[i]);
  }
  if (dirs.length === 0) {
    console.error("usage: " + usage);
    process.exit(2);
  }
  return { opt, dirs };
}
