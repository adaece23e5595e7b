/**
 * A fault path pattern that can be switched off. Both fakes match fault paths with
 * `path.search(pattern)`, which calls `pattern[Symbol.search]`; switching the pattern off ends a
 * fault registered with a large `times`, so a test can hold a fault "until further notice" and
 * lift it without the fakes needing a reset.
 */
export class SwitchablePattern extends RegExp {
  on = true;

  override [Symbol.search](text: string): number {
    return this.on ? super[Symbol.search](text) : -1;
  }
}
