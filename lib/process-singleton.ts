// One value per process, kept on globalThis under a registered symbol: Next may load a module
// once per route bundle, dev hot reload re-evaluates modules, and server.ts loads them again
// outside Next; every one of those must see the same database, auth, jobs, metrics and logger.
// No 'server-only' here: server.ts imports it outside Next.
type Store = Record<symbol, unknown>;

/** The process's slot for `name`: read it, fill it, or empty it (undefined) so the next use makes it again. */
export function processSlot<T>(name: string): { get: () => T | undefined; set: (value: T | undefined) => void } {
  const key = Symbol.for(`iu-core-console.${name}`);
  const g = globalThis as unknown as Store;
  return {
    get: () => g[key] as T | undefined,
    set: (value) => {
      if (value === undefined) delete g[key];
      else g[key] = value;
    },
  };
}

/** The process's value for `name`, made by `make` the first time. */
export function processSingleton<T>(name: string, make: () => T): T {
  const slot = processSlot<T>(name);
  let value = slot.get();
  if (value === undefined) {
    value = make();
    slot.set(value);
  }
  return value;
}

/**
 * The same for a value that takes a promise to make: a rejected one is forgotten, so the next
 * call tries again (a database that was not up yet, a PGlite folder another process held).
 */
export function processSingletonAsync<T>(name: string, make: () => Promise<T>): Promise<T> {
  const key = Symbol.for(`iu-core-console.${name}`);
  const g = globalThis as unknown as Store;
  if (!(key in g)) {
    g[key] = make().catch((err: unknown) => {
      delete g[key];
      throw err;
    });
  }
  return g[key] as Promise<T>;
}
