// Type declarations for the two wasm packages, which ship JavaScript only (Emscripten factories).
declare module 'espeak-ng' {
  interface ESpeakInstance { FS: { readFile(path: string, opts?: { encoding?: string }): Uint8Array } }
  const factory: (moduleArg: Record<string, unknown>) => Promise<ESpeakInstance>;
  export default factory;
}
declare module '@echogarden/fvad-wasm' {
  const factory: () => Promise<unknown>;
  export default factory;
}
