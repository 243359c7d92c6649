/**
 * One AWS endpoint in front of the fleet tests' two emulator processes, that can be made unreachable.
 *
 * - Routing: an HTTP request whose `X-Amz-Target` names DynamoDB or its Streams (`DynamoDB_…`, `DynamoDBStreams_…`) goes to the
 *   DynamoDB emulator, every other one (SQS and EventBridge speak JSON with their own targets, Secrets
 *   Manager too) to the other. So a client that takes one endpoint (the API's handlers: lambdas/shared
 *   ApiResources) reaches both, as it would reach AWS. The emulators do not check SigV4 signatures, so the
 *   requests are forwarded as signed for the proxy's host.
 * - Outage: `goDark(mode)` destroys every open client connection (requests in flight fail with a reset;
 *   their answers are lost even when the emulator applied them, as in a real cut), and until `restore()`
 *   either resets every new connection at once (`'reset'`: callers fail fast, as when the endpoint is down)
 *   or holds it without answering (`'blackhole'`: callers wait for their own timeouts, as when the network
 *   drops packets). `restore()` resets what it held (callers retry) and forwards again.
 */
import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface AwsEndpointProxyOptions {
  /** The DynamoDB emulator's endpoint (`http://127.0.0.1:<port>`). */
  dynamodb: string;
  /** The endpoint serving every other service. */
  other: string;
}

export type OutageMode = 'reset' | 'blackhole';

export class AwsEndpointProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 128 });
  readonly #dynamodb: URL;
  readonly #other: URL;
  #dark: OutageMode | undefined;
  #url = '';
  /** Requests forwarded (for the report). */
  forwarded = 0;
  /** Requests that arrived while dark (black hole) and were never answered. */
  blackholed = 0;
  /** Connections reset at once while dark (reset). */
  refused = 0;

  constructor(options: AwsEndpointProxyOptions) {
    this.#dynamodb = new URL(options.dynamodb);
    this.#other = new URL(options.other);
    this.#server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => this.#forward(req, res));
    this.#server.on('connection', (socket) => {
      if (this.#dark === 'reset') {
        this.refused += 1;
        socket.destroy();
        return;
      }
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  /** `http://127.0.0.1:<port>` once started. */
  get url(): string {
    return this.#url;
  }

  get dark(): boolean {
    return this.#dark !== undefined;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolveListen, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolveListen());
    });
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.#url;
  }

  /** Cuts every open connection; until restore(), resets or black-holes new ones. */
  goDark(mode: OutageMode): void {
    this.#dark = mode;
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Resets the connections held while dark (their callers retry) and forwards again. */
  restore(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#dark = undefined;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#agent.destroy();
    await new Promise<void>((resolveClose) => this.#server.close(() => resolveClose()));
  }

  #forward(req: IncomingMessage, res: ServerResponse): void {
    if (this.#dark === 'reset') {
      req.socket.destroy();
      return;
    }
    if (this.#dark === 'blackhole') {
      this.blackholed += 1;
      req.resume();
      return;
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    // DynamoDB Streams (`DynamoDBStreams_20120810.*`) is served by the process that holds the tables.
    const upstream =
      target.startsWith('DynamoDB_') || target.startsWith('DynamoDBStreams_') ? this.#dynamodb : this.#other;
    this.forwarded += 1;
    const outgoing = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
        agent: this.#agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    // A cut client connection abandons its upstream request (the emulator may still apply it).
    res.once('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    outgoing.once('error', () => req.socket.destroy());
    req.pipe(outgoing);
  }
}
