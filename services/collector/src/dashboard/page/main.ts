/**
 * The rollout-guard dashboard, a browser module the collector serves (bundled by scripts/build-dashboard.ts).
 * Everything it shows comes from the collector's API (/api/v1/…), read with the token the user gives
 * (sessionStorage, sent as `Authorization: Bearer`).
 */
import { ApiClient, sessionToken } from './api-client.ts';
import { Dashboard } from './dashboard.ts';
import { byId } from './dom.ts';
import { StatusBar } from './status-bar.ts';

const refreshSeconds = Math.max(1, Number(new URLSearchParams(location.search).get('refresh')) || 5);
const token = sessionToken();
const status = new StatusBar(token, refreshSeconds);
const dashboard = new Dashboard(new ApiClient(token), status, refreshSeconds * 1000);

byId('auth-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>('token-input');
  const value = input.value.trim();
  if (value === '') return;
  token.set(value);
  input.value = '';
  byId('auth').hidden = true;
  status.show('ok', 'Loading…');
  dashboard.schedule(0);
});
byId('token-forget').addEventListener('click', () => {
  token.forget();
  dashboard.schedule(0);
});
byId('token-button').addEventListener('click', () => {
  const auth = byId('auth');
  auth.hidden = !auth.hidden;
  if (!auth.hidden) byId('token-input').focus();
});
window.addEventListener('hashchange', () => dashboard.schedule(0));
dashboard.schedule(0);
