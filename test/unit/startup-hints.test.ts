import { nodeTooOld } from '../../src/startup-hints';

describe('nodeTooOld', () => {
  test('When Node has no node:sqlite (20, 22.12), then the hint names this Node, the oldest one supported and what to install', () => {
    for (const version of ['20.20.2', '22.12.0']) {
      const hint = nodeTooOld(version);

      expect(hint).toContain(`this Node (${version}) is too old`);
      expect(hint).toContain('22.16.0');
      expect(hint).toContain('Install Node 24');
      expect(hint).toContain('Troubleshooting');
    }
  });

  test('When a 22.x before 22.16 lacks node:sqlite methods the spool calls, then it is too old as well', () => {
    expect(nodeTooOld('22.15.1')).toContain('this Node (22.15.1) is too old');
  });

  test('When Node is 22.16 or later, then there is no hint', () => {
    for (const version of ['22.16.0', '22.23.3', '24.21.0', '26.0.0']) expect(nodeTooOld(version)).toBeUndefined();
  });
});
