/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. A wait, never a timing assertion. */
export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The HTTP status of GET `<url><path>`. */
export async function statusOf(url: string, path: string): Promise<number> {
  return (await fetch(url + path)).status;
}
