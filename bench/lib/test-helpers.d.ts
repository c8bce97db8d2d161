/** Transpiles test/helpers/<name>.ts and its local imports into `dir` (each once) and returns its exports. */
export function loadTestHelper(name: string, dir: string): unknown;
