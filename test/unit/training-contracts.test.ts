import { describe, expect, test } from '@jest/globals';
import {
  jaxContract,
  kubernetesResolver,
  mpiContract,
  pytorchContract,
  tensorflowContract,
  xgboostContract,
} from '../../shared/training/contracts.js';

describe('PyTorchJob', () => {
  const resolve = kubernetesResolver('PyTorchJob', 'mnist', 'kubeflow');
  const replicas = { Master: 1, Worker: 2 };

  test('Master + 2 Workers: node ranks 0..2, WORLD_SIZE 3, the Master as rendezvous', () => {
    const envs = [
      pytorchContract({ replicas, type: 'Master', index: 0, resolve }).env,
      ...[0, 1].map((index) => pytorchContract({ replicas, type: 'Worker', index, resolve }).env),
    ];
    expect(envs.map((e) => e.RANK)).toEqual(['0', '1', '2']);
    expect(envs.map((e) => e.PET_NODE_RANK)).toEqual(['0', '1', '2']);
    for (const env of envs) {
      expect(env).toMatchObject({
        MASTER_ADDR: 'mnist-master-0',
        PET_MASTER_ADDR: 'mnist-master-0',
        MASTER_PORT: '23456',
        WORLD_SIZE: '3',
        PET_NNODES: '3',
        PET_NPROC_PER_NODE: 'auto',
        PYTHONUNBUFFERED: '1',
      });
    }
  });

  test('WORLD_SIZE counts processes with a numeric nprocPerNode; RANK stays the node rank', () => {
    const env = pytorchContract({ replicas: { Master: 1, Worker: 1 }, type: 'Worker', index: 0, resolve, nprocPerNode: '8' }).env;
    expect(env).toMatchObject({ WORLD_SIZE: '16', RANK: '1', PET_NPROC_PER_NODE: '8' });
  });

  test('workers only, elastic: no MASTER_*/RANK/WORLD_SIZE; rendezvous at worker 0, PET_NNODES min:max', () => {
    const env = pytorchContract({
      replicas: { Worker: 3 },
      type: 'Worker',
      index: 2,
      resolve,
      elastic: { minReplicas: 2, maxRestarts: 3 },
    }).env;
    expect(env.MASTER_ADDR).toBeUndefined();
    expect(env.RANK).toBeUndefined();
    expect(env.WORLD_SIZE).toBeUndefined();
    expect(env).toMatchObject({
      PET_NNODES: '2:2',
      PET_RDZV_ENDPOINT: 'mnist-worker-0:23456',
      PET_RDZV_BACKEND: 'c10d',
      PET_MAX_RESTARTS: '3',
    });
  });
});

describe('TFJob', () => {
  test("TF_CONFIG exactly as the operator's unit test expects it (pod_test.go)", () => {
    const resolve = kubernetesResolver('TFJob', 'test-tfjob', 'ns3');
    const { env } = tensorflowContract({ replicas: { Worker: 1, PS: 1, Evaluator: 1 }, type: 'Worker', index: 0, resolve });
    expect(env.TF_CONFIG).toBe(
      '{"cluster":{"evaluator":["test-tfjob-evaluator-0.ns3.svc:2222"],"ps":["test-tfjob-ps-0.ns3.svc:2222"],"worker":["test-tfjob-worker-0.ns3.svc:2222"]},"task":{"type":"worker","index":0},"environment":"cloud"}',
    );
  });

  test('the same cluster on every replica; a single-replica job gets no TF_CONFIG', () => {
    const resolve = kubernetesResolver('TFJob', 'j', 'ns', 2222, 'cluster.local');
    const replicas = { Chief: 1, Worker: 2 };
    const configs = [
      tensorflowContract({ replicas, type: 'Chief', index: 0, resolve }),
      tensorflowContract({ replicas, type: 'Worker', index: 1, resolve }),
    ].map((r) => JSON.parse(r.env.TF_CONFIG!));
    expect(configs[0].cluster).toEqual(configs[1].cluster);
    expect(configs[0].cluster.worker).toEqual(['j-worker-0.ns.svc.cluster.local:2222', 'j-worker-1.ns.svc.cluster.local:2222']);
    expect(configs[1].task).toEqual({ type: 'worker', index: 1 });
    expect(tensorflowContract({ replicas: { Worker: 1 }, type: 'Worker', index: 0, resolve }).env.TF_CONFIG).toBeUndefined();
  });
});

test('XGBoostJob: ranks, world size, worker port and addresses (for LightGBM)', () => {
  const resolve = kubernetesResolver('XGBoostJob', 'xgb', 'kubeflow');
  const replicas = { Master: 1, Worker: 2 };
  expect(xgboostContract({ replicas, type: 'Worker', index: 1, resolve }).env).toEqual({
    PYTHONUNBUFFERED: '1',
    MASTER_ADDR: 'xgb-master-0',
    MASTER_PORT: '9999',
    WORLD_SIZE: '3',
    RANK: '2',
    WORKER_PORT: '9999',
    WORKER_ADDRS: 'xgb-worker-0,xgb-worker-1',
  });
  expect(xgboostContract({ replicas: { Master: 1 }, type: 'Master', index: 0, resolve }).env.WORKER_ADDRS).toBeUndefined();
});

describe('MPIJob v2beta1', () => {
  const resolve = kubernetesResolver('MPIJob', 'pi', 'kubeflow');
  const replicas = { Launcher: 1, Worker: 2 };

  test('the launcher gets the OpenMPI hostfile and variables; workers only their role', () => {
    const launcher = mpiContract({ replicas, type: 'Launcher', index: 0, resolve, slotsPerWorker: 2 });
    expect(launcher.files).toEqual({ '/etc/mpi/hostfile': 'pi-worker-0.pi.kubeflow.svc slots=2\npi-worker-1.pi.kubeflow.svc slots=2\n' });
    expect(launcher.env).toMatchObject({
      K_MPI_JOB_ROLE: 'launcher',
      OMPI_MCA_orte_default_hostfile: '/etc/mpi/hostfile',
      OMPI_MCA_orte_keep_fqdn_hostnames: 'true',
      OMPI_MCA_plm_rsh_args: '-o ConnectionAttempts=10',
      OMPI_MCA_orte_set_default_slots: '2',
      NVIDIA_VISIBLE_DEVICES: '',
    });
    expect(launcher.env.RANK).toBeUndefined();
    expect(mpiContract({ replicas, type: 'Worker', index: 1, resolve })).toEqual({ env: { K_MPI_JOB_ROLE: 'worker' } });
  });

  test('Intel and MPICH hostfiles use host:slots; runLauncherAsWorker puts the launcher first', () => {
    const intel = mpiContract({ replicas, type: 'Launcher', index: 0, resolve, implementation: 'Intel', runLauncherAsWorker: true });
    expect(intel.files!['/etc/mpi/hostfile']).toBe(
      'pi-launcher.pi.kubeflow.svc:1\npi-worker-0.pi.kubeflow.svc:1\npi-worker-1.pi.kubeflow.svc:1\n',
    );
    expect(intel.env).toMatchObject({ I_MPI_HYDRA_HOST_FILE: '/etc/mpi/hostfile', I_MPI_PERHOST: '1' });
    expect(intel.env.NVIDIA_VISIBLE_DEVICES).toBeUndefined();
    expect(mpiContract({ replicas, type: 'Launcher', index: 0, resolve, implementation: 'MPICH' }).env).toMatchObject({
      HYDRA_HOST_FILE: '/etc/mpi/hostfile',
    });
  });
});

test('local endpoints: the same contract over 127.0.0.1 and per-replica ports', () => {
  const ports: Record<string, number> = { 'Master-0': 40001, 'Worker-0': 40002, 'Worker-1': 40003 };
  const resolve = (type: string, index: number) => ({ host: '127.0.0.1', port: ports[`${type}-${index}`]! });
  const env = pytorchContract({ replicas: { Master: 1, Worker: 2 }, type: 'Worker', index: 0, resolve }).env;
  expect(env).toMatchObject({ MASTER_ADDR: '127.0.0.1', MASTER_PORT: '40001', RANK: '1', WORLD_SIZE: '3' });
});

test('JAXJob: the operator names Worker 0 as coordinator on jaxjob-port 6666; PROCESS_ID is the index', () => {
  const resolve = kubernetesResolver('JAXJob', 'jaxjob-simple', 'kubeflow');
  expect(jaxContract({ replicas: { Worker: 2 }, type: 'Worker', index: 1, resolve }).env).toEqual({
    PYTHONUNBUFFERED: '1',
    COORDINATOR_PORT: '6666',
    COORDINATOR_ADDRESS: 'jaxjob-simple-worker-0',
    NUM_PROCESSES: '2',
    PROCESS_ID: '1',
  });
});
