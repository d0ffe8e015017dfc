import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Transitions } from '../../../engine/models/transitions.js';

describe('Transitions', () => {
  it('matches a Map reference, across the scan/index switch and a restore', () => {
    fc.assert(
      fc.property(
        // Few sources, many targets: out-degrees pass the linear-scan limit.
        fc.array(fc.tuple(fc.nat(3), fc.nat(200)), { maxLength: 3000 }),
        (steps) => {
          const t = new Transitions();
          const ref = new Map<number, Map<number, number>>();
          for (const [a, b] of steps) {
            t.add(a, b);
            const m = ref.get(a) ?? new Map<number, number>();
            m.set(b, (m.get(b) ?? 0) + 1);
            ref.set(a, m);
          }
          const restored = Transitions.fromState(t.exportState());
          for (const model of [t, restored]) {
            for (const [a, m] of ref) {
              const succ = model.successors(a);
              expect(succ.length / 2).toBe(m.size);
              // Successors keep first-seen order, which the Map does too.
              expect(Array.from(succ).filter((_, i) => i % 2 === 0)).toEqual([...m.keys()]);
              for (const [b, c] of m) expect(model.count(a, b)).toBe(c);
              expect(model.outCount(a)).toBe([...m.values()].reduce((x, y) => x + y, 0));
            }
          }
          // Adding after a restore goes on exactly as without it.
          t.add(0, 7);
          restored.add(0, 7);
          expect(restored.count(0, 7)).toBe(t.count(0, 7));
          expect(restored.exportState()).toEqual(t.exportState());
        },
      ),
      { numRuns: 60 },
    );
  });
});
