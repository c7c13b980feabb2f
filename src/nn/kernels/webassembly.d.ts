/** The few WebAssembly JS API types the kernels use (Node has them; lib ES2023 does not declare them). */
declare namespace WebAssembly {
  function validate(bytes: BufferSource): boolean;
  class Module {
    constructor(bytes: BufferSource);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Global {
    value: unknown;
  }
}
type BufferSource = ArrayBufferView | ArrayBuffer;
