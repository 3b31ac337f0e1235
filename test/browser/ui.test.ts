import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Browser, chromium, type Page } from 'playwright-core';
import { stringify } from 'yaml';
import { type LocalServer, startLocalServer } from '#local/server.js';
import { FIXTURES, fixtureExperiment, ROOT, tempHome } from '../helpers.js';

/** Debian's Chromium (`apt-get install chromium`, which .ci/run does); playwright cannot download browsers here. */
const CHROMIUM = process.env.TUNESTEP_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(ROOT, 'test', 'browser', 'screenshots');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`test/browser skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set TUNESTEP_CHROMIUM)`);

let server: LocalServer;
let browser: Browser;
let page: Page;

const describeIf = haveChromium ? describe : describe.skip;

describeIf('the web UI in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startLocalServer({
      home: tempHome('tunestep-ui-'),
      port: 0,
      env: { ...process.env, TUNESTEP_TOKEN: '' },
      workdir: FIXTURES,
      log: () => {},
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opens with the token, submits an experiment in the YAML editor, and shows it live to its end', async () => {
    await page.goto(server.uiUrl);
    await page.getByRole('heading', { name: 'Experiments' }).waitFor();
    // The token leaves the address bar once kept.
    expect(page.url()).not.toContain('token=');
    await page.screenshot({ path: join(SHOTS, 'experiment-list-empty.png') });

    await page.getByRole('link', { name: 'New experiment' }).first().click();
    const doc = fixtureExperiment('objective.yaml');
    doc.metadata.name = 'from-the-browser';
    doc.spec.algorithm = {
      algorithmName: 'tpe',
      algorithmSettings: [
        { name: 'random_state', value: '5' },
        { name: 'n_startup_trials', value: '4' },
      ],
    };
    doc.spec.maxTrialCount = 8;
    doc.spec.parallelTrialCount = 2;
    doc.spec.trialTemplate.trialSpec.spec.template.spec.containers[0].command = [
      'python3',
      join(FIXTURES, 'scripts', 'objective.py'),
      '--x=${trialParameters.x}',
      '--y=${trialParameters.y}',
      '--epochs=4',
      '--sleep=1.6',
    ];
    await page.getByTestId('yaml-editor').fill(stringify(doc));
    await page.screenshot({ path: join(SHOTS, 'submit.png') });
    await page.getByTestId('submit').click();
    await page.waitForURL(/#\/experiments\/kubeflow\/from-the-browser$/);

    // The page follows the run without a reload: first Running, then Succeeded.
    await page.locator('.toolbar .badge', { hasText: 'Running' }).waitFor({ timeout: 30_000 });
    await page.locator('.toolbar .badge', { hasText: 'Succeeded' }).waitFor({ timeout: 90_000 });
    await page.locator('[data-testid="history-plot"][data-points="8"]').waitFor();

    expect(await page.getByTestId('trials-table').locator('tbody tr').count()).toBe(8);
    for (const plot of ['history-plot', 'parallel-plot', 'importance-plot']) {
      const chart = page.getByTestId(plot);
      expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(0);
      // Drawn, not just laid out: the SVG gets marks in it (ECharts paints on the next frame, so wait).
      await chart.locator('svg path').nth(3).waitFor({ state: 'attached' });
    }
    expect(await page.getByTestId('parallel-plot').getAttribute('data-points')).toBe('8');
    expect(await page.getByTestId('best-trial').textContent()).toMatch(/loss = \d/);
    await page.screenshot({ path: join(SHOTS, 'experiment.png'), fullPage: true });

    // Sorting by the objective puts the best trial first.
    await page.getByTestId('trials-table').locator('th', { hasText: 'loss' }).click();
    // The table re-renders after the click: wait for the best row to be first rather than look at once.
    await page.getByTestId('trials-table').locator('tbody tr:first-child.best').waitFor({ timeout: 5_000 });

    await page.goto(`${server.url}/#/`);
    await page.getByTestId('experiment-table').locator('tbody tr', { hasText: 'from-the-browser' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'experiment-list.png') });
  }, 150_000);

  it('opens a trial and shows its metric curve and its logs', async () => {
    await page.goto(`${server.url}/#/experiments/kubeflow/from-the-browser`);
    await page.getByTestId('trials-table').locator('tbody tr a').first().click();
    await page.waitForURL(/#\/trials\/kubeflow\/from-the-browser-/);
    const curve = page.getByTestId('metric-curve');
    await curve.waitFor();
    // Four epochs of loss: four points on the curve.
    expect(await curve.getAttribute('data-points')).toBe('4');
    // ECharts paints on the next animation frame: wait for the marks rather than count them at once.
    await curve.locator('svg path').nth(2).waitFor({ state: 'attached' });
    await page.getByTestId('trial-logs').filter({ hasText: 'training done' }).waitFor();
    expect(await page.getByTestId('trial-logs').textContent()).toMatch(/epoch=1 loss=\d/);
    await page.screenshot({ path: join(SHOTS, 'trial.png'), fullPage: true });
  }, 60_000);

  it('shows every invalid field of a bad submission', async () => {
    await page.goto(`${server.url}/#/new`);
    const doc = fixtureExperiment('objective.yaml');
    doc.metadata.name = 'Bad_Name';
    doc.spec.parameters[0].feasibleSpace = { min: '3', max: '1' };
    await page.getByTestId('yaml-editor').fill(stringify(doc));
    await page.getByTestId('submit').click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = await alert.textContent();
    expect(text).toContain('metadata.name');
    expect(text).toContain('spec.parameters[0].feasibleSpace');
  });

  it('runs a PyTorchJob submitted in the editor and shows its replicas and their logs', async () => {
    const out = tempHome('tunestep-ui-job-');
    const container = (extra: string[]) => ({
      spec: {
        containers: [
          {
            name: 'pytorch',
            image: 'unused',
            command: ['python3', join(FIXTURES, 'scripts', 'replica.py'), '--out', out, '--rendezvous', 'pytorch', ...extra],
          },
        ],
      },
    });
    const job = {
      apiVersion: 'kubeflow.org/v1',
      kind: 'PyTorchJob',
      metadata: { name: 'ddp-from-the-browser', namespace: 'kubeflow' },
      spec: {
        pytorchReplicaSpecs: {
          Master: { replicas: 1, template: container(['--sleep', '1']) },
          Worker: { replicas: 2, restartPolicy: 'Never', template: container([]) },
        },
      },
    };
    await page.goto(`${server.url}/#/new`);
    await page.getByTestId('yaml-editor').fill(stringify(job));
    await page.getByTestId('submit').click();
    await page.waitForURL(/#\/jobs\/kubeflow\/ddp-from-the-browser$/);
    await page.locator('.toolbar .badge', { hasText: 'Succeeded' }).waitFor({ timeout: 60_000 });
    const rows = page.getByTestId('replicas').locator('tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.first().textContent()).toContain('master-0');
    expect(await rows.first().textContent()).toContain('succeeded');
    await page.getByTestId('replica-logs').filter({ hasText: "master heard ranks ['1', '2']" }).waitFor();
    await rows.nth(1).click();
    // A Worker's own output, not the Master's.
    await page.getByTestId('replica-logs').filter({ hasText: 'attempt 1 started' }).filter({ hasNotText: 'master heard' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'job.png'), fullPage: true });
    await page.goto(`${server.url}/#/jobs`);
    await page.getByTestId('job-table').locator('tbody tr', { hasText: 'ddp-from-the-browser' }).waitFor();
  }, 90_000);

  it("builds an experiment with the form, as Katib's create page does, and runs it", async () => {
    await page.goto(`${server.uiUrl}#/new`);
    await page.getByRole('button', { name: 'Form' }).click();
    const field = (label: string) => page.locator('label', { hasText: label }).locator('input, select').first();
    await field('Name').fill('from-the-form');
    await field('Namespace').fill('kubeflow');
    await field('Objective metric').fill('loss');
    await field('Algorithm').selectOption('random');
    await field('Max trials').fill('3');
    await field('Parallel trials').fill('1');
    await field('Max failed trials').fill('1');
    // Two parameters to begin with: lr (double, logUniform) and optimizer (categorical); make them the script's x and y.
    const names = page.getByLabel('parameter name', { exact: true });
    await names.nth(0).fill('x');
    await page.getByLabel('min', { exact: true }).first().fill('0');
    await page.getByLabel('max', { exact: true }).first().fill('1');
    await page.locator('.param-row').first().locator('select').nth(1).selectOption('');
    await names.nth(1).fill('y');
    await page.getByLabel('values', { exact: true }).first().fill('a, b');
    await page
      .locator('input.wide')
      .fill(`python3 ${join(FIXTURES, 'scripts', 'objective.py')} --x=\${trialParameters.x} --y=\${trialParameters.y}`);
    const yaml = await page.getByTestId('yaml-editor').inputValue();
    expect(yaml).toContain('name: from-the-form');
    expect(yaml).toContain('algorithmName: random');
    expect(yaml).toMatch(/- name: y\s+parameterType: categorical\s+feasibleSpace:\s+list:\s+- a\s+- b/);
    await page.getByTestId('submit').click();
    await page.waitForURL(/#\/experiments\/kubeflow\/from-the-form$/);
    await page.locator('.toolbar .badge', { hasText: 'Succeeded' }).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('trials-table').locator('tbody tr').count()).toBe(3);
  }, 90_000);
});
