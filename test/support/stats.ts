/** Polls a server's GET /v1/stats until a condition holds (or 60 s pass, which fails the test). */
export async function statsWhen(
  url: string,
  done: (s: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = (await (await fetch(`${url}/v1/stats`)).json()) as Record<string, unknown>;
    if (done(s)) return s;
    if (Date.now() > deadline) throw new Error(`stats never got there: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
