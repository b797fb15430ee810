/**
 * The bytes ingest requests hold at once, bodies as read and as decompressed, across every request
 * in flight: what bounds the memory decoding takes (a request count does not, since one request may
 * hold 8 MiB and another 80 bytes). A request takes what it needs as it goes and gives it all back
 * when it ends; one that finds too little free is asked to retry, one that needs more than the whole
 * budget is refused (413). One budget per collector process.
 */
export class DecodeBudget {
  #free: number;

  constructor(readonly totalBytes: number) {
    this.#free = totalBytes;
  }

  get freeBytes(): number {
    return this.#free;
  }

  /** One request's share, released at once by `close`. */
  lease(): DecodeLease {
    return new DecodeLease(
      this,
      (bytes) => {
        const got = Math.min(bytes, this.#free);
        this.#free -= got;
        return got;
      },
      (bytes) => {
        this.#free += bytes;
      },
    );
  }
}

/** Why a lease could not grow: retry later (`busy`) or never (`tooLarge`, over the whole budget). */
export class BudgetExceeded extends Error {
  constructor(
    readonly kind: 'busy' | 'tooLarge',
    message: string,
  ) {
    super(message);
    this.name = 'BudgetExceeded';
  }
}

export class DecodeLease {
  #held = 0;

  constructor(
    readonly budget: DecodeBudget,
    private readonly take: (bytes: number) => number,
    private readonly give: (bytes: number) => void,
  ) {}

  get heldBytes(): number {
    return this.#held;
  }

  /** Takes exactly `bytes` more, or throws BudgetExceeded without taking any. */
  require(bytes: number): void {
    if (this.#held + bytes > this.budget.totalBytes) {
      throw new BudgetExceeded(
        'tooLarge',
        `the request needs ${this.#held + bytes} bytes to decode, more than all ${this.budget.totalBytes} bytes of INGEST_DECODE_BUDGET_BYTES; send smaller batches`,
      );
    }
    const got = this.take(bytes);
    if (got < bytes) {
      this.give(got);
      throw new BudgetExceeded(
        'busy',
        `requests in flight hold ${this.budget.totalBytes - this.budget.freeBytes - this.#held} of the ${this.budget.totalBytes} bytes the collector decodes at once (INGEST_DECODE_BUDGET_BYTES)`,
      );
    }
    this.#held += got;
  }

  /** Takes as much as is free, up to `bytes`; returns how much (the caller decodes within it). */
  takeUpTo(bytes: number): number {
    const got = this.take(Math.min(bytes, this.budget.totalBytes - this.#held));
    this.#held += got;
    return got;
  }

  /** Gives back what turned out not to be needed. */
  giveBack(bytes: number): void {
    const back = Math.min(bytes, this.#held);
    this.#held -= back;
    this.give(back);
  }

  close(): void {
    this.giveBack(this.#held);
  }
}
