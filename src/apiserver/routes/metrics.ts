// GET /metrics: the Prometheus text exposition of the server's registry (controllers,
// work queues, store and provider calls). Authenticated like every non-health path.
import type { FastifyInstance } from 'fastify';

/** What a prom-client Registry offers; kept structural so the API server needs no metrics code. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export function registerMetricsRoute(app: FastifyInstance, source: MetricsSource): void {
  app.get('/metrics', async (_req, reply) => {
    const text = await source.metrics();
    return reply.header('content-type', source.contentType).send(text);
  });
}
