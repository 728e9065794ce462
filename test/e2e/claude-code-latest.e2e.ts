// The newest Claude Code release (test/e2e/client-latest, bump it when Claude Code releases) through the same core
// scenarios as the pinned one, plus what only it sends: a change in what Claude Code sends shows up here first. Its own
// file, so its runs have their own time budget. Run by `npm run test:e2e`.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {simMarker} from '../../source/simulator/index.js';
import {LATEST, describeRun, generateCalls, runClaude} from './harness.js';
import {contentsOf, coreScenarios, e2e, workspaceDir} from './scenarios.js';

coreScenarios(LATEST);

type Declared = {request: {tools?: Array<{functionDeclarations?: Array<{name: string}>}>}};
const declared = (body: unknown): string[] => ((body as Declared).request.tools ?? []).flatMap(t => (t.functionDeclarations ?? []).map(d => d.name));

describe(`Claude Code ${LATEST.version} (latest): tool search`, () => {
	it('deferred tools stay hidden until ToolSearch loads one (tool_reference), then it is declared and called, with no request refused', async () => {
		const statuses: number[] = [];
		const onRequest = (event: {path: string; status: number}): void => {
			if (event.path === '/v1/messages') statuses.push(event.status);
		};
		e2e.app.bus.on('request', onRequest);
		const script = simMarker({kind: 'tools', calls: [{name: 'ToolSearch', args: {query: 'select:WebSearch', max_results: 5}}, {name: 'WebSearch', args: {query: 'tool search e2e'}}]});
		const run = await runClaude({baseUrl: e2e.app.url, workspace: workspaceDir(), model: 'claude-sonnet-4-6', allowedTools: ['ToolSearch', 'WebSearch'], client: LATEST, prompt: `tool-search: find it. ${script}`});
		e2e.app.bus.off('request', onRequest);
		assert.equal(run.code, 0, describeRun(run));
		assert.equal(run.result?.subtype, 'success', describeRun(run));
		assert.ok(statuses.length >= 4 && statuses.every(s => s === 200), `every request answered, none refused: ${statuses.join(',')}`);
		const calls = generateCalls(e2e.sim, 'tool-search: find it');
		assert.equal(calls.length, 3, 'ToolSearch, WebSearch, final answer: no fallback round');
		const [first, second] = calls;
		assert.ok(declared(first?.body).includes('ToolSearch'));
		assert.ok(!declared(first?.body).includes('WebSearch') && !declared(first?.body).includes('DeferredToolPlaceholder'), `deferred tools hidden: ${declared(first?.body).join(',')}`);
		assert.ok(declared(second?.body).includes('WebSearch'), 'loaded by the tool_reference');
		const loadedText = JSON.stringify(contentsOf(second?.body).at(-1));
		assert.match(loadedText, /Tool loaded: WebSearch/, 'the tool_reference reached the model as text');
		const counted = Object.values(run.result?.modelUsage ?? {}).reduce((sum, usage) => sum + (usage.webSearchRequests ?? 0), 0);
		assert.equal(counted, 1);
	});
});
