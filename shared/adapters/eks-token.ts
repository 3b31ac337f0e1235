import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials as the SDK's providers give them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** SHA-256 (and HMAC-SHA-256 with a secret) for the signer, from node:crypto. */
type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Data): string | Uint8Array =>
  typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

class NodeSha256 {
  private readonly hash;
  constructor(secret?: Data) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Data): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
}

/** How long an EKS token is good for (the API server accepts 15 minutes; the URL says 60 s, as `aws eks get-token` does). */
export const EKS_TOKEN_SECONDS = 60;

/**
 * A bearer token for an EKS cluster's API server, made as `aws eks get-token` makes it: a presigned STS
 * GetCallerIdentity URL carrying the cluster name in the signed `x-k8s-aws-id` header, base64url
 * encoded behind `k8s-aws-v1.`. The API server's authenticator calls the URL to learn who we are.
 */
export async function eksToken(clusterName: string, region: string, credentials: AwsCredentials, now = new Date()): Promise<string> {
  const signer = new SignatureV4({ service: 'sts', region, credentials, sha256: NodeSha256 });
  const hostname = `sts.${region}.amazonaws.com`;
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, 'x-k8s-aws-id': clusterName },
    },
    { expiresIn: EKS_TOKEN_SECONDS, signingDate: now },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `k8s-aws-v1.${Buffer.from(`https://${hostname}/?${query}`).toString('base64url')}`;
}
