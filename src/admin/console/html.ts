/** Escapes text for HTML element content and quoted attribute values. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title: string, body: string, scripts: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · IM gateway console</title>
<link rel="stylesheet" href="assets/console.css">
<link rel="icon" href="assets/icon.svg" type="image/svg+xml">
${scripts}
</head>
<body>
${body}
</body>
</html>
`;

/** The sign-in page: a plain form (works without script), an error line when the last try failed. */
export function loginPage(error?: string): string {
  const problem = error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`;
  return page(
    'Sign in',
    `<main class="login">
<h1>IM gateway console</h1>
<form method="post" action="login">
<label for="token">Operator token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
${problem}
<button type="submit">Sign in</button>
</form>
</main>`,
    '',
  );
}

/** The application shell: every page is drawn by the bundled modules; no inline script or style. */
export function appShell(): string {
  return page(
    'Console',
    `<header class="top"><span class="brand">IM gateway</span><nav id="nav" aria-label="Pages"></nav><span id="who"></span>
<form method="post" action="logout" id="logout"><input type="hidden" name="csrf" id="logout-csrf"><button type="submit">Sign out</button></form></header>
<main id="main" tabindex="-1"><p>Loading…</p></main>`,
    '<script type="module" src="assets/main.js"></script>',
  );
}
