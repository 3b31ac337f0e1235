/** A parsed YAML/JSON mapping whose fields are not known yet. */
export type Obj = Record<string, unknown>;

/** `v` as a mapping, or an empty one when it is anything else (absent, a list, a scalar). */
export const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
