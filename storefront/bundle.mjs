// Bundles a front end's src/main.ts (and the client it imports) into its dist/app.js, the one
// script its page loads: the storefront's build.mjs and the console's call it with their own
// esbuild. `--check`: fails instead when dist/app.js is not what src/ builds (it is
// committed, so that the Rust stack embeds it without Node; `make test` runs the check).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";

/** `esbuild`: the caller's module; `root`: the front end's folder URL; `name`: its folder's name. */
export async function bundle(esbuild, root, name) {
  const output = new URL("dist/app.js", root);
  const result = await esbuild.build({
    entryPoints: [new URL("src/main.ts", root).pathname],
    absWorkingDir: root.pathname,
    bundle: true,
    format: "esm",
    target: "es2022",
    charset: "utf8",
    banner: { js: `// Built from ${name}/src/ by \`make ${name}\` (esbuild): edit the TypeScript, not this file.` },
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
      console.error(`${name}/dist/app.js is not what ${name}/src/ builds: run \`make ${name}\` and commit it.`);
      process.exit(1);
    }
    console.log(`${name}/dist/app.js matches ${name}/src/`);
  } else {
    mkdirSync(new URL("dist/", root), { recursive: true });
    writeFileSync(output, built);
    console.log(`${name}/dist/app.js: ${built.length} bytes`);
  }
}
