// The Claude Code scenarios shared by the e2e files: a fresh agproxy + simulator per scenario, the write-then-read tool
// loop, and the core scenarios each client (pinned and newest) must pass.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, it} from 'node:test';
import {SKIP_SIGNATURE} from '../../source/cloudcode/types.js';
import {simMarker} from '../../source/simulator/index.js';
import {type ClaudeClient, type ClaudeRun, type E2E, describeRun, generateCalls, makeWorkspace, runClaude, startE2E} from './harness.js';

type Part = {text?: string; thought?: boolean; thoughtSignature?: string; functionCall?: {name: string}; functionResponse?: {name: string}};
type Turn = {role: string; parts?: Part[]};
export const contentsOf = (body: unknown): Turn[] => (body as {request: {contents: Turn[]}}).request.contents;
export const modelOf = (body: unknown): string => (body as {model: string}).model;

// A fresh agproxy and simulator per scenario: pool state (bindings, limits) must not leak from one run into the next.
// Every file that imports this module gets these hooks.
export let e2e: E2E;
let workspace: {dir: string; remove: () => void};
beforeEach(async () => {
	e2e = await startE2E();
	workspace = makeWorkspace();
});
afterEach(async () => {
	workspace.remove();
	await e2e.close();
});

export const workspaceDir = (): string => workspace.dir;

/**
 * A prompt whose simulated answers make Claude Code write `file` with `content` through Bash, read it back with Read,
 * then finish with a text that quotes what Read returned (the simulator's default last step). `tag` makes the
 * conversation findable in the simulator's log.
 */
function writeThenReadPrompt(tag: string, file: string, content: string): string {
	const script = simMarker({
		kind: 'tools',
		calls: [
			{name: 'Bash', args: {command: `printf '%s\\n' '${content}' > ${file}`, description: 'Write the file'}},
			{name: 'Read', args: {file_path: join(workspace.dir, file)}},
		],
	});
	return `${tag}: write ${content} to ${file}, then read it back. ${script}`;
}

/** Runs the write-then-read loop and asserts the whole of it: 3 turns, the file on disk, the final text quoting it. */
export async function writeThenRead(tag: string, options: {model?: string; apiKey?: string; client?: ClaudeClient} = {}): Promise<ClaudeRun> {
	const content = `${tag}-${Math.random().toString(36).slice(2, 8)}`;
	const run = await runClaude({baseUrl: e2e.app.url, workspace: workspace.dir, prompt: writeThenReadPrompt(tag, 'notes.txt', content), ...options});
	assert.equal(run.code, 0, describeRun(run));
	assert.ok(run.result, describeRun(run));
	assert.equal(run.result.subtype, 'success', describeRun(run));
	assert.equal(run.result.is_error, false, describeRun(run));
	assert.equal(run.result.num_turns, 3, describeRun(run));
	assert.equal(readFileSync(join(workspace.dir, 'notes.txt'), 'utf8'), `${content}\n`, 'the file Claude Code wrote through Bash');
	assert.match(run.result.result ?? '', new RegExp(content), 'the final answer quotes what Read returned');
	return run;
}

/** The model turns agproxy sent back upstream in the last request of a conversation (its replayed history). */
function replayedModelTurns(tag: string): Turn[] {
	const calls = generateCalls(e2e.sim, tag);
	return contentsOf(calls.at(-1)?.body).filter(t => t.role === 'model');
}

/** The scenarios every Claude Code client must pass: tool loops, thinking for both families, WebSearch, Agent. */
export function coreScenarios(client: ClaudeClient): void {
	describe(`Claude Code ${client.version} (${client.name}) end to end`, () => {
		it('runs a write-then-read tool loop (Claude model, no thinking upstream)', async () => {
			await writeThenRead('loop-plain', {model: 'claude-sonnet-4-6', client});
			const calls = generateCalls(e2e.sim, 'loop-plain');
			assert.equal(calls.length, 3);
			assert.ok(calls.every(c => modelOf(c.body) === 'claude-sonnet-4-6' && c.status === 200));
			assert.ok(contentsOf(calls[2]?.body).some(t => t.parts?.some(p => p.functionResponse?.name === 'Read')), 'the Read result went upstream');
		});

		it('with thinking on a Claude model: Claude Code\'s own default model maps to the thinking model and signatures round-trip', async () => {
			await writeThenRead('loop-claude-thinking', {client});
			const calls = generateCalls(e2e.sim, 'loop-claude-thinking');
			assert.equal(calls.length, 3);
			assert.ok(calls.every(c => modelOf(c.body) === 'claude-opus-4-6-thinking' && c.status === 200), calls.map(c => `${modelOf(c.body)} ${c.status}`).join(', '));
			const turns = replayedModelTurns('loop-claude-thinking');
			assert.equal(turns.length, 2);
			for (const turn of turns) {
				const first = turn.parts?.[0];
				assert.equal(first?.thought, true, 'each replayed model turn starts with its thinking');
				assert.ok(turn.parts?.some(p => p.thought === true && (p.thoughtSignature ?? '').length > 20), 'with the signature Claude returned');
			}
		});

		it('with thinking on a Gemini model: function-call signatures round-trip, no sentinel needed', async () => {
			await writeThenRead('loop-gemini-thinking', {model: 'gemini-3.1-pro-high', client});
			const calls = generateCalls(e2e.sim, 'loop-gemini-thinking');
			assert.equal(calls.length, 3);
			assert.ok(calls.every(c => modelOf(c.body) === 'gemini-3.1-pro-high' && c.status === 200));
			const turns = replayedModelTurns('loop-gemini-thinking');
			const signed = turns.flatMap(t => t.parts ?? []).filter(p => p.functionCall !== undefined);
			assert.equal(signed.length, 2);
			for (const part of signed) {
				assert.ok(part.thoughtSignature && part.thoughtSignature !== SKIP_SIGNATURE, `real signature on ${part.functionCall?.name}`);
			}
		});

		it('its WebSearch tool: a grounded search whose sources reach the answer, counted as a search', async () => {
			const query = `agproxy grounding ${client.name}`;
			const script = simMarker({kind: 'tools', calls: [{name: 'WebSearch', args: {query}}]});
			const run = await runClaude({baseUrl: e2e.app.url, workspace: workspace.dir, model: 'claude-sonnet-4-6', allowedTools: ['WebSearch'], client, prompt: `web-search: look it up. ${script}`});
			assert.equal(run.code, 0, describeRun(run));
			assert.equal(run.result?.subtype, 'success', describeRun(run));
			// WebSearch asked agproxy on its own, with the web_search server tool only: served by Google Search grounding.
			const searches = e2e.sim.requests.filter(r => r.rpc === 'streamGenerateContent' && (r.body as {request: {tools?: Array<Record<string, unknown>>}}).request.tools?.some(t => 'googleSearch' in t));
			assert.equal(searches.length, 1, 'one grounded request');
			const search = searches[0]?.body as {model: string; requestType: string; request: {tools: Array<Record<string, unknown>>}};
			assert.match(search.model, /^gemini-/, 'a Gemini model grounds the search');
			assert.equal(search.requestType, 'web_search');
			assert.deepEqual(search.request.tools, [{googleSearch: {}}]);
			// The main loop got the sources back: Claude Code's tool result (quoted in the simulator's last answer) lists them.
			const answer = run.result?.result ?? '';
			assert.match(answer, new RegExp(`Web search results for query: "${query}"`), describeRun(run));
			assert.match(answer, /"title":"en\.wikipedia\.org","url":"https:\/\/vertexaisearch\.cloud\.google\.com\/grounding-api-redirect\/[\w-]+"/, describeRun(run));
			assert.match(answer, /According to .+ \(en\.wikipedia\.org\)/, 'with the grounded text');
			const counted = Object.values(run.result?.modelUsage ?? {}).reduce((sum, usage) => sum + (usage.webSearchRequests ?? 0), 0);
			assert.equal(counted, 1, `Claude Code counts one web search, not 0: ${JSON.stringify(run.result?.modelUsage)}`);
		});

		it('its Agent tool: the subagent (x-claude-code-agent-id) gets its own account and upstream sessionId, the main loop keeps its own', async () => {
			const script = simMarker({kind: 'tools', calls: [{name: 'Agent', args: {description: 'Probe subagent', prompt: 'subagent-probe: say hello', subagent_type: 'general-purpose'}}]});
			const run = await runClaude({baseUrl: e2e.app.url, workspace: workspace.dir, model: 'claude-sonnet-4-6', allowedTools: ['Agent'], client, prompt: `agent-main: delegate it. ${script}`});
			assert.equal(run.code, 0, describeRun(run));
			assert.equal(run.result?.subtype, 'success', describeRun(run));
			const sessionOf = (body: unknown): string => (body as {request: {sessionId: string}}).request.sessionId;
			const main = generateCalls(e2e.sim, 'agent-main');
			const sub = e2e.sim.requests.filter(r => r.rpc === 'streamGenerateContent' && !main.includes(r) && JSON.stringify(r.body).includes('subagent-probe: say hello'));
			assert.ok(main.length >= 2 && sub.length >= 1, `main ${main.length}, subagent ${sub.length}`);
			assert.ok([...main, ...sub].every(c => c.status === 200));
			assert.equal(new Set(main.map(c => c.account)).size, 1, 'the main loop stays on one account');
			assert.equal(new Set(main.map(c => sessionOf(c.body))).size, 1);
			assert.equal(new Set(sub.map(c => c.account)).size, 1, 'the subagent stays on one account');
			assert.notEqual(sub[0]?.account, main[0]?.account, 'the subagent does not pile onto the parent\'s account');
			assert.notEqual(sessionOf(sub[0]?.body), sessionOf(main[0]?.body), 'and has its own upstream sessionId (prompt cache)');
		});
	});
}
