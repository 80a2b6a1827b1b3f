// Bundles src/ into dist/app.js, as the storefront's is (../storefront/bundle.mjs).
import * as esbuild from "esbuild";
import { bundle } from "../storefront/bundle.mjs";

await bundle(esbuild, new URL(".", import.meta.url), "console");
