/** Items that arrive asynchronously, taken in order; waiting fails loudly after a timeout. */
export class AsyncQueue<T> {
  readonly #items: T[] = [];
  readonly #waiters: ((item: T) => void)[] = [];
  /** Everything ever pushed, in order. */
  readonly seen: T[] = [];

  push(item: T): void {
    this.seen.push(item);
    const waiter = this.#waiters.shift();
    if (waiter) waiter(item);
    else this.#items.push(item);
  }

  /** The next item; rejects after `timeoutMs`, naming `what`. */
  next(what: string, timeoutMs = 5000): Promise<T> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter = (value: T) => {
        clearTimeout(timer);
        resolve(value);
      };
      this.#waiters.push(waiter);
    });
  }

  /** Items received but not yet taken. */
  get pending(): readonly T[] {
    return this.#items;
  }
}
