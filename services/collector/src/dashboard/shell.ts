import { html } from '../api/html.ts';

/**
 * The dashboard's page: structure only, no rollout data (its script fetches that with the user's token),
 * so it is served to anyone who reaches the collector.
 */
export function dashboardShell(): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rollout-guard</title>
<link rel="stylesheet" href="/dashboard/uplot.css">
<link rel="stylesheet" href="/dashboard/dashboard.css">
<script type="module" src="/dashboard/dashboard.js"></script>
</head>
<body>
<header class="top">
  <a class="brand" href="#/">rollout-guard</a>
  <span id="status" class="status" role="status" aria-live="polite">Loading…</span>
  <nav>
    <a href="/api/v1/docs">API reference</a>
    <button type="button" id="token-button">Token</button>
  </nav>
</header>
<section id="auth" class="auth" hidden>
  <form id="auth-form">
    <p id="auth-message">This collector needs a token with the <code>read</code> scope.</p>
    <label>Bearer token <input id="token-input" type="password" autocomplete="off" spellcheck="false" required></label>
    <button type="submit">Use token</button>
    <button type="button" id="token-forget">Forget token</button>
    <p class="muted">Kept in this browser tab only (sessionStorage) and sent as <code>Authorization: Bearer</code> to this collector's API.</p>
  </form>
</section>
<main id="view"></main>
<noscript><p>The dashboard needs JavaScript. The same data is in the API: <a href="/api/v1/docs">/api/v1/docs</a>.</p></noscript>
</body>
</html>
`.text;
}
