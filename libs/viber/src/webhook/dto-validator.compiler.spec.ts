import 'reflect-metadata';
import {
  Allow,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
  ValidatePromise,
  getMetadataStorage,
  registerDecorator,
  validateSync,
  type ValidationArguments,
} from 'class-validator';
import fc from 'fast-check';
import { ValidateNestedDto, type DtoClass } from './dto/validate-nested-dto.decorator';
import { ViberMessageCallbackDto } from './dto/viber-callback.dto';
import {
  DTO_VALIDATOR_OPTIONS,
  compileDtoValidator,
  hydrateDto,
  isValidDto,
} from './dto-validator.compiler';

type Rec = Record<string, unknown>;

/** A value as the parser gives it to the validators: a fresh copy, hydrated. */
function hydrated(dto: DtoClass, value: Rec): Rec {
  // (Not structuredClone: under jest it makes objects of another realm, never plain here.)
  const copy = JSON.parse(JSON.stringify(value)) as Rec;
  expect(hydrateDto(copy, dto)).toBeUndefined();
  return copy;
}

const slow = (value: object): boolean => validateSync(value, DTO_VALIDATOR_OPTIONS).length === 0;

/** The compiled check answers as validateSync, for each value. */
function expectAgreement(dto: DtoClass, values: readonly Rec[]): void {
  for (const value of values) {
    const object = hydrated(dto, value);
    expect({ value, valid: compileDtoValidator(dto).check(object) }).toEqual({
      value,
      valid: slow(object),
    });
  }
}

function CustomConstraint(
  name: string,
  validate: (value: unknown, args?: ValidationArguments) => boolean | Promise<boolean>,
  options: { async?: boolean; constraints?: unknown[] } = {},
): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      async: options.async,
      constraints: options.constraints,
      validator: { validate },
    });
}

describe('compileDtoValidator', () => {
  it('enforces a field added to a DTO with no other edit (plain and nested)', () => {
    class ViberGift {
      @IsString()
      @IsNotEmpty()
      sku!: string;

      @IsOptional()
      @IsInt()
      @Min(1)
      amount?: number;
    }
    // What a new Viber field takes: the field on the DTO, nothing else.
    class ViberMessageWithGiftDto extends ViberMessageCallbackDto {
      @IsOptional()
      @IsString()
      campaign?: string;

      @IsDefined()
      @IsObject()
      @ValidateNestedDto(() => ViberGift)
      gift!: ViberGift;
    }
    const valid = {
      event: 'message',
      timestamp: 1,
      message_token: '1',
      sender: { id: 'u' },
      message: { type: 'text', text: 'hi' },
      gift: { sku: 'rose', amount: 2 },
    };
    const check = (value: Rec): boolean =>
      compileDtoValidator(ViberMessageWithGiftDto).check(hydrated(ViberMessageWithGiftDto, value));

    expect(compileDtoValidator(ViberMessageWithGiftDto).fallback).toBeUndefined();
    expect(compileDtoValidator(ViberMessageWithGiftDto).nested).toContainEqual({
      property: 'gift',
      dto: ViberGift,
    });
    expect(check(valid)).toBe(true);
    expect(check({ ...valid, campaign: 'spring' })).toBe(true);
    expect(check({ ...valid, campaign: 7 })).toBe(false);
    expect(check({ ...valid, gift: undefined })).toBe(false);
    expect(check({ ...valid, gift: 'rose' })).toBe(false);
    expect(check({ ...valid, gift: { sku: '' } })).toBe(false);
    expect(check({ ...valid, gift: { sku: 'rose', amount: 0 } })).toBe(false);
    // The inherited rules still hold.
    expect(check({ ...valid, sender: { id: '' } })).toBe(false);
    expect(check({ ...valid, message: { type: 'location' } })).toBe(false);
    // And class-validator agrees on all of it.
    expectAgreement(ViberMessageWithGiftDto, [
      valid,
      { ...valid, campaign: 7 },
      { ...valid, gift: { sku: '' } },
      { ...valid, gift: { sku: 'rose', amount: 0 } },
    ]);
  });

  it('compiles once per class and reads no metadata when checking', () => {
    class Once {
      @IsString()
      a!: string;
    }
    const compiled = compileDtoValidator(Once);
    expect(compileDtoValidator(Once)).toBe(compiled);
    const storage = getMetadataStorage();
    const lookups = jest.spyOn(storage, 'getTargetValidationMetadatas');
    const constraints = jest.spyOn(storage, 'getTargetValidatorConstraints');
    try {
      expect(compiled.check(hydrated(Once, { a: 'x' }))).toBe(true);
      expect(compiled.check(hydrated(Once, { a: 1 }))).toBe(false);
      expect(lookups).not.toHaveBeenCalled();
      expect(constraints).not.toHaveBeenCalled();
    } finally {
      lookups.mockRestore();
      constraints.mockRestore();
    }
  });

  it('answers as validateSync for every supported constraint, on any value', () => {
    class Leaf {
      @IsString()
      @Matches(/^[a-z]+$/)
      name!: string;
    }
    class Everything {
      @IsDefined()
      @IsString()
      @IsNotEmpty()
      @Matches('^B', 'i')
      s!: string;

      @IsOptional()
      @IsInt()
      @Min(-3)
      @Max(3)
      i?: number;

      @IsOptional()
      @IsNumber({ allowNaN: true, allowInfinity: false })
      n?: number;

      @IsOptional()
      @IsBoolean()
      b?: boolean;

      @IsOptional()
      @IsIn(['a', 1, null, NaN])
      e?: unknown;

      @IsOptional()
      @IsArray()
      @IsString({ each: true })
      tags?: string[];

      @ValidateIf((o: Everything) => o.b === true)
      @IsObject()
      @ValidateNestedDto(() => Leaf)
      leaf?: Leaf;

      @IsOptional()
      @ValidateNestedDto(() => Leaf, { each: true })
      leaves?: Leaf[];

      @IsOptional()
      @CustomConstraint(
        'evenLength',
        (value) => typeof value === 'string' && value.length % 2 === 0,
      )
      even?: string;

      @IsNotEmpty({ each: true })
      @IsOptional()
      filled?: unknown;

      @Allow()
      anything?: unknown;
    }
    expect(compileDtoValidator(Everything).fallback).toBeUndefined();
    const value = fc.oneof(
      fc.anything({
        maxDepth: 2,
        withBoxedValues: true,
        withMap: true,
        withSet: true,
        withBigInt: true,
        withNullPrototype: true,
        withObjectString: true,
      }),
      fc.constantFrom('b', 'B', 'abc', '', 'ab', -3, 3, 4, 2.5, NaN, Infinity, 'a', 1, null),
      fc.constantFrom({ name: 'x' }, { name: 'X' }, [{ name: 'x' }], [{ name: 'x' }, 1], []),
      fc.constantFrom(['a'], ['a', 2], new Set(['a']), new Map([[1, 'a']]), [''], new Set([''])),
    );
    const keys = ['s', 'i', 'n', 'b', 'e', 'tags', 'leaf', 'leaves', 'even', 'filled', 'anything'];
    let valid = 0;
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: keys.length }),
        fc.boolean(),
        (fields, withValidString) => {
          const object = Object.assign(Object.create(Everything.prototype) as Rec, fields);
          if (withValidString) object.s = 'b';
          for (const key of ['leaf', 'leaves']) {
            const nested = object[key];
            if (Array.isArray(nested) || (typeof nested === 'object' && nested !== null)) {
              object[key] = copyPlain(nested);
              hydrateDto(object[key], Leaf);
            }
          }
          const expected = outcome(() => slow(object));
          if (expected === true) valid++;
          const compiled = outcome(() => compileDtoValidator(Everything).check(object));
          // Where validateSync throws (a Map with an undefined key), false or a throw will do.
          if (expected === 'throws') expect([false, 'throws']).toContain(compiled);
          else expect(compiled).toBe(expected);
          expect(outcome(() => isValidDto(object))).toBe(compiled);
        },
      ),
      { numRuns: 5_000 },
    );
    expect(valid).toBeGreaterThan(50);
  });

  it('passes a custom constraint the arguments class-validator passes', () => {
    const seen: ValidationArguments[] = [];
    class WithCustom {
      @CustomConstraint('recorded', (_value, args) => (seen.push(args!), true), {
        constraints: [42],
      })
      field!: string;
    }
    const object = hydrated(WithCustom, { field: 'v' });
    slow(object);
    compileDtoValidator(WithCustom).check(object);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[1]).toEqual({
      targetName: 'WithCustom',
      property: 'field',
      object,
      value: 'v',
      constraints: [42],
    });
  });

  it('calls a custom constraint that reuses a built-in name through its own validate', () => {
    class Impostor {
      @CustomConstraint('isString', (value) => value === 'only this')
      field!: string;
    }
    expect(compileDtoValidator(Impostor).fallback).toBeUndefined();
    expectAgreement(Impostor, [{ field: 'only this' }, { field: 'other' }, { field: 1 }]);
    expect(compileDtoValidator(Impostor).check(hydrated(Impostor, { field: 'other' }))).toBe(false);
  });

  describe('falls back to validateSync for what it does not understand', () => {
    class Inner {
      @IsString()
      x!: string;
    }
    class WithPromise {
      @ValidatePromise()
      @IsString()
      p!: string;

      @IsInt()
      n!: number;
    }
    class WithAsync {
      @CustomConstraint('slowCheck', () => Promise.resolve(false), { async: true })
      a?: string;

      @IsInt()
      n!: number;
    }
    class WithUntypedNested {
      @IsObject()
      @ValidateNested()
      inner!: Inner;

      @IsInt()
      n!: number;
    }
    class WithUnknownType {
      @IsInt()
      n!: number;
    }
    getMetadataStorage().addValidationMetadata({
      type: 'someFutureType',
      target: WithUnknownType,
      propertyName: 'n',
      groups: [],
      each: false,
      context: undefined,
    } as unknown as Parameters<ReturnType<typeof getMetadataStorage>['addValidationMetadata']>[0]);

    it.each([
      [WithPromise, 'WithPromise.p: promiseValidation is not supported'],
      [WithAsync, 'WithAsync.a: slowCheck is async'],
      [WithUntypedNested, 'WithUntypedNested.inner: @ValidateNested without a class'],
      [WithUnknownType, 'WithUnknownType.n: someFutureType is not supported'],
    ] as const)('%p', (dto, reason) => {
      const compiled = compileDtoValidator(dto);
      expect(compiled.fallback).toContain(reason);
      // Never a silent accept: the check is validateSync's answer, rule by rule.
      expect(compiled.check(hydrated(dto, { n: 'not an int', p: 'a', inner: { x: 'a' } }))).toBe(
        false,
      );
      expectAgreement(dto, [
        { n: 1, p: 'a', a: 'a', inner: { x: 'a' } },
        { n: 1.5, p: 'a', a: 'a', inner: { x: 'a' } },
        { n: 1, p: 3, inner: 'x' },
      ]);
    });

    it('runs validateSync itself when falling back', () => {
      const storage = getMetadataStorage();
      const lookups = jest.spyOn(storage, 'getTargetValidationMetadatas');
      try {
        compileDtoValidator(WithPromise).check(hydrated(WithPromise, { p: 'a', n: 1 }));
        expect(lookups).toHaveBeenCalled();
      } finally {
        lookups.mockRestore();
      }
    });
  });

  it('follows class-validator on inherited, overridden and grouped rules', () => {
    class Base {
      @IsString()
      a!: string;

      @IsInt()
      b!: number;

      @IsOptional()
      @IsInt({ groups: ['strict'] })
      g?: number;

      @IsOptional()
      @IsBoolean({ always: true })
      always?: boolean;
    }
    class Child extends Base {
      // Same property and type as a base rule: class-validator keeps only the child's.
      @IsString()
      override b: number = 0;

      @IsOptional()
      @Max(0)
      c?: number;
    }
    expectAgreement(Child, [
      { a: 'x', b: 's' },
      { a: 'x', b: 1 },
      { a: 1, b: 's' },
      { a: 'x', b: 's', g: 'no' },
      { a: 'x', b: 's', always: 'no' },
      { a: 'x', b: 's', c: 1 },
      { a: 'x', b: 's', c: -1 },
    ]);
    expectAgreement(Base, [
      { a: 'x', b: 1 },
      { a: 'x', b: 's' },
      { a: 'x', b: 1, g: 1.5 },
    ]);
  });

  it('refuses what forbidUnknownValues refuses: no rules, or a nested object without its class', () => {
    class NoRules {}
    class Holder {
      @ValidateNestedDto(() => NoRules)
      inner?: unknown;
    }
    expect(compileDtoValidator(NoRules).check(new NoRules())).toBe(false);
    expect(slow(new NoRules())).toBe(false);
    // A nested plain object the parser did not give a class to.
    const holder = Object.assign(new Holder(), { inner: { x: 1 } });
    expect(compileDtoValidator(Holder).check(holder)).toBe(false);
    expect(slow(holder)).toBe(false);
    expect(isValidDto({})).toBe(false);
  });

  it('gives nested objects and array items their class, and reports an own constructor key', () => {
    class Item {
      @IsString()
      id!: string;
    }
    class Box {
      @ValidateNestedDto(() => Item)
      one!: Item;

      @ValidateNestedDto(() => Item, { each: true })
      many!: Item[];
    }
    const box: Rec = { one: { id: 'a' }, many: [{ id: 'b' }, [{ id: 'c' }]], other: { id: 1 } };
    expect(hydrateDto(box, Box)).toBeUndefined();
    expect(box).toBeInstanceOf(Box);
    expect(box.one).toBeInstanceOf(Item);
    expect((box.many as unknown[])[0]).toBeInstanceOf(Item);
    expect(((box.many as unknown[])[1] as unknown[])[0]).toBeInstanceOf(Item);
    expect(Object.getPrototypeOf(box.other)).toBe(Object.prototype);
    expect(compileDtoValidator(Box).check(box)).toBe(true);
    expect(slow(box)).toBe(true);

    expect(hydrateDto({ constructor: 1 }, Box)).toBe('');
    expect(hydrateDto({ one: { constructor: 1 } }, Box)).toBe('one');
    expect(hydrateDto({ many: [{}, { constructor: 1 }] }, Box)).toBe('many.1');
    expect(hydrateDto({ many: [[{}], [[{}, { constructor: 1 }]]] }, Box)).toBe('many.1.0.1');

    // Deeply nested arrays (a hostile body) are walked without overflowing the call stack.
    let deep: unknown = [{ id: 'd' }];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(hydrateDto({ many: deep }, Box)).toBeUndefined();
  });
});

function outcome(run: () => boolean): boolean | 'throws' {
  try {
    return run();
  } catch {
    return 'throws';
  }
}

/** A deep copy of arrays and plain objects (the generated constants are shared between runs). */
function copyPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyPlain);
  if (typeof value !== 'object' || value === null) return value;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyPlain(v)]));
}
