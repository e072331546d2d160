/**
 * TypeDoc plugin (typedoc.json `plugin`): names the two entry modules after their import paths,
 * `nestjs-viber` and `nestjs-viber/testing`, instead of the source folders `viber/src` and
 * `viber-testing/src` TypeDoc derives from libs/.
 */
import { Converter, ReflectionKind } from 'typedoc';

const MODULE_NAMES = new Map([
  ['viber/src', 'nestjs-viber'],
  ['viber-testing/src', 'nestjs-viber/testing'],
]);

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      const name = MODULE_NAMES.get(module.name);
      if (name) module.name = name;
    }
  });
}
