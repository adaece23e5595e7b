/**
 * Thrown when the inputs of a name or manifest cannot produce a valid object (an image not pinned
 * by digest, a base domain that is not a DNS name). Retrying cannot fix it: the message names the
 * field and what is allowed, and {@link RenderInputError.field} says which input was wrong.
 */
export class RenderInputError extends Error {
  override name = "RenderInputError";
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}
