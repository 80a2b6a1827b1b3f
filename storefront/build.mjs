// Bundles src/ (and the client it imports) into dist/app.js, the one script the page loads.
// `--check`: fails instead when dist/app.js is not what src/ builds (it is committed, so
// that the Rust stack embeds it without Node; `make test` runs the check).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import * as esbuild from "esbuild";

const output = new URL("dist/app.js", import.meta.url);
const result = await esbuild.build({
  entryPoints: [new URL("src/main.ts", import.meta.url).pathname],
  absWorkingDir: new URL(".", import.meta.url).pathname,
  bundle: true,
  format: "esm",
  target: "es2022",
  charset: "utf8",
  banner: { js: "// Built from storefront/src/ by `make storefront` (esbuild): edit the TypeScript, not this file." },
  write: false,
  logLevel: "warning",
});
const built = result.outputFiles[0].text;

if (process.argv.includes("--check")) {
  let committed = "";
  try {
    committed = readFileSync(output, "utf8");
  } catch {}
  if (committed !== built) {
    console.error("storefront/dist/app.js is not what storefront/src/ builds: run `make storefront` and commit it.");
    process.exit(1);
  }
  console.log("storefront/dist/app.js matches storefront/src/");
} else {
  mkdirSync(new URL("dist/", import.meta.url), { recursive: true });
  writeFileSync(output, built);
  console.log(`storefront/dist/app.js: ${built.length} bytes`);
}
