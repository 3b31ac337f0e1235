import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/** The parts of the SDK's HTTP request this handler reads (Smithy's `HttpRequest`). */
interface SdkRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/**
 * An SDK request handler that hands each request to dynalite's HTTP request listener in this process:
 * the same DynamoDB JSON API, requests and responses byte for byte, minus the loopback socket and the
 * HTTP parsing on both ends, which were a tenth of local mode's CPU per trial. Other processes still
 * reach the same dynalite over 127.0.0.1.
 *
 * Hand-written: the SDK's pluggable `requestHandler` is the supported seam, and no package offers an
 * in-process transport for dynalite.
 */
export class InProcessDynaliteHandler {
  private readonly listener: (req: IncomingMessage, res: ServerResponse) => void;

  constructor(server: Server) {
    const [listener] = server.listeners('request');
    if (!listener) throw new Error('dynalite server has no request listener');
    this.listener = listener as (req: IncomingMessage, res: ServerResponse) => void;
  }

  handle(request: SdkRequest): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Readable } }> {
    return new Promise((resolve) => {
      const req = Object.assign(new EventEmitter(), {
        method: request.method,
        url: request.path,
        headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
      });
      const headers: Record<string, string> = {};
      const res = {
        statusCode: 200,
        setHeader: (name: string, value: string | number) => {
          headers[name.toLowerCase()] = String(value);
        },
        getHeader: (name: string) => headers[name.toLowerCase()],
        removeHeader: (name: string) => {
          delete headers[name.toLowerCase()];
        },
        writeHead(statusCode: number, extra?: Record<string, string>) {
          this.statusCode = statusCode;
          for (const [k, v] of Object.entries(extra ?? {})) headers[k.toLowerCase()] = String(v);
          return this;
        },
        end(body?: string | Uint8Array) {
          const bytes = body === undefined ? new Uint8Array() : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
          // The SDK reads a response body as a stream, as it does the socket's.
          resolve({ response: { statusCode: this.statusCode, headers, body: Readable.from([bytes]) } });
        },
      };
      this.listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
      const body = request.body;
      process.nextTick(() => {
        // A view of the bytes: the SDK's body type warns when read as a string (Buffer.from calls valueOf).
        if (body !== undefined && body.length > 0) {
          req.emit(
            'data',
            typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
          );
        }
        req.emit('end');
      });
    });
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
}
