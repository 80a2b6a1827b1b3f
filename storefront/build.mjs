// Bundles src/ into dist/app.js (see bundle.mjs, which the console's build shares).
import * as esbuild from "esbuild";
import { bundle } from "./bundle.mjs";

await bundle(esbuild, new URL(".", import.meta.url), "storefront");
