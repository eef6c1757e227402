/**
 * CPU time of the forest on cv=3 folds of the MNIST 5-detector (fit 40,000 rows x 100 trees on
 * 2 tree threads, then predict_proba on 20,000): process CPU (main + tree threads) and wall,
 * for the code under ROOT. CPU time holds up on a loaded machine where wall time does not, so
 * this compares two versions of the code: extract the older one beside the tree and alternate,
 *   git archive db0f353 packages/core/src | tar -x -C /work/wt/forest/bench/_base   (inside the tree: node_modules resolve)
 *   FOLDS=0 npx tsx bench/forest-cpu.ts $PWD/bench/_base ; FOLDS=0 npx tsx bench/forest-cpu.ts $PWD
 * Run: npx tsx bench/forest-cpu.ts ROOT   (FOLDS=0,1 by default)
 */
const root = process.argv[2];
const { loadMnist } = await import(`${root}/packages/core/src/datasets/mnist.js`);
const { RandomForestClassifier } = await import(`${root}/packages/core/src/estimators/random-forest.js`);
const { StratifiedKFold } = await import(`${root}/packages/core/src/splitters/index.js`);
const { takeTarget } = await import(`${root}/packages/core/src/matrix.js`);
const { configureKernels } = await import(`${root}/packages/core/src/kernels/kernel-settings.js`);
configureKernels({ threads: 2 });
const { train } = await loadMnist();
const y = Int32Array.from(train.y, (l: number) => Number(l === 5));
const folds = [...new StratifiedKFold({ nSplits: 3 }).split(y)];
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
for (const k of (process.env.FOLDS ?? '0,1').split(',').map(Number)) {
  const { train: tr, test } = folds[k];
  const c0 = cpu(), w0 = performance.now();
  const forest = await new RandomForestClassifier({ random_state: 42 }).fit(train.X.take(tr), takeTarget(y, tr));
  const c1 = cpu(), w1 = performance.now();
  const p = await forest.predictProba(train.X.take(test));
  const c2 = cpu(), w2 = performance.now();
  let s = 0; for (const v of p.data) s += v;
  console.log(`${root} fold ${k}: fit cpu ${(c1 - c0).toFixed(2)} s wall ${((w1 - w0) / 1000).toFixed(2)} s; predict cpu ${(c2 - c1).toFixed(2)} s wall ${((w2 - w1) / 1000).toFixed(2)} s; total wall ${((w2 - w0) / 1000).toFixed(2)} s; sum ${s}`);
}
