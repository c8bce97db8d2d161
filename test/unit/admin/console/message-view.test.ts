import { conversationLabel, messageParts, safeHref } from '../../../../src/admin/console/web/message-view';

describe('messageParts', () => {
  test('When a message has text, an image, a file and a location, then text stays text and the rest become labelled links', () => {
    const parts = messageParts({
      elements: [
        { kind: 'text', vendorType: 'TIMTextElem', text: 'hi <b>' },
        { kind: 'image', vendorType: 'TIMImageElem', images: [{ url: 'https://cos.example/a.jpg' }] },
        { kind: 'file', vendorType: 'TIMFileElem', url: 'https://cos.example/f.pdf', name: 'f.pdf' },
        { kind: 'location', vendorType: 'TIMLocationElem', latitude: 22.5, longitude: 114.1, description: 'Office' },
      ],
    });

    expect(parts[0]).toEqual({ kind: 'text', text: 'hi <b>' });
    expect(parts[1]).toEqual({ kind: 'link', label: 'Image', href: 'https://cos.example/a.jpg' });
    expect(parts[2]).toEqual({ kind: 'link', label: 'File: f.pdf', href: 'https://cos.example/f.pdf' });
    expect(parts[3]).toMatchObject({ kind: 'link', label: 'Location: Office (22.50000, 114.10000)' });
  });

  test('When a media URL is not a web URL, then it is shown as inert text, never as a link', () => {
    const parts = messageParts({ elements: [{ kind: 'file', vendorType: 'x', url: 'javascript:alert(1)', name: 'x' }] });

    expect(parts).toEqual([{ kind: 'note', text: '[File: x]' }]);
    expect(safeHref('data:text/html,hi')).toBeUndefined();
  });

  test('When the conversation is one-to-one or a group, then the label names the parties', () => {
    expect(conversationLabel({ conversation: 'one-to-one', from: 'alice', to: 'bob' })).toBe('alice → bob');
    expect(conversationLabel({ conversation: 'group', from: 'alice', groupId: 'g1' })).toBe('alice in group g1');
  });
});
