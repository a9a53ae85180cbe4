import path from "node:path";

/** The part of a rolldown output chunk the build plugins read. */
export interface BuiltChunk {
  fileName: string;
  isEntry: boolean;
  /** Files this one imports statically: loaded with it. */
  imports: string[];
  moduleIds: string[];
  /** Vite's: the CSS files this chunk's modules import (loaded before the chunk's dynamic import resolves). */
  viteMetadata?: { importedCss: Set<string> };
}

/** A build's output chunks, and what loading some of them loads (their static imports, transitively). */
export function outputChunks(bundle: Record<string, { type: string }>) {
  const chunks = Object.values(bundle).filter((file) => file.type === "chunk") as unknown as BuiltChunk[];
  const byFile = new Map(chunks.map((chunk) => [chunk.fileName, chunk]));
  const loadedWith = (files: string[], into = new Set<string>()): Set<string> => {
    for (const file of files) {
      if (into.has(file)) continue;
      into.add(file);
      loadedWith(byFile.get(file)?.imports ?? [], into);
    }
    return into;
  };
  return {
    chunks,
    loadedWith,
    /** Every file the entry (the sign-in page) loads. */
    entryFiles: loadedWith(chunks.filter((chunk) => chunk.isEntry).map((chunk) => chunk.fileName)),
    /** The CSS files of these chunks. */
    stylesOf: (files: Iterable<string>): Set<string> =>
      new Set([...files].flatMap((file) => [...(byFile.get(file)?.viteMetadata?.importedCss ?? [])])),
    /** The chunk that holds a source module (a path from the web app's root). */
    chunkOf(webRoot: string, module: string): BuiltChunk {
      const id = path.resolve(webRoot, module);
      const chunk = chunks.find((candidate) => candidate.moduleIds.includes(id));
      if (!chunk) throw new Error(`${module} is in no chunk of the build`);
      return chunk;
    },
  };
}
