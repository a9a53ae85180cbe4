import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The server package's folder (apps/server): the nearest folder above this file with a package.json. Found
 * rather than counted in `../`, because this code runs from src/ (tests), from tsc's dist/<path>.js and from
 * the one-file bundle dist/cli.js (build.mjs), each at a different depth.
 */
export const serverRoot = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(start: string): string {
  let folder = start;
  while (!existsSync(path.join(folder, "package.json"))) {
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error(`no package.json above ${start}`);
    folder = parent;
  }
  return folder;
}
