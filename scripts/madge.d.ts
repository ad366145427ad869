/** The part of madge's API that scripts/check-cycles.ts uses (madge ships no type declarations). */
declare module 'madge' {
  interface MadgeResult {
    /** Each file's resolved imports. */
    obj(): Record<string, string[]>;
    /** Each cycle as the list of files it passes through. */
    circular(): string[][];
    /** `skipped`: imports that resolved to no file. */
    warnings(): { skipped: string[] };
  }
  function madge(paths: string | string[], config?: Record<string, unknown>): Promise<MadgeResult>;
  export default madge;
}
