/**
 * Wraps an iterator so that `onEnd` runs once when it finishes, however it
 * does: done, returned, thrown into, or failing (an ended-with-error
 * subscription rejects `next`, which Yoga's own onEnd hook does not see). A
 * class, as one is held per running subscription: fields, not closures.
 */
export function onceEnded<T>(source: AsyncIterable<T>, onEnd: () => void): AsyncIterableIterator<T> {
  return new OnceEnded(source[Symbol.asyncIterator](), onEnd);
}

class OnceEnded<T> implements AsyncIterableIterator<T> {
  private ended = false;

  constructor(
    private readonly iterator: AsyncIterator<T>,
    private readonly onEnd: () => void,
  ) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    return this.iterator.next().then(
      (result) => {
        if (result.done) this.end();
        return result;
      },
      (error: unknown) => {
        this.end();
        throw error;
      },
    );
  }

  return(value?: unknown): Promise<IteratorResult<T>> {
    this.end();
    return this.iterator.return?.(value) ?? Promise.resolve({ done: true, value: undefined as T });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.end();
    return this.iterator.throw?.(error) ?? Promise.reject(error);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
  }
}
