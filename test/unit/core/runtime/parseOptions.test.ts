import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidOptionsError } from '../../../../core/runtime/errors.js';
import { parseOptions } from '../../../../core/runtime/parseOptions.js';

const schema = z.object({
  lingerMs: z.number().min(0).default(15),
  maxBatchSize: z.int().min(1).max(10).default(10),
  tables: z.object({ messages: z.string().min(3) }).optional(),
});

describe('parseOptions', () => {
  it('returns the parsed options with their defaults', () => {
    expect(parseOptions(schema, { lingerMs: 5 }, 'event publisher')).toEqual({
      lingerMs: 5,
      maxBatchSize: 10,
    });
  });

  it('throws a TypeError that names every bad field, nested ones by their path', () => {
    const attempt = () =>
      parseOptions(schema, { lingerMs: -1, maxBatchSize: 11, tables: { messages: 'm' } }, 'event publisher');
    expect(attempt).toThrow(TypeError);
    expect(attempt).toThrow(InvalidOptionsError);
    let error: InvalidOptionsError | undefined;
    try {
      attempt();
    } catch (caught) {
      error = caught as InvalidOptionsError;
    }
    expect(error?.errors.map((e) => e.field)).toEqual(['lingerMs', 'maxBatchSize', 'tables.messages']);
    expect(error?.message).toMatch(/^invalid event publisher options:\n {2}- lingerMs: /);
    expect(error?.message).toContain('\n  - tables.messages: ');
    expect(error?.cause).toBeInstanceOf(z.ZodError);
  });

  it("throws the module's own error when given one", () => {
    class LeaseOptionsError extends Error {}
    expect(() =>
      parseOptions(
        schema,
        { lingerMs: 'soon' },
        'lease manager',
        (errors) => new LeaseOptionsError(errors[0]?.field),
      ),
    ).toThrow(new LeaseOptionsError('lingerMs'));
  });
});
