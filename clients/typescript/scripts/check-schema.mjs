// The client cannot drift from the contract: src/schema.ts must be exactly what
// openapi-typescript makes of ../../openapi.yaml, and no `default:` may decide whether a
// field is required (openapi-typescript reads a default as "always present", which is
// true of an answer and false of a request body: say a request's default in prose).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const here = fileURLToPath(new URL("..", import.meta.url));
const cli = fileURLToPath(new URL("../node_modules/openapi-typescript/bin/cli.js", import.meta.url));
const generate = async (...flags) =>
  (await promisify(execFile)(process.execPath, [cli, "../../openapi.yaml", ...flags], { cwd: here, maxBuffer: 1 << 26 })).stdout;

const committed = readFileSync(new URL("../src/schema.ts", import.meta.url), "utf8");
const [fresh, withoutDefaults] = await Promise.all([generate(), generate("--default-non-nullable", "false")]);
let failed = false;
if (fresh !== committed) {
  console.error(firstDifference(committed, fresh));
  console.error(
    "clients/typescript/src/schema.ts is not what openapi.yaml generates: run `make client` (npm run generate) and commit it.",
  );
  failed = true;
}
if (withoutDefaults !== fresh) {
  console.error(firstDifference(fresh, withoutDefaults));
  console.error(
    "openapi.yaml: a `default:` makes a property required in the generated types (above). " +
      "List what an answer always carries in `required`, and state a request's default in its description.",
  );
  failed = true;
}
if (failed) process.exit(1);
console.log("clients/typescript/src/schema.ts matches openapi.yaml");

function firstDifference(expected, actual) {
  const a = expected.split("\n");
  const b = actual.split("\n");
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line === -1 ? a.length : line;
  return [`first difference at line ${at + 1}:`, `- ${a[at] ?? "(end)"}`, `+ ${b[at] ?? "(end)"}`].join("\n");
}
