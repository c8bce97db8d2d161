import { get, setCsrf, type SessionInfo } from './api.js';
import { deadLettersPage } from './dead-letters.js';
import { fill, h, notice } from './dom.js';
import { eventPage } from './event.js';
import { gapsPage } from './gaps.js';
import { messagesPage } from './messages.js';
import { overviewPage } from './overview.js';
import { quarantinedPage, quarantinePage } from './quarantine.js';
import { replayPage } from './replay.js';
import { sinksPage } from './sinks.js';

const pages: [string, string][] = [['overview', 'Overview'], ['messages', 'Messages'], ['dead', 'Dead letters'], ['quarantine', 'Quarantine'], ['sinks', 'Sinks'], ['replay', 'Replay'], ['gaps', 'Gaps']];

/** The page for the current hash; returns what stops it (the overview's refresh). */
async function show(main: HTMLElement, session: SessionInfo): Promise<(() => void) | void> {
  const [first, a, b] = (location.hash.replace(/^#\/?/, '').split('?')[0] ?? '').split('/').map(decodeURIComponent);
  const page = first || 'overview';
  for (const link of document.querySelectorAll('#nav a')) link.toggleAttribute('aria-current', link.getAttribute('href') === `#/${page}`);
  switch (page) {
    case 'messages': return messagesPage(main, session);
    case 'event': return eventPage(main, session, a ?? '', b ?? '');
    case 'dead': return deadLettersPage(main, session);
    case 'quarantine': return a === undefined ? quarantinePage(main, session) : quarantinedPage(main, session, a, Number(b));
    case 'sinks': return sinksPage(main, session);
    case 'replay': return replayPage(main, session);
    case 'gaps': return gapsPage(main, session);
    default: return overviewPage(main, session);
  }
}

async function start(): Promise<void> {
  const main = document.getElementById('main') as HTMLElement;
  const session = await get<SessionInfo>('session');
  setCsrf(session.csrf);
  (document.getElementById('logout-csrf') as HTMLInputElement).value = session.csrf;
  fill(document.getElementById('who') as HTMLElement, `${session.name} (${session.role})`);
  fill(document.getElementById('nav') as HTMLElement, ...pages.map(([id, label]) => h('a', { href: `#/${id}` }, label)));
  document.body.dataset['role'] = session.role;
  let stop: (() => void) | void;
  const route = () => {
    stop?.();
    stop = undefined;
    show(main, session).then((s) => (stop = s), (error: Error) => fill(main, notice(error.message, 'error')));
  };
  window.addEventListener('hashchange', route);
  route();
}

void start();
