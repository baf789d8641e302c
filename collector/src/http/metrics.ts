import type { Context, Next } from 'koa';

/** Process-local counters exposed as Prometheus text at /metrics. */
export class Metrics {
  private readonly requests = new Map<string, number>();
  readonly gauges = new Map<string, () => number | Promise<number>>();
  /** Whole families with labels (e.g. database errors by kind), rendered after the gauges. */
  readonly sections: (() => string[])[] = [];

  middleware() {
    return async (ctx: Context, next: Next): Promise<void> => {
      try {
        await next();
      } finally {
        const key = `${Math.floor(ctx.status / 100)}xx`;
        this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
      }
    };
  }

  async render(): Promise<string> {
    const lines = ['# HELP devtrust_http_requests_total HTTP requests by status class', '# TYPE devtrust_http_requests_total counter'];
    for (const [cls, n] of this.requests) lines.push(`devtrust_http_requests_total{status="${cls}"} ${n}`);
    for (const [name, read] of this.gauges) {
      lines.push(`# TYPE ${name} gauge`, `${name} ${await read()}`);
    }
    for (const section of this.sections) lines.push(...section());
    return `${lines.join('\n')}\n`;
  }
}
