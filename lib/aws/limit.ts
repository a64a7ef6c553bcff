// Bounded concurrency: a semaphore shared by everything that must not exceed N calls in flight.

export type TLimiter = <T>(fn: () => Promise<T>) => Promise<T>;

export function createLimiter(max: number): TLimiter {
  let active = 0;
  const waiting: (() => void)[] = [];
  // A finishing task hands its slot straight to the next waiter, so a newcomer cannot slip in between.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return async (fn) => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      release();
    }
  };
}

/** Maps items with at most `max` promises in flight; results keep the input order. */
export async function mapConcurrent<T, R>(items: readonly T[], max: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const limit = createLimiter(max);
  return Promise.all(items.map((item) => limit(() => fn(item))));
}
