import { ValidateNested, type ValidationOptions } from 'class-validator';

/** A DTO class: what the callback parser gives a parsed object as its prototype. */
export type DtoClass = new () => object;

/** The nested DTO class of each property, per declaring class (own properties only). */
const NESTED_DTOS = new WeakMap<object, Map<string, () => DtoClass>>();

/**
 * class-validator's `@ValidateNested()`, plus the class of the nested object, declared once on
 * the DTO property: the callback parser gives a parsed nested object this class's prototype
 * (class-validator finds the nested rules through `value.constructor`), and the compiled fast
 * check (`dto-validator.compiler.ts`) reads it from the same place. Like `@ValidateNested()`, an
 * array at this property has each of its items validated (and given the class).
 *
 * @param type - the nested DTO class, as a thunk (the class may be declared further down).
 * @param options - class-validator's options of `@ValidateNested()`.
 */
export function ValidateNestedDto(
  type: () => DtoClass,
  options?: ValidationOptions,
): PropertyDecorator {
  const validateNested = ValidateNested(options);
  return (target: object, propertyKey: string | symbol): void => {
    validateNested(target, propertyKey);
    let own = NESTED_DTOS.get(target.constructor);
    if (!own) NESTED_DTOS.set(target.constructor, (own = new Map()));
    own.set(String(propertyKey), type);
  };
}

/**
 * The DTO class declared with {@link ValidateNestedDto} for `propertyName` of `dto` or of the
 * nearest base class that declares it; undefined if none does.
 */
export function getNestedDtoClass(dto: object, propertyName: string): DtoClass | undefined {
  for (let c: object | null = dto; c !== null && c !== Function.prototype;) {
    const type = NESTED_DTOS.get(c)?.get(propertyName);
    if (type) return type();
    c = Object.getPrototypeOf(c) as object | null;
  }
  return undefined;
}
