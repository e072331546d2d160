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
  isIn,
  isString,
  matches,
  min,
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
  options: { async?: boolean; constraints?: unknown[]; each?: boolean } = {},
): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      async: options.async,
      constraints: options.constraints,
      options: { each: options.each },
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

describe('compileDtoValidator: what the compiled shortcuts must not change', () => {
  type Metadata = Parameters<ReturnType<typeof getMetadataStorage>['addValidationMetadata']>[0];
  const storage = getMetadataStorage();
  const rulesOf = (dto: DtoClass): Metadata[] =>
    storage.getTargetValidationMetadatas(dto, undefined as unknown as string, false, false);
  const instance = (dto: DtoClass, fields: Rec): Rec =>
    Object.assign(Object.create(dto.prototype as object) as Rec, fields);
  /** A rule written straight into class-validator's storage, as its decorators do. */
  function addRule(target: DtoClass, rule: Partial<Metadata> & Pick<Metadata, 'type'>): void {
    storage.addValidationMetadata({
      target,
      propertyName: 'x',
      groups: [],
      each: false,
      context: undefined,
      ...rule,
    } as unknown as Metadata);
  }
  /** The compiled check on `fields`, and validateSync's answer: both, or the throw. */
  function answers(dto: DtoClass, fields: Rec): { compiled: unknown; slow: unknown } {
    const object = instance(dto, fields);
    return {
      compiled: outcome(() => compileDtoValidator(dto).check(object)),
      slow: outcome(() => slow(object)),
    };
  }

  it('runs class-validator built-ins itself: no constraint validate is called when checking', () => {
    class Builtins {
      @IsDefined() @IsString() @IsNotEmpty() @Matches('^B', 'i') @Matches(/^b+$/i) s!: string;
      @IsInt() @Min(-3) @Max(3) i!: number;
      @IsNumber({ allowNaN: true }) n!: number;
      @IsBoolean() b!: boolean;
      @IsObject() o!: object;
      @IsArray() @IsIn(['a', 1, NaN], { each: true }) a!: unknown[];
      @IsIn(['x', NaN]) e!: unknown;
      @IsString({ each: true }) tags!: string[];
    }
    const validates = rulesOf(Builtins).flatMap((rule) =>
      storage
        .getTargetValidatorConstraints(rule.constraintCls)
        .map((constraint) => jest.spyOn(constraint.instance, 'validate')),
    );
    expect(validates).toHaveLength(15); // one per decorator
    try {
      const compiled = compileDtoValidator(Builtins);
      for (const spy of validates) spy.mockClear();
      const valid = { s: 'bB', i: 3, n: NaN, b: false, o: {}, a: ['a', 1], e: 'x', tags: ['t'] };
      expect(compiled.check(instance(Builtins, valid))).toBe(true);
      for (const [key, value] of [
        ['s', 'b1'],
        ['s', 'ab'],
        ['s', ''],
        ['i', 4],
        ['i', -4],
        ['i', 1.5],
        ['n', '1'],
        ['b', 0],
        ['o', null],
        ['a', ['b']],
        ['a', [NaN]],
        ['a', 'a'],
        ['e', NaN],
        ['e', 'y'],
        ['tags', ['t', 1]],
        ['tags', new Set([2])],
      ] as const) {
        expect({
          key,
          value,
          valid: compiled.check(instance(Builtins, { ...valid, [key]: value })),
        }).toEqual({ key, value, valid: false });
      }
      for (const spy of validates) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of validates) spy.mockRestore();
    }
  });

  /** A constraint registered under a built-in's name that answers as the built-in except where `differs`. */
  function impostor(
    name: string,
    builtIn: (value: unknown, constraints: unknown[]) => boolean,
    differs: (value: unknown) => boolean,
    constraints: unknown[] = [],
  ): DtoClass {
    class Impostor {
      x?: unknown;
    }
    registerDecorator({
      name,
      target: Impostor,
      propertyName: 'x',
      constraints,
      validator: {
        validate: (value: unknown) => builtIn(value, constraints) !== differs(value),
      },
    });
    return Impostor;
  }
  const asString = (value: unknown): boolean => isString(value); // the built-in itself
  const boxed = (type: new (v: never) => object, of: unknown) => (value: unknown) =>
    value instanceof type && Object.is(value.valueOf(), of);
  const sameJson = (of: unknown) => (value: unknown) =>
    typeof value === 'object' && value !== null && JSON.stringify(value) === JSON.stringify(of);

  // One case per probe: a look-alike that differs on that value alone must be told apart.
  it.each<[string, unknown, (value: unknown) => boolean]>([
    ['undefined', undefined, (v) => v === undefined],
    ['null', null, (v) => v === null],
    ['true', true, (v) => v === true],
    ['false', false, (v) => v === false],
    ['0', 0, (v) => Object.is(v, 0)],
    ['-0', -0, (v) => Object.is(v, -0)],
    ['1', 1, (v) => v === 1],
    ['-1', -1, (v) => v === -1],
    ['0.5', 0.5, (v) => v === 0.5],
    ['-90', -90, (v) => v === -90],
    ['90', 90, (v) => v === 90],
    ['-180', -180, (v) => v === -180],
    ['180', 180, (v) => v === 180],
    ['2 ** 53 + 2', 2 ** 53 + 2, (v) => v === 2 ** 53 + 2],
    ['NaN', NaN, (v) => Number.isNaN(v)],
    ['Infinity', Infinity, (v) => v === Infinity],
    ['-Infinity', -Infinity, (v) => v === -Infinity],
    ['10n', 10n, (v) => v === 10n],
    ['""', '', (v) => v === ''],
    ['" "', ' ', (v) => v === ' '],
    ['"a"', 'a', (v) => v === 'a'],
    ['"0"', '0', (v) => v === '0'],
    ['"1"', '1', (v) => v === '1'],
    ['"-1"', '-1', (v) => v === '-1'],
    ['"1.5"', '1.5', (v) => v === '1.5'],
    ['25 nines', '9'.repeat(25), (v) => v === '9'.repeat(25)],
    ['"text"', 'text', (v) => v === 'text'],
    ['[]', [], sameJson([])],
    ['[1]', [1], sameJson([1])],
    ['["a"]', ['a'], sameJson(['a'])],
    ['{}', {}, (v) => sameJson({})(v) && !Array.isArray(v)],
    ['{ a: 1 }', { a: 1 }, sameJson({ a: 1 })],
    ['new String("a")', new String('a'), boxed(String, 'a')],
    ['new String("")', new String(''), boxed(String, '')],
    ['new Boolean(false)', new Boolean(false), boxed(Boolean, false)],
    ['new Number(1)', new Number(1), boxed(Number, 1)],
    ['a symbol', Symbol('other'), (v) => typeof v === 'symbol'],
    ['() => true', () => true, (v) => typeof v === 'function' && (v as () => unknown)() === true],
  ])(
    'tells a look-alike of isString that differs on %s from the built-in',
    (_name, value, differs) => {
      const dto = impostor('isString', asString, differs);
      expect(answers(dto, { x: value })).toEqual({
        compiled: !asString(value),
        slow: !asString(value),
      });
    },
  );

  it('also probes a look-alike on its own arguments and the numbers next to them', () => {
    const inList = impostor(
      'isIn',
      (v, [list]) => isIn(v, list as unknown[]),
      (v) => v === 'zz',
      [['zz']],
    );
    expect(answers(inList, { x: 'zz' })).toEqual({ compiled: false, slow: false });
    for (const at of [4, 5, 6]) {
      const atLeast = impostor(
        'min',
        (v, [bound]) => min(v, bound as number),
        (v) => v === at,
        [5],
      );
      expect({ at, ...answers(atLeast, { x: at }) }).toEqual({
        at,
        compiled: at < 5,
        slow: at < 5,
      });
    }
    const pattern = impostor(
      'matches',
      (v, [p]) => matches(v as string, new RegExp(p as string)),
      (v) => v === '^z+$',
      ['^z+$'],
    );
    expect(answers(pattern, { x: '^z+$' })).toEqual({ compiled: true, slow: true });
  });

  it('tells apart a look-alike that throws on a probe (its answer there is a throw)', () => {
    const dto = impostor('isString', asString, (v) => {
      if (v === 'text') throw new Error('not this one');
      return false;
    });
    const { compiled, slow: expected } = answers(dto, { x: 'text' });
    expect(expected).toBe('throws');
    expect([false, 'throws']).toContain(compiled);
  });

  it('never runs a sticky pattern while compiling (its lastIndex is state)', () => {
    const sticky = /b/y;
    const exec = jest.spyOn(sticky, 'exec');
    class Sticky {
      @Matches(sticky)
      x!: string;
    }
    compileDtoValidator(Sticky);
    expect(exec).not.toHaveBeenCalled();
    // Its first run, after compiling, starts at the beginning: 'b' matches.
    expect(compileDtoValidator(Sticky).check(instance(Sticky, { x: 'b' }))).toBe(true);
  });

  it("uses @IsOptional's own condition only through the compiled one", () => {
    class Optional {
      @IsOptional()
      @IsInt()
      x?: number;
    }
    const rule = rulesOf(Optional).find((r) => r.type === 'conditionalValidation')!;
    const own = rule.constraints[0] as (object: object, value: unknown) => boolean;
    const condition = jest.fn(own);
    rule.constraints[0] = condition;
    const compiled = compileDtoValidator(Optional);
    condition.mockClear();
    const verdicts = [undefined, null, 1, '1', 0, ''].map((x) =>
      compiled.check(instance(Optional, { x })),
    );
    expect(verdicts).toEqual([true, true, true, false, true, false]);
    expect(condition).not.toHaveBeenCalled();
  });

  it("keeps a condition that is not @IsOptional's, even under its name or agreeing on every probe", () => {
    class EmptyIsOptional {
      @IsInt()
      x?: unknown;
    }
    addRule(EmptyIsOptional, {
      type: 'conditionalValidation',
      name: 'isOptional',
      constraints: [(_o: object, v: unknown) => v !== null && v !== undefined && v !== ''],
    });
    expect(answers(EmptyIsOptional, { x: '' })).toEqual({ compiled: true, slow: true });
    class ThrowingIsOptional {
      @IsString()
      x?: unknown;
    }
    addRule(ThrowingIsOptional, {
      type: 'conditionalValidation',
      name: 'isOptional',
      constraints: [
        (_o: object, v: unknown) => {
          if (v === 'text') throw new Error('not this one');
          return v !== null && v !== undefined;
        },
      ],
    });
    const thrown = answers(ThrowingIsOptional, { x: 'text' });
    expect(thrown.slow).toBe('throws');
    expect([false, 'throws']).toContain(thrown.compiled);
    class AlmostOptional {
      @ValidateIf((_o: object, v: unknown) => v !== null && v !== undefined && v !== 'zzz')
      @IsInt()
      x?: unknown;
    }
    expect(answers(AlmostOptional, { x: 'zzz' })).toEqual({ compiled: true, slow: true });
    expect(answers(AlmostOptional, { x: 'zz' })).toEqual({ compiled: false, slow: false });
  });

  it('runs every condition of a property, any false (or falsy) one skipping it', () => {
    const calls: string[] = [];
    class Twice {
      @IsOptional()
      @ValidateIf((o: Twice) => (calls.push('flag'), o.flag as boolean))
      @IsInt()
      x?: unknown;

      @Allow()
      flag?: unknown;
    }
    const cases: Array<[Rec, boolean]> = [
      [{ x: 's', flag: true }, false],
      [{ x: 's', flag: 'yes' }, false],
      [{ x: 1, flag: true }, true],
      [{ x: 's', flag: 0 }, true],
      [{ x: 's' }, true],
      [{ x: null, flag: true }, true],
    ];
    for (const [fields, valid] of cases) {
      expect({ fields, ...answers(Twice, fields) }).toEqual({
        fields,
        compiled: valid,
        slow: valid,
      });
    }
    calls.length = 0;
    compileDtoValidator(Twice).check(instance(Twice, { x: null, flag: true }));
    expect(calls).toEqual(['flag']); // run although @IsOptional already skipped x
  });

  it('checks @IsDefined first and stops there (stopAtFirstError), as validateSync does', () => {
    class DefinedFirst {
      @IsDefined()
      @CustomConstraint('needsAValue', (value) => (value as string).length > 0)
      x!: string;
    }
    expect(DTO_VALIDATOR_OPTIONS).toEqual({ forbidUnknownValues: true, stopAtFirstError: true });
    expect(answers(DefinedFirst, {})).toEqual({ compiled: false, slow: false });
    expect(answers(DefinedFirst, { x: 'a' })).toEqual({ compiled: true, slow: true });
  });

  it('checks each item of a collection with a custom constraint declared with each', () => {
    class EachCustom {
      @CustomConstraint('evenLength', (v) => typeof v === 'string' && v.length % 2 === 0, {
        each: true,
      })
      x!: unknown;
    }
    for (const [x, valid] of [
      ['ab', true],
      ['a', false],
      [['ab', 'cd'], true],
      [['ab', 'c'], false],
      [[], true],
      [new Set(['ab']), true],
      [new Set(['a']), false],
      [new Map([[1, 'ab']]), true],
      [new Map([['ab', 'a']]), false],
    ] as Array<[unknown, boolean]>) {
      expect({ x, ...answers(EachCustom, { x }) }).toEqual({ x, compiled: valid, slow: valid });
    }
  });

  it('falls back, naming why, for a constraint without a validator or a condition without a function', () => {
    class Ghost {
      @IsInt()
      n!: number;
    }
    class Unregistered {}
    addRule(Ghost, { type: 'customValidation', name: 'ghost', constraintCls: Unregistered });
    expect(compileDtoValidator(Ghost).fallback).toBe('Ghost.x: ghost has no registered validator');
    expect(answers(Ghost, { n: 1 })).toEqual({ compiled: true, slow: true });
    expect(answers(Ghost, { n: 1.5 })).toEqual({ compiled: false, slow: false });
    class NoCondition {
      @IsInt()
      n!: number;
    }
    addRule(NoCondition, { type: 'conditionalValidation', constraints: undefined });
    expect(compileDtoValidator(NoCondition).fallback).toBe(
      'NoCondition.x: a condition without a function',
    );
  });

  it('validates a nested object by its own class, and lets an undefined one pass', () => {
    class Leaf {
      @IsString()
      name!: string;
    }
    class Other {
      @IsInt()
      count!: number;
    }
    class Holder {
      @ValidateNestedDto(() => Leaf)
      leaf?: Leaf;
    }
    expect(answers(Holder, {})).toEqual({ compiled: true, slow: true });
    expect(answers(Holder, { leaf: undefined })).toEqual({ compiled: true, slow: true });
    expect(answers(Holder, { leaf: instance(Leaf, { name: 'a' }) })).toEqual({
      compiled: true,
      slow: true,
    });
    // Another class's object: its own rules, not the declared class's.
    expect(answers(Holder, { leaf: instance(Other, { name: 'a' }) })).toEqual({
      compiled: false,
      slow: false,
    });
    expect(answers(Holder, { leaf: instance(Other, { count: 1 }) })).toEqual({
      compiled: true,
      slow: true,
    });
  });

  it('answers false, not a throw, for an object whose constructor is not a function', () => {
    const odd = Object.create({ constructor: 5 }) as object;
    expect(outcome(() => isValidDto(odd))).toBe(false);
    expect(outcome(() => slow(odd))).toBe(false);
  });

  it('reports the whole path of an own constructor key two nested classes down', () => {
    class Leaf {
      @IsString()
      name!: string;
    }
    class Middle {
      @ValidateNestedDto(() => Leaf)
      leaf!: Leaf;
    }
    class Top {
      @ValidateNestedDto(() => Middle)
      middle!: Middle;
    }
    // Values JSON never gives are ignored, not thrown on.
    expect(hydrateDto(undefined, Top)).toBeUndefined();
    expect(hydrateDto({ middle: { leaf: undefined } }, Top)).toBeUndefined();
    expect(hydrateDto({ middle: { leaf: { constructor: 1 } } }, Top)).toBe('middle.leaf');
    expect(hydrateDto({ middle: [{ leaf: [{ constructor: 1 }] }] }, Top)).toBe('middle.0.leaf.0');
  });

  it('gives a class only to plain objects: an instance or a null-prototype object keeps its own', () => {
    class Leaf {
      @IsString()
      name!: string;
    }
    class Other {
      name = 'x';
    }
    const instance = new Other();
    const bare = Object.assign(Object.create(null) as object, { name: 'y' });
    const date = new Date(0);
    expect(hydrateDto(instance, Leaf)).toBeUndefined();
    expect(hydrateDto(bare, Leaf)).toBeUndefined();
    expect(hydrateDto(date, Leaf)).toBeUndefined();
    expect(Object.getPrototypeOf(instance)).toBe(Other.prototype);
    expect(Object.getPrototypeOf(bare)).toBeNull();
    expect(Object.getPrototypeOf(date)).toBe(Date.prototype);
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
