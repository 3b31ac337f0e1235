import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * A small Kubernetes API server fake on 127.0.0.1 (no API server can be installed here): create, get
 * and delete of namespaced objects under /apis/<group>/<version>/namespaces/<ns>/<plural>, Status
 * objects for 404 and 409, and a bearer token it checks. Tests play the operator by setting status.
 */
export class KubernetesFake {
  readonly objects = new Map<string, Record<string, any>>();
  readonly requests: { method: string; path: string; body?: Record<string, any> }[] = [];
  private server?: Server;
  url = '';

  constructor(readonly token: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        const body = raw ? JSON.parse(raw) : undefined;
        const path = (req.url ?? '').split('?')[0]!;
        this.requests.push({ method: req.method ?? '', path, body });
        const send = (code: number, payload: unknown) => {
          res.writeHead(code, { 'content-type': 'application/json' });
          res.end(JSON.stringify(payload));
        };
        const status = (code: number, reason: string, message: string) =>
          send(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
        if (req.headers.authorization !== `Bearer ${this.token}`) return status(401, 'Unauthorized', 'Unauthorized');
        const m = /^\/apis\/([^/]+)\/([^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(path);
        if (!m) return status(404, 'NotFound', `no route ${path}`);
        const [, group, version, namespace, plural, name] = m;
        const key = (n: string) => `${group}/${version}/${namespace}/${plural}/${n}`;
        if (req.method === 'POST' && !name) {
          const objName = body?.metadata?.name;
          if (this.objects.has(key(objName))) return status(409, 'AlreadyExists', `${plural} "${objName}" already exists`);
          const stored = {
            ...body,
            metadata: { ...body.metadata, uid: `uid-${this.objects.size}`, creationTimestamp: new Date().toISOString() },
          };
          this.objects.set(key(objName), stored);
          return send(201, stored);
        }
        const found = name ? this.objects.get(key(name)) : undefined;
        if (req.method === 'GET' && found) return send(200, found);
        if (req.method === 'DELETE' && found) {
          this.objects.delete(key(name!));
          return send(200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
        }
        return status(404, 'NotFound', `${plural} "${name}" not found`);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** The operator's part: the object's status. */
  setStatus(path: string, status: Record<string, unknown>): void {
    const o = this.objects.get(path);
    if (!o) throw new Error(`no object ${path}`);
    o.status = status;
  }

  kubeConfig(token = this.token): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'tunestep', token }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'tunestep' }],
      currentContext: 'fake',
    });
    return kc;
  }
}
