/**
 * A request body that cannot be decoded at all. The route answers 400 with `message` (or 413
 * when `tooLarge`): the sender must not retry it as it is.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  readonly tooLarge: boolean;

  constructor(message: string, options: { tooLarge?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.tooLarge = options.tooLarge ?? false;
  }
}
