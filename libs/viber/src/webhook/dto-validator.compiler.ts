/**
 * Compiles the rules of a class-validator DTO, read from class-validator's metadata storage, into
 * a plain predicate: true exactly when `validateSync(value, DTO_VALIDATOR_OPTIONS)` finds no
 * error. The DTOs stay the one place the callback rules are written; this is only a faster way
 * to run them on valid callbacks (`validateSync` still explains every rejection). Each DTO is
 * compiled once, on first use, and cached; a rule the compiler does not understand makes that
 * DTO's check run `validateSync` itself (never a silent accept).
 *
 * What it mirrors, from class-validator 0.14's `ValidationExecutor`: the metadata list of
 * `getTargetValidationMetadatas` (inherited rules, groups and `always` resolved as `validateSync`
 * resolves them, no groups given), grouped by property; per property `@ValidateIf`/`@IsOptional`
 * conditions first (any false: the property is skipped), then `@IsDefined`, then every other
 * constraint (`each` over arrays, sets and maps), then nested validation (skipped when undefined;
 * arrays, sets and maps item by item; objects by the rules of their own `constructor`; anything
 * else is an error); a class with no rules at all is an error (`forbidUnknownValues`).
 *
 * Constraints: class-validator's built-ins `isDefined`, `isString`, `isInt`, `isBoolean`,
 * `isObject`, `isNotEmpty`, `isArray`, `isIn`, `min`, `max`, `isNumber`, `matches` and the
 * `isOptional` condition run as the standalone function the decorator calls, with the decorator's
 * arguments bound once; each is first checked against the constraint's own `validate` on a set of
 * probe values, and one that answers differently (a custom constraint that reuses a built-in
 * name) is called like any other custom constraint: its validator's `validate`, with the
 * arguments class-validator passes. Not understood, so validated by `validateSync`: promise
 * validation, async constraints, a constraint without a registered validator, a `@ValidateNested`
 * without a declared class (use `@ValidateNestedDto`), any other metadata type.
 */
import {
  IS_OPTIONAL,
  ValidationTypes,
  getMetadataStorage,
  isArray,
  isBoolean,
  isDefined,
  isInt,
  isNotEmpty,
  isNumber,
  isObject,
  isString,
  matches,
  max,
  min,
  validateSync,
  type IsNumberOptions,
  type MetadataStorage,
  type ValidationArguments,
  type ValidatorOptions,
} from 'class-validator';
import { getNestedDtoClass, type DtoClass } from './dto/validate-nested-dto.decorator';

type ValidationMetadata = ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number];
type ConstraintMetadata = ReturnType<MetadataStorage['getTargetValidatorConstraints']>[number];

/** A class whose decorators class-validator may have recorded (anything with a prototype). */
export type DtoTarget = abstract new (...args: never[]) => unknown;

/** The options the callback parser runs `validateSync` with; the compiled checks answer for them. */
export const DTO_VALIDATOR_OPTIONS: Readonly<ValidatorOptions> = Object.freeze({
  forbidUnknownValues: true,
  stopAtFirstError: true,
});

/** A property of a DTO that holds a nested DTO (or an array of them). */
export interface NestedDtoField {
  /** The property name. */
  readonly property: string;
  /** The class declared with `@ValidateNestedDto`. */
  readonly dto: DtoClass;
}

/** The compiled rules of one DTO class. */
export interface CompiledDtoValidator {
  /** The class. */
  readonly dto: DtoTarget;
  /**
   * True when `value` (an instance of {@link CompiledDtoValidator.dto}: its `constructor`) passes
   * every rule, exactly as `validateSync(value, DTO_VALIDATOR_OPTIONS).length === 0`. Where
   * `validateSync` would throw, this may throw or return false.
   */
  readonly check: (value: object) => boolean;
  /** Why `check` runs `validateSync` instead of compiled rules; undefined when compiled. */
  readonly fallback: string | undefined;
  /** The properties validated as nested DTOs, with their declared class. */
  readonly nested: readonly NestedDtoField[];
}

/** `(value, object) => valid`: one constraint of a property. */
type ValueCheck = (value: unknown, object: object) => boolean;
/** `(object, value) => validate?`: a `@ValidateIf` / `@IsOptional` condition. */
type Condition = (object: object, value: unknown) => unknown;
type ObjectCheck = (value: object) => boolean;

class NotCompilable extends Error {}

const storage = (): MetadataStorage => getMetadataStorage();
const compiled = new WeakMap<object, CompiledDtoValidator>();

/** `validateSync` as a predicate: the fallback, and the rules of things that are not classes. */
function validatesSlowly(value: object): boolean {
  return validateSync(value, DTO_VALIDATOR_OPTIONS).length === 0;
}

/**
 * The compiled rules of `dto` (compiled on first call, then cached). Compile after the class and
 * its base classes are defined (their decorators have run by then).
 */
export function compileDtoValidator(dto: DtoTarget): CompiledDtoValidator {
  let result = compiled.get(dto);
  if (!result) compiled.set(dto, (result = compile(dto)));
  return result;
}

/**
 * The compiled counterpart of `validateSync(value, DTO_VALIDATOR_OPTIONS).length === 0`: checks
 * `value` by the rules of its own `constructor`, as class-validator does.
 */
export function isValidDto(value: object): boolean {
  const ctor: unknown = value.constructor;
  return typeof ctor === 'function'
    ? compileDtoValidator(ctor as DtoTarget).check(value)
    : validatesSlowly(value);
}

function compile(dto: DtoTarget): CompiledDtoValidator {
  const getMetadatas = storage().getTargetValidationMetadatas.bind(storage()) as (
    target: DtoTarget,
    schema: string | undefined,
    always: boolean,
    strictGroups: boolean,
    groups?: string[],
  ) => ValidationMetadata[];
  // The arguments `validateSync(object, DTO_VALIDATOR_OPTIONS)` passes: no schema, no groups.
  const metadatas = getMetadatas(
    dto,
    undefined,
    // Stryker disable next-line BooleanLiteral: `always` only matters when groups are given, and none are (every rule is read either way)
    false, // always
    false, // strictGroups
    undefined, // groups
  );
  const grouped = storage().groupByPropertyName(metadatas);
  const nested: NestedDtoField[] = [];
  const checks: ObjectCheck[] = [];
  let fallback: string | undefined;
  for (const property of Object.keys(grouped)) {
    const rules = grouped[property]!;
    // Recorded even when the rules fall back: validateSync needs the nested objects hydrated too.
    // (A property declared with @ValidateNestedDto always has a NESTED_VALIDATION rule here: with
    // no groups given, class-validator reads every rule.)
    const type = getNestedDtoClass(dto, property);
    if (type) nested.push({ property, dto: type });
    try {
      checks.push(compileProperty(property, rules, type));
    } catch (error) {
      if (!(error instanceof NotCompilable)) throw error;
      fallback ??= `${dto.name}.${property}: ${error.message}`;
    }
  }
  if (fallback !== undefined) return { dto, check: validatesSlowly, fallback, nested };
  // No rules at all: forbidUnknownValues makes it "an unknown value", always an error.
  if (metadatas.length === 0) return { dto, check: () => false, fallback, nested };
  const all = allOf<object, undefined>(checks);
  return { dto, check: (value) => all(value, undefined), fallback, nested };
}

/** Every check, in order, stopping at the first false. */
function allOf<X, Y>(checks: ReadonlyArray<(x: X, y: Y) => boolean>): (x: X, y: Y) => boolean {
  // Fused closures for short lists: no loop, no array read on the hot path.
  const [a, b, c, d] = checks;
  switch (checks.length) {
    case 0:
      return () => true;
    case 1:
      return a!;
    case 2:
      return (x, y) => a!(x, y) && b!(x, y);
    case 3:
      return (x, y) => a!(x, y) && b!(x, y) && c!(x, y);
    case 4:
      return (x, y) => a!(x, y) && b!(x, y) && c!(x, y) && d!(x, y);
    default: {
      const head = allOf(checks.slice(0, 4));
      const tail = allOf(checks.slice(4));
      return (x, y) => head(x, y) && tail(x, y);
    }
  }
}

function compileProperty(
  property: string,
  metadatas: readonly ValidationMetadata[],
  nestedType: DtoClass | undefined,
): ObjectCheck {
  const conditions: Condition[] = [];
  const defined: ValueCheck[] = [];
  const constraints: ValueCheck[] = [];
  let nested: ValueCheck | undefined;
  for (const metadata of metadatas) {
    switch (metadata.type) {
      case ValidationTypes.CONDITIONAL_VALIDATION:
        conditions.push(compileCondition(metadata));
        break;
      case ValidationTypes.IS_DEFINED:
        defined.push(...compileConstraint(metadata));
        break;
      case ValidationTypes.CUSTOM_VALIDATION:
        constraints.push(...compileConstraint(metadata));
        break;
      case ValidationTypes.NESTED_VALIDATION:
        if (!nestedType) {
          throw new NotCompilable('@ValidateNested without a class: use @ValidateNestedDto');
        }
        nested ??= nestedCheck(nestedType); // a second @ValidateNested checks the same again
        break;
      case ValidationTypes.WHITELIST:
        break; // only read with the `whitelist` option
      default:
        throw new NotCompilable(`${metadata.type} is not supported`);
    }
  }
  // `@IsDefined` first, then the other constraints in order, then the nested object.
  const rules = allOf<unknown, object>([...defined, ...constraints, ...(nested ? [nested] : [])]);
  const read = (object: object): unknown => (object as Record<string, unknown>)[property];
  // The two shortcuts below (no condition; one) only save work: the loop at the end gives the
  // same answer for any number of conditions, and so does its `!condition || rules` for
  // @IsOptional's condition.
  // Stryker disable next-line ConditionalExpression: a shortcut of the loop below (same answer)
  if (conditions.length === 0) return (object) => rules(read(object), object);
  // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: a shortcut of the loop below (same answer)
  if (conditions.length === 1) {
    const [condition] = conditions;
    // Stryker disable next-line ConditionalExpression,BlockStatement: a shortcut of the general case below (same answer)
    if (condition === IS_OPTIONAL_CONDITION) {
      return (object) => {
        const value = read(object);
        return value === null || value === undefined || rules(value, object);
      };
    }
    return (object) => {
      const value = read(object);
      return !condition!(object, value) || rules(value, object);
    };
  }
  return (object) => {
    const value = read(object);
    // Every condition runs, as in class-validator; any false skips the property.
    let validate: unknown = true;
    for (const condition of conditions) {
      const result = condition(object, value);
      validate = validate && result;
    }
    return !validate || rules(value, object);
  };
}

// ---------------------------------------------------------------------------------------------
// Conditions

/** The compiled `@IsOptional()` condition (recognised so the common shape avoids a call). */
const IS_OPTIONAL_CONDITION: Condition = (_object, value) => value !== null && value !== undefined;

function compileCondition(metadata: ValidationMetadata): Condition {
  const condition: unknown = metadata.constraints?.[0];
  if (typeof condition !== 'function') throw new NotCompilable('a condition without a function');
  const own = condition as Condition;
  if (metadata.name === IS_OPTIONAL) {
    // `@IsOptional()` reads `object[property]`, which is the value being validated.
    const property = metadata.propertyName;
    const agrees = PROBES.every((probe) => {
      try {
        return !!own({ [property]: probe }, probe) === IS_OPTIONAL_CONDITION({}, probe);
      } catch /* Stryker disable next-line BlockStatement: an empty catch answers undefined, which ends `every` as false does */ {
        return false;
      }
    });
    if (agrees) return IS_OPTIONAL_CONDITION;
  }
  return own;
}

// ---------------------------------------------------------------------------------------------
// Constraints

/**
 * class-validator's standalone checks, read once: its index re-exports them through getters,
 * which would otherwise run on every call. (`matches` checks for a string first: any value.)
 */
const cv = {
  isArray,
  isBoolean,
  isDefined,
  isInt,
  isNotEmpty,
  isNumber,
  isObject,
  isString,
  matches: matches as (value: unknown, pattern: unknown, modifiers?: unknown) => boolean,
  max,
  min,
};

/** A built-in's check, made from the decorator's arguments (undefined: arguments it cannot take). */
type BuiltIn = (constraints: readonly unknown[]) => ((value: unknown) => boolean) | undefined;

/** class-validator's built-in constraints, by registered name: the function each one calls. */
const BUILT_INS: ReadonlyMap<string, BuiltIn> = new Map<string, BuiltIn>([
  ['isDefined', () => (value) => cv.isDefined(value)],
  ['isString', () => (value) => cv.isString(value)],
  ['isInt', () => (value) => cv.isInt(value)],
  ['isBoolean', () => (value) => cv.isBoolean(value)],
  ['isObject', () => (value) => cv.isObject(value)],
  ['isNotEmpty', () => (value) => cv.isNotEmpty(value)],
  ['isArray', () => (value) => cv.isArray(value)],
  [
    'isIn',
    ([values]) => {
      if (!Array.isArray(values)) return undefined;
      // isIn is `values.some((v) => v === value)`: `includes` compares the same way except that
      // it finds NaN, which `===` never matches. No closure per call.
      const list: readonly unknown[] = values;
      return (value) => value === value && list.includes(value);
    },
  ],
  [
    'min',
    ([bound]) => {
      const limit = bound as number;
      return (value) => cv.min(value, limit);
    },
  ],
  [
    'max',
    ([bound]) => {
      const limit = bound as number;
      return (value) => cv.max(value, limit);
    },
  ],
  [
    'isNumber',
    ([options]) => {
      const opts = options as IsNumberOptions | undefined;
      return (value) => cv.isNumber(value, opts);
    },
  ],
  [
    'matches',
    ([pattern, modifiers]) => {
      // A sticky pattern keeps state between calls: leave it to its own validate.
      if (pattern instanceof RegExp && pattern.sticky) return undefined;
      return (value) => cv.matches(value, pattern, modifiers);
    },
  ],
]);

/** Values a built-in is tried on before it replaces a constraint's own `validate`. */
const PROBES: readonly unknown[] = [
  undefined,
  null,
  true,
  false,
  0,
  -0,
  1,
  -1,
  0.5,
  -90,
  90,
  -180,
  180,
  2 ** 53 + 2,
  NaN,
  Infinity,
  -Infinity,
  10n,
  '',
  ' ',
  'a',
  '0',
  '1',
  '-1',
  '1.5',
  '9'.repeat(25),
  'text',
  [],
  [1],
  ['a'],
  {},
  { a: 1 },
  new String('a'),
  new String(''),
  new Boolean(false),
  new Number(1),
  Symbol('probe'),
  () => true,
];

/** The probes plus the constraint's own arguments and the numbers next to them. */
function probesOf(metadata: ValidationMetadata): unknown[] {
  const probes = [...PROBES];
  for (const argument of (metadata.constraints ?? []) as unknown[]) {
    if (Array.isArray(argument)) {
      probes.push(...(argument as unknown[]));
      continue;
    }
    if (typeof argument === 'number') {
      probes.push(argument, argument - 1, argument + 1);
      continue;
    }
    // Stryker disable next-line ConditionalExpression: `true` pushes other arguments too: more probes never make a faithful built-in disagree
    if (typeof argument === 'string') probes.push(argument);
  }
  return probes;
}

/** The arguments class-validator passes to a constraint's `validate`. */
function validationArguments(
  metadata: ValidationMetadata,
  object: object,
  value: unknown,
): ValidationArguments {
  const ctor = (object as { constructor?: { name: string } }).constructor;
  return {
    targetName: ctor?.name as string,
    property: metadata.propertyName,
    object,
    value,
    constraints: metadata.constraints as unknown[],
  };
}

function compileConstraint(metadata: ValidationMetadata): ValueCheck[] {
  const implementations = storage().getTargetValidatorConstraints(metadata.constraintCls);
  if (implementations.length === 0) {
    throw new NotCompilable(`${metadata.name ?? metadata.type} has no registered validator`);
  }
  return implementations.map((implementation) => {
    if (implementation.async) throw new NotCompilable(`${implementation.name} is async`);
    const one = builtIn(metadata, implementation);
    if (metadata.each) return one ? eachItem(one) : eachItemCustom(metadata, implementation);
    return one ?? custom(metadata, implementation);
  });
}

/** The built-in of this constraint's name, if it answers as the constraint does on every probe. */
function builtIn(
  metadata: ValidationMetadata,
  implementation: ConstraintMetadata,
): ((value: unknown) => boolean) | undefined {
  const make = BUILT_INS.get(implementation.name);
  const check = make?.((metadata.constraints ?? []) as unknown[]);
  if (!check) return undefined;
  const instance = implementation.instance;
  const probeObject = {};
  for (const probe of probesOf(metadata)) {
    try {
      const own = instance.validate(probe, validationArguments(metadata, probeObject, probe));
      // (`check` answers a boolean: any other answer of the constraint's own is a disagreement.)
      if (own !== check(probe)) return undefined;
    } catch {
      return undefined;
    }
  }
  return check;
}

/** A constraint class-validator calls with `validate(value, args)`: called the same way. */
function custom(metadata: ValidationMetadata, implementation: ConstraintMetadata): ValueCheck {
  const instance = implementation.instance;
  // A promise (from a constraint not declared async) is truthy: validateSync ignores it too.
  return (value, object) =>
    !!instance.validate(value, validationArguments(metadata, object, value));
}

function isCollection(value: unknown): value is unknown[] | Set<unknown> | Map<unknown, unknown> {
  return Array.isArray(value) || value instanceof Set || value instanceof Map;
}

function itemsOf(value: unknown[] | Set<unknown> | Map<unknown, unknown>): Iterable<unknown> {
  return value instanceof Map ? value.values() : value;
}

/** `each: true`: every item of an array, set or map's values; other values as one. */
function eachItem(check: (value: unknown) => boolean): ValueCheck {
  return (value) => {
    if (!isCollection(value)) return check(value);
    for (const item of itemsOf(value)) if (!check(item)) return false;
    return true;
  };
}

function eachItemCustom(
  metadata: ValidationMetadata,
  implementation: ConstraintMetadata,
): ValueCheck {
  const instance = implementation.instance;
  return (value, object) => {
    const args = validationArguments(metadata, object, value);
    if (!isCollection(value)) return !!instance.validate(value, args);
    for (const item of itemsOf(value)) if (!instance.validate(item, args)) return false;
    return true;
  };
}

// ---------------------------------------------------------------------------------------------
// Nested objects

/** Nested validation of a defined value: collections item by item, objects by their class. */
function nestedCheck(declared: DtoClass): (value: unknown) => boolean {
  let declaredCheck: ObjectCheck | undefined;
  const check = (value: unknown): boolean => {
    if (value === undefined) return true;
    if (isCollection(value)) {
      for (const item of itemsOf(value)) if (!check(item)) return false;
      return true;
    }
    if (!(value instanceof Object)) return false; // "must be either object or array"
    // Stryker disable next-line BlockStatement: a shortcut of isValidDto below (same answer)
    if (value.constructor === declared) {
      declaredCheck ??= compileDtoValidator(declared).check;
      return declaredCheck(value);
    }
    return isValidDto(value);
  };
  return check;
}

// ---------------------------------------------------------------------------------------------
// Hydration

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}

const hasOwn = (value: object, key: string): boolean =>
  Object.prototype.hasOwnProperty.call(value, key);

/**
 * Gives a parsed plain object, and the plain objects at its nested DTO properties (declared with
 * `@ValidateNestedDto`, items of arrays included), the prototype of their DTO, so that
 * class-validator and the compiled check find their rules. Returns the path of an object that
 * has an own `constructor` key instead (it would hide the DTO from class-validator); the walk
 * stops there, and the value must then be refused.
 */
export function hydrateDto(value: unknown, dto: DtoClass, path = ''): string | undefined {
  if (Array.isArray(value)) {
    // Arrays of arrays are walked with a stack of their own, in the same order: a body of
    // thousands of nested arrays must not overflow the call stack (a 500 instead of a 400).
    const arrays: Array<{ items: unknown[]; next: number; path: string }> = [
      { items: value, next: 0, path },
    ];
    while (arrays.length > 0) {
      const top = arrays[arrays.length - 1]!;
      // Stryker disable next-line EqualityOperator: `>` reads one past the end: undefined, which hydrates nothing
      if (top.next >= top.items.length) {
        arrays.pop();
        continue;
      }
      const index = top.next++;
      const item = top.items[index];
      const itemPath = top.path ? `${top.path}.${index}` : String(index);
      if (Array.isArray(item)) {
        arrays.push({ items: item, next: 0, path: itemPath });
        continue;
      }
      const found = hydrateDto(item, dto, itemPath);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  if (hasOwn(value, 'constructor')) return path;
  Object.setPrototypeOf(value, dto.prototype);
  for (const field of compileDtoValidator(dto).nested) {
    // Stryker disable next-line ConditionalExpression: a missing field reads undefined (DTO prototypes hold no field values), which hydrates nothing
    if (!hasOwn(value, field.property)) continue;
    const found = hydrateDto(
      value[field.property],
      field.dto,
      path ? `${path}.${field.property}` : field.property,
    );
    if (found !== undefined) return found;
  }
  return undefined;
}
