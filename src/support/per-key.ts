/**
 * Memoizes an async factory per key (e.g. one Octokit per installation): concurrent callers
 * share one creation; a failed creation is forgotten, so the next call tries again. At most
 * `max` keys are kept, the least recently used dropped first.
 */
export function perKey<K, V>(create: (key: K) => Promise<V>, max = 1000): (key: K) => Promise<V> {
  const cache = new Map<K, Promise<V>>();
  return (key) => {
    const cached = cache.get(key);
    if (cached !== undefined) {
      cache.delete(key);
      cache.set(key, cached);
      return cached;
    }
    const created = create(key);
    cache.set(key, created);
    created.catch(() => {
      if (cache.get(key) === created) cache.delete(key);
    });
    if (cache.size > max) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    return created;
  };
}
