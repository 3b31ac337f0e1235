import type { App } from 'aws-cdk-lib';

/** What a deployment chooses, from CDK context (`cdk.json` or `-c key=value`), checked with clear errors. */
export interface TunestepConfig {
  /** How API callers authenticate: AWS IAM (SigV4) or a JWT issuer (Cognito, Okta, ...). */
  auth: 'iam' | 'jwt';
  jwtIssuer?: string;
  jwtAudience?: string[];
  /** EC2 instance types of the GPU compute environment (one type per multi-node job). */
  instanceTypes: string[];
  /** The compute environment's ceiling; it scales to zero when idle. */
  maxVcpus: number;
  /** Trial images, each with a multi-node job definition; `entrypoint` for jobs that give only `args`. */
  trialImages: { image: string; entrypoint?: string[] }[];
  /** An existing EKS cluster to run trials as Kubeflow objects, and the role to reach it with. */
  eks?: { clusterName: string; roleArn: string; namespace: string };
  /** Where alarms go (an e-mail subscription to the alarm topic). */
  alarmEmail?: string;
}

export class ConfigError extends Error {}

/** Reads and checks the context; every problem at once. */
export function readConfig(app: App): TunestepConfig {
  const ctx = (key: string): unknown => app.node.tryGetContext(`tunestep:${key}`);
  const problems: string[] = [];
  const list = (key: string, fallback: string[]): string[] => {
    const v = ctx(key);
    if (v === undefined) return fallback;
    const items =
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v;
    if (!Array.isArray(items) || items.some((i) => typeof i !== 'string')) {
      problems.push(`tunestep:${key}: must be a list of strings (got ${JSON.stringify(v)})`);
      return fallback;
    }
    return items as string[];
  };
  const auth = (ctx('auth') ?? 'iam') as string;
  if (auth !== 'iam' && auth !== 'jwt') problems.push(`tunestep:auth: must be iam or jwt (got ${JSON.stringify(auth)})`);
  const jwtIssuer = ctx('jwtIssuer') as string | undefined;
  const jwtAudience = list('jwtAudience', []);
  if (auth === 'jwt' && (!jwtIssuer || jwtAudience.length === 0))
    problems.push('tunestep:jwtIssuer and tunestep:jwtAudience: required when tunestep:auth is jwt');
  const maxVcpus = Number(ctx('maxVcpus') ?? 256);
  if (!Number.isInteger(maxVcpus) || maxVcpus < 1)
    problems.push(`tunestep:maxVcpus: must be a positive integer (got ${JSON.stringify(ctx('maxVcpus'))})`);
  const rawImages = ctx('trialImages') ?? [];
  const trialImages = (Array.isArray(rawImages) ? rawImages : [rawImages]).map((i) =>
    typeof i === 'string' ? { image: i } : (i as { image: string; entrypoint?: string[] }),
  );
  if (trialImages.some((i) => typeof i.image !== 'string' || !i.image))
    problems.push(`tunestep:trialImages: each must be an image or {image, entrypoint} (got ${JSON.stringify(rawImages)})`);
  const clusterName = ctx('eksClusterName') as string | undefined;
  const roleArn = ctx('eksRoleArn') as string | undefined;
  if (Boolean(clusterName) !== Boolean(roleArn)) problems.push('tunestep:eksClusterName and tunestep:eksRoleArn: give both or neither');
  if (problems.length > 0) throw new ConfigError(`invalid Tunestep configuration:\n  ${problems.join('\n  ')}`);
  return {
    auth: auth as 'iam' | 'jwt',
    jwtIssuer,
    jwtAudience,
    instanceTypes: list('instanceTypes', ['g5.xlarge', 'g5.2xlarge']),
    maxVcpus,
    trialImages,
    eks: clusterName && roleArn ? { clusterName, roleArn, namespace: String(ctx('eksNamespace') ?? 'kubeflow') } : undefined,
    alarmEmail: ctx('alarmEmail') as string | undefined,
  };
}
