// Copy the front-end libraries the console serves from node_modules into
// static/vendor/. Nothing is bundled from a CDN; the copied files are not committed.
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const vendor = join(here, "static", "vendor");
const files = {
  "htmx.org/dist/htmx.min.js": "htmx.min.js",
  "uplot/dist/uPlot.iife.min.js": "uPlot.iife.min.js",
  "uplot/dist/uPlot.min.css": "uPlot.min.css",
};

mkdirSync(vendor, { recursive: true });
const versions = {};
for (const [from, to] of Object.entries(files)) {
  const pkg = from.split("/")[0];
  copyFileSync(join(here, "node_modules", from), join(vendor, to));
  versions[pkg] = JSON.parse(readFileSync(join(here, "node_modules", pkg, "package.json"))).version;
}
console.log("web assets:", Object.entries(versions).map(([p, v]) => `${p}@${v}`).join(", "));
