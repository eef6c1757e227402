import { activatePlugins, cellGroups, checkSpec, evaluatePlugin, planExperiment, PluginError, SpecError, type SpecIssue } from '@gridfold/core';
import { hostModules } from '@gridfold/queue';
import type { PluginCheckReply, PluginCheckRequest } from './plugin-check.js';

// One request, one reply, then exit: the process has run a user's code and is not reused. A
// spare waits here with the modules above loaded; it exits if the API goes away first.
process.once('disconnect', () => process.exit(0));
process.once('message', (msg: PluginCheckRequest) => {
  void check(msg).then(
    (reply) => process.send!({ ...reply, pid: process.pid } satisfies PluginCheckReply, () => process.exit(0)),
    (err: unknown) => process.send!({ ok: false, error: err instanceof Error ? err.message : String(err) } satisfies PluginCheckReply, () => process.exit(0)),
  );
});

async function check({ spec, maxCellFolds, bundles }: PluginCheckRequest): Promise<PluginCheckReply> {
  const refs: string[] = (spec as { plugins?: string[] }).plugins ?? [];
  const issues: SpecIssue[] = [];
  const loaded = [];
  for (const [i, ref] of refs.entries()) {
    const code = bundles[ref];
    try {
      loaded.push(evaluatePlugin(code, ref, await hostModules(code)));
    } catch (err) {
      if (!(err instanceof PluginError)) throw err;
      issues.push({ path: `plugins.${i}`, message: err.message });
    }
  }
  if (issues.length) return { ok: false, issues };
  try {
    activatePlugins(loaded);
  } catch (err) {
    if (!(err instanceof PluginError)) throw err;
    return { ok: false, issues: [{ path: 'plugins', message: err.message }] };
  }
  try {
    const plan = planExperiment(checkSpec(spec, { maxCellFolds }));
    return { ok: true, groups: plan.cv && plan.search.kind !== 'halving' ? cellGroups(plan) : undefined };
  } catch (err) {
    if (err instanceof SpecError) return { ok: false, issues: err.issues };
    throw err;
  }
}
