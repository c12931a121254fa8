// A tiny structural validator for decoded JSON, standing in for zod/mini in the server event parser.
// A `Check` is one function `(value, out)`: with `out === null` it answers true/false, stops at the
// first problem and allocates nothing (the hot path); with an array it walks everything and pushes
// issues. Objects are loose (unknown keys allowed, nothing copied); a failed union keeps every branch's
// issues, so `explain` words issues exactly as the zod-based parser did. Never throws on JSON values.

/** One step of an issue path: an object key or an array index. */
export type PathKey = string | number;

/** A raw problem, relative to the checked value; `branches` holds a failed union's per-branch issues. */
export interface Issue {
  path: PathKey[];
  what: string;
  branches?: Issue[][];
}

/** A validator of `T`; the `_t` field exists only in the type, for `Infer`. */
export interface Check<T = unknown> {
  (value: unknown, out: Issue[] | null): boolean;
  readonly _t?: T;
}

/** The type a check accepts. */
export type Infer<C> = C extends Check<infer T> ? T : never;

type Shape = Record<string, Check<unknown>>;
type OptKeys<S extends Shape> = { [K in keyof S]: undefined extends Infer<S[K]> ? K : never }[keyof S];
type Flat<T> = { [K in keyof T]: T[K] } & {};

/** The type of a loose object: nullish fields optional, unknown keys kept. */
export type Loose<S extends Shape> = Flat<
  { [K in Exclude<keyof S, OptKeys<S>>]: Infer<S[K]> } & { [K in OptKeys<S>]?: Infer<S[K]> }
> & { [key: string]: unknown };

const fail = (out: Issue[] | null, what: string): false => {
  out?.push({ path: [], what });
  return false;
};

/** A check of a single value by a predicate, e.g. `custom(Number.isSafeInteger, 'expected integer')`. */
export const custom =
  <T>(test: (v: unknown) => boolean, what: string): Check<T> =>
  (v, out) =>
    test(v) || fail(out, what);

/** A string. */
export const str: Check<string> = custom((v) => typeof v === 'string', 'expected string');
/** A finite number. */
export const num: Check<number> = custom(Number.isFinite, 'expected number');
/** A boolean. */
export const bool: Check<boolean> = custom((v) => typeof v === 'boolean', 'expected boolean');
/** Anything at all. */
export const unknown: Check<unknown> = () => true;

/** A safe integer. */
export const int: Check<number> = custom(Number.isSafeInteger, 'expected integer');

/** One of the given strings; the message lists them quoted (`expected "a" | "b"`). */
export const oneOf = <T extends string>(...values: T[]): Check<T> =>
  custom((v) => values.includes(v as T), `expected ${values.map((v) => `"${v}"`).join(' | ')}`);

/** Optional and nullable: `undefined` and `null` pass, anything else must pass `check`. */
export const opt =
  <T>(check: Check<T>): Check<T | null | undefined> =>
  (v, out) =>
    v == null || check(v, out);

/** Runs `check` on a child, prefixing the issues it reports with `key`. */
function child(check: Check<unknown>, value: unknown, key: PathKey, out: Issue[]): boolean {
  const sub: Issue[] = [];
  if (check(value, sub)) return true;
  for (const issue of sub) {
    issue.path.unshift(key);
    out.push(issue);
  }
  return false;
}

/** A non-array object whose listed fields pass their checks; other keys are allowed and kept. */
export function loose<S extends Shape>(shape: S): Check<Loose<S>> {
  const keys = Object.keys(shape);
  const checks = keys.map((k) => shape[k]!);
  return (v, out) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(out, 'expected object');
    const o = v as Record<string, unknown>;
    let ok = true;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (out) ok = child(checks[i]!, o[key], key, out) && ok;
      else if (!checks[i]!(o[key], null)) return false;
    }
    return ok;
  };
}

/** An array whose every element passes `check`. */
export const array =
  <T>(check: Check<T>): Check<T[]> =>
  (v, out) => {
    if (!Array.isArray(v)) return fail(out, 'expected array');
    let ok = true;
    for (let i = 0; i < v.length; i++) {
      if (out) ok = child(check, v[i], i, out) && ok;
      else if (!check(v[i], null)) return false;
    }
    return ok;
  };

/** The first passing branch wins; on failure one union issue keeps every branch's issues. */
export const union =
  <C extends Check<unknown>[]>(checks: [...C]): Check<Infer<C[number]>> =>
  (v, out) => {
    for (const check of checks) if (check(v, null)) return true;
    if (!out) return false;
    const branches = checks.map((check) => {
      const sub: Issue[] = [];
      check(v, sub);
      return sub;
    });
    out.push({ path: [], what: 'matches no accepted shape', branches });
    return false;
  };

/** Describes a JSON value's kind for issue messages. */
export const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Runs `check` on `root` and flattens its issues into `{path, message}` with dotted paths. A failed
 * union whose `type` matched exactly one branch reports that branch's issues (so an item with the
 * right `type` but a bad field names the field). Empty when `root` passes.
 */
export function explain(check: Check<unknown>, root: unknown): { path: string; message: string }[] {
  const issues: Issue[] = [];
  check(root, issues);
  return flatten(issues, root, []);
}

function flatten(issues: Issue[], root: unknown, prefix: PathKey[]): { path: string; message: string }[] {
  return issues.flatMap((issue) => {
    const at = [...prefix, ...issue.path];
    if (issue.branches) {
      const matched = issue.branches.filter((branch) => !branch.some((i) => i.path[0] === 'type'));
      if (matched.length === 1) return flatten(matched[0]!, root, at);
    }
    let found: unknown = root;
    for (const key of at) found = (found as Record<PropertyKey, unknown> | null | undefined)?.[key];
    const got = typeof found === 'object' || found === undefined ? kindOf(found) : JSON.stringify(found).slice(0, 40);
    const message = found === undefined ? `required field missing (${issue.what})` : `${issue.what}, got ${got}`;
    return [{ path: at.join('.'), message }];
  });
}
