import { h } from './dom.js';

/** A labelled input; its id is `f-<name>` so labels and tests can find it. */
export function field(label: string, name: string, value = '', type = 'text', options?: readonly string[]): HTMLElement {
  const id = `f-${name}`;
  const control = options
    ? h('select', { id, name }, h('option', { value: '' }, 'any'), ...options.map((o) => h('option', { value: o, selected: o === value }, o)))
    : h('input', { id, name, type, value });
  return h('div', { class: 'field' }, h('label', { for: id }, label), control);
}

/** A filter form: on submit, `onSubmit` gets the non-empty values. */
export function filterForm(label: string, fields: readonly HTMLElement[], submit: string, onSubmit: (values: Record<string, string>) => void): HTMLFormElement {
  const form = h('form', { class: 'filters', 'aria-label': label }, ...fields, h('button', { type: 'submit' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values: Record<string, string> = {};
    for (const [key, value] of new FormData(form)) if (typeof value === 'string' && value !== '') values[key] = value;
    onSubmit(values);
  });
  return form;
}

/** The page's query (after `?` in the hash). */
export function hashQuery(): Record<string, string> {
  const query = location.hash.split('?')[1] ?? '';
  return Object.fromEntries(new URLSearchParams(query));
}

export function setHashQuery(page: string, values: Record<string, string>): void {
  const text = new URLSearchParams(values).toString();
  location.hash = `#/${page}${text ? `?${text}` : ''}`;
}
