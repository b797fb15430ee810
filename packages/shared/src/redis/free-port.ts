import getPort from 'get-port';

/** A loopback port free a moment ago. Another process may take it first: callers retry or accept that. */
export function freePort(): Promise<number> {
  return getPort({ host: '127.0.0.1' });
}
