/**
 * Launch overhead: the PyTorch DDP example with 2 processes through `tunestep train` (a PyTorchJob with
 * a Master and a Worker) against the same script under `torchrun --nproc_per_node 2`, interleaved in the
 * same run (this machine is noisy); prints the wall times and their ratio (target: at most 1.1).
 *
 * Needs Debian's python3-torch and python3-sklearn. Usage: npm run bench:launch [-- --rounds 5]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, epochs: { type: 'string', default: '3' } } });
const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'pytorch-ddp');
const work = mkdtempSync(join(tmpdir(), 'tunestep-bench-launch-'));
const command = ['/usr/bin/python3', 'ddp_digits.py', `--epochs=${values.epochs}`];

const job = {
  apiVersion: 'kubeflow.org/v1',
  kind: 'PyTorchJob',
  metadata: { name: 'bench-launch' },
  spec: {
    pytorchReplicaSpecs: Object.fromEntries(
      ['Master', 'Worker'].map((type) => [
        type,
        { replicas: 1, template: { spec: { containers: [{ name: 'pytorch', image: 'unused', command }] } } },
      ]),
    ),
  },
};
const jobFile = join(EXAMPLE, `.bench-launch-${process.pid}.yaml`);
writeFileSync(jobFile, stringify(job));

function timed(argv: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: EXAMPLE, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return (performance.now() - started) / 1000;
}

const tunestep = () => timed([process.execPath, join(ROOT, 'bin', 'tunestep'), 'train', jobFile, '--home', work]);
// Debian's torchrun (torch 1.13, Python 3.11) needs redirects and tee set (../shared/STACK.md).
const torchrun = () =>
  timed(['/usr/bin/python3', '-m', 'torch.distributed.run', '--nproc_per_node', '2', '--master_port', '29533', ...command.slice(1)], {
    ...process.env,
    PET_REDIRECTS: '2',
    PET_TEE: '2',
  });

const ratios: number[] = [];
try {
  tunestep(); // warm both (page cache, the dist bundle)
  torchrun();
  for (let round = 1; round <= Number(values.rounds); round++) {
    const [a, b] = round % 2 ? [tunestep(), torchrun()] : [torchrun(), tunestep()].reverse();
    ratios.push(a! / b!);
    console.log(`round ${round}: tunestep train ${a!.toFixed(2)} s, torchrun ${b!.toFixed(2)} s, ratio ${(a! / b!).toFixed(2)}`);
  }
} finally {
  spawnSync('rm', ['-f', jobFile]);
}
const sorted = [...ratios].sort((x, y) => x - y);
console.log(
  `ratio tunestep train / torchrun (median of ${sorted.length}): ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} (target <= 1.10)`,
);
