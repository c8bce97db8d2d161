import { createCircuitBreaker } from '../../../src/pipeline/circuit-breaker';

describe('createCircuitBreaker', () => {
  test('When failures reach the threshold, then it opens for openMs, probes once half-open, and closes on success', () => {
    const clock = { now: 1000 };
    const circuit = createCircuitBreaker({ failureThreshold: 3, openMs: 500 }, () => clock.now);

    const changes = [circuit.record(false), circuit.record(false), circuit.record(false)];
    const waitWhileOpen = circuit.waitMs();
    clock.now += 500;
    const waitAfter = circuit.waitMs();
    const probing = circuit.probing;
    const closed = circuit.record(true);

    expect(changes).toEqual([undefined, undefined, 'opened']);
    expect(waitWhileOpen).toBe(500);
    expect(waitAfter).toBe(0);
    expect(probing).toBe(true);
    expect(closed).toBe('closed');
    expect(circuit.open).toBe(false);
  });

  test('When the half-open probe fails, then it opens again at once', () => {
    const clock = { now: 0 };
    const circuit = createCircuitBreaker({ failureThreshold: 1, openMs: 100 }, () => clock.now);
    circuit.record(false);
    clock.now = 100;
    circuit.waitMs();

    circuit.record(false);

    expect(circuit.open).toBe(true);
    expect(circuit.waitMs()).toBe(100);
  });

  test('When the threshold is 0, then it never opens', () => {
    const circuit = createCircuitBreaker({ failureThreshold: 0, openMs: 100 }, () => 0);

    for (let i = 0; i < 50; i++) circuit.record(false);

    expect(circuit.open).toBe(false);
    expect(circuit.waitMs()).toBe(0);
  });

  test('When a success comes between failures, then the count starts again', () => {
    const circuit = createCircuitBreaker({ failureThreshold: 2, openMs: 100 }, () => 0);

    circuit.record(false);
    circuit.record(true);
    circuit.record(false);

    expect(circuit.open).toBe(false);
  });
});
