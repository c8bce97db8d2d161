import type { EventAttributes } from '../events/event';

/**
 * Fills `{attribute}` placeholders from event attributes, e.g. `im.{vendor}.{command}` →
 * `im.tencent.C2C.CallbackAfterSendMsg`. Values are reduced to `[A-Za-z0-9_-]` (dots also kept for
 * `command` and `type`, which are dotted names) so a user id can never inject a subject or key token.
 * A missing attribute becomes `_`.
 */
export function renderTemplate(template: string, attributes: EventAttributes): string {
  return template.replace(/\{([a-z0-9]+)\}/g, (_match, name: string) => {
    const value = attributes[name];
    if (value === undefined || value === '') return '_';
    const allowed = name === 'command' || name === 'type' ? /[^A-Za-z0-9_.-]/g : /[^A-Za-z0-9_-]/g;
    return String(value).replace(allowed, '_');
  });
}
