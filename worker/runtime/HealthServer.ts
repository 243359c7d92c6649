/**
 * GET /health for the container health check: 200 while the worker is bound or standing by (holding no
 * slot, or reconnecting within reason), 503 when it cannot do its job (leases not renewed). The body says
 * why, for a person reading it.
 */
import { createServer, type Server } from 'node:http';

export interface HealthReport {
  healthy: boolean;
  [detail: string]: unknown;
}

export class HealthServer {
  readonly #server: Server;

  constructor(report: () => HealthReport) {
    this.#server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url !== '/health') {
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      const health = report();
      response.writeHead(health.healthy ? 200 : 503, { 'content-type': 'application/json' });
      response.end(JSON.stringify(health));
    });
  }

  /** Listens on 127.0.0.1 (the ECS health check runs inside the container); resolves with the port. */
  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        const address = this.#server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
