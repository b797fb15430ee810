// What ioredis (and Redis itself) say when Redis cannot answer now but may shortly: disconnected
// with the offline queue off, a command past its timeout, retries spent, a cluster or replica in
// transition. A request that meets one should be retried (503), not reported as a bug (500).
const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
const UNAVAILABLE_MESSAGE =
  /Stream isn't writeable|Connection is closed|Command timed out|Cluster isn't ready|None of startup nodes|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/;

/** Whether an error means Redis is away or busy for now (retry later), not that the request is wrong. */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return UNAVAILABLE_NAMES.has(error.name) || UNAVAILABLE_MESSAGE.test(error.message);
}
