/** The console's stylesheet, served as `assets/console.css` (a file of its own: the CSP allows no inline style). */
export const consoleCss = `
:root { --fg: #1b1f24; --muted: #57606a; --bg: #fff; --line: #d0d7de; --accent: #0a58ca; --ok: #116329; --warn: #7d4e00; --bad: #a40e26; font-family: system-ui, sans-serif; color: var(--fg); background: var(--bg); }
body { margin: 0; line-height: 1.4; }
a { color: var(--accent); }
.top { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .5rem 1rem; border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; }
#nav { display: flex; flex-wrap: wrap; gap: .25rem .75rem; flex: 1; }
#nav a { text-decoration: none; padding: .25rem .1rem; }
#nav a[aria-current] { font-weight: 700; border-bottom: 2px solid var(--accent); }
#who { color: var(--muted); }
main { padding: 1rem; max-width: 1400px; }
h1 { font-size: 1.4rem; margin: .25rem 0 .75rem; }
h2 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
.login { max-width: 24rem; margin: 10vh auto; }
.login form, .filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; }
.login form { flex-direction: column; align-items: stretch; }
.field { display: flex; flex-direction: column; gap: .15rem; }
input, select, button { font: inherit; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 4px; }
button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
button.danger { background: var(--bad); border-color: var(--bad); }
:focus-visible { outline: 3px solid #ffbf47; outline-offset: 1px; }
.toolbar, .actions { display: flex; flex-wrap: wrap; gap: .5rem; margin: .75rem 0; }
.scroll { overflow-x: auto; margin: .75rem 0; }
table { border-collapse: collapse; min-width: 100%; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
.badge { display: inline-block; padding: .05rem .4rem; margin: .1rem; border-radius: 1rem; font-size: .85rem; border: 1px solid currentColor; }
.badge.ok { color: var(--ok); } .badge.warn { color: var(--warn); } .badge.bad { color: var(--bad); } .badge.muted, .muted { color: var(--muted); }
.notice { padding: .5rem .75rem; border-left: 4px solid var(--accent); background: #f6f8fa; }
.notice.warn { border-color: var(--warn); } .notice.error, .error { border-color: var(--bad); color: var(--bad); }
.summary { color: var(--muted); display: flex; flex-wrap: wrap; gap: 1rem; }
.message .who { color: var(--muted); font-size: .9rem; }
.message .body > * + * { margin-left: .4rem; }
.note { color: var(--muted); font-style: italic; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 1rem; }
.chart { margin: 0; } .chart svg { width: 100%; height: 120px; border: 1px solid var(--line); }
.chart .series { fill: none; stroke: var(--accent); stroke-width: 1.5; } .chart .axis { stroke: var(--line); }
.chart-scale { display: flex; justify-content: space-between; color: var(--muted); font-size: .8rem; }
pre.code { background: #f6f8fa; padding: .75rem; overflow: auto; max-height: 30rem; white-space: pre-wrap; word-break: break-all; }
pre.hex { white-space: pre; }
progress { width: 16rem; margin-right: .5rem; }
dialog { border: 1px solid var(--line); border-radius: 6px; max-width: 28rem; }
.settings { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: .5rem 1rem; }
.settings details { border: 1px solid var(--line); border-radius: 4px; padding: .35rem .6rem; } .settings summary { cursor: pointer; font-weight: 600; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem; margin: 0; } dt { color: var(--muted); } dd { margin: 0; word-break: break-all; }
@media (max-width: 600px) { main { padding: .5rem; } .top { padding: .5rem; } th, td { padding: .25rem; } }
`;

/** The tab icon (a browser asks for one; without it every page logs a 404). */
export const consoleIcon = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0a58ca"/><path d="M4 5h8M4 8h8M4 11h5" stroke="#fff" stroke-width="1.5"/></svg>';
