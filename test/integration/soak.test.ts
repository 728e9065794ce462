// Soak: 50 concurrent clients for a bounded time (AGPROXY_SOAK_MS, default 35 s) against a real agproxy (file store,
// three simulator accounts, two users with keys, a model group) with upstream faults and client aborts. Checks that the
// server stays up, every request ends in exactly one well-formed outcome, the per-user usage matches what the clients
// saw, nothing stays in flight or open upstream, and the heap does not grow.
//
// Memory is measured in-process (heapUsed after a forced full GC), not as a child's RSS: RSS keeps pages the allocator
// does not return, so it creeps even without a leak, while a forced GC leaves only what is really reachable. The load
// generator shares the heap but keeps only counters and the conversation it is in, so its share does not grow.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import {after, before, describe, it} from 'node:test';
import {Agent, request} from 'undici';
import {loadOAuthConfig} from '../../source/accounts/oauth.js';
import type {UsageTotals} from '../../source/actions/usage.js';
import {type App, startApp} from '../../source/app.js';
import {runGroups} from '../../source/cli/groups.js';
import {runUsers} from '../../source/cli/users.js';
import {loadConfig} from '../../source/config.js';
import type {RequestRecord} from '../../source/events.js';
import {type FaultScript, type SimAccount, type SimScript, type Simulator, simMarker, startSimulator} from '../../source/simulator/index.js';
import {openDataStore} from '../../source/store/index.js';
import {readServerInfo} from '../../source/store/lock.js';
import {type ContentBlock, Malformed, type Outcome, type SocketCounter, checkErrorBody, checkMessage, pickWeighted, readStream, startSocketCounter} from '../helpers/soak.js';
import {seededRandom} from '../helpers/random.js';

const SOAK_MS = Number(process.env['AGPROXY_SOAK_MS'] ?? 35_000);
const SEED = Number(process.env['AGPROXY_SOAK_SEED'] ?? 6);
const CONCURRENCY = 50;
/** A request that has not ended after this long is counted as hung (a bug). */
const HUNG_MS = 60_000;
const HEAP_GROWTH_LIMIT = 30 * 1024 * 1024;
/**
 * The simulator's server closes an idle keep-alive socket 5 s after its last answer (Node's default), agproxy's side
 * sooner. A socket that never carried a request is closed by agproxy's undici pool itself, 30 s after it connected (its
 * keepAliveTimeout): undici opens one now and then for a request that a client abort removed from its queue meanwhile.
 */
const KEEP_ALIVE_SETTLE_MS = 15_000;

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc') as () => void;

const accounts: SimAccount[] = ['a', 'b', 'c'].map(n => ({email: `${n}@soak.test`, refreshToken: `1//refresh-soak-${n}`, project: `project-soak-${n}`, tier: 'free-tier'}));
const USERS = ['alice', 'bob'] as const;
type UserName = (typeof USERS)[number];
const GROUP = 'soak-fast';
/** Only client-abort targets use this model, and no fault rule names it: their answers always stall until the abort. */
const ABORT_MODEL = 'gemini-2.5-pro';

let sim: Simulator;
let counter: SocketCounter;
let app: App;
let dataDir: string;
const keys = new Map<UserName, string>();
/** What the server logged for each POST /v1/messages, and notices about usage it could not record. */
const records: Array<Pick<RequestRecord, 'user' | 'status'>> = [];
const warnings: string[] = [];

async function cli(run: typeof runUsers | typeof runGroups, args: string[], flags: Record<string, unknown> = {}): Promise<string> {
	let out = '';
	let err = '';
	const io = {stdout: {write: (t: string) => ((out += t), true)}, stderr: {write: (t: string) => ((err += t), true)}};
	const code = await run(args, flags as never, io, {dataDir});
	assert.equal(code, 0, `${args.join(' ')}: ${err}`);
	return out;
}

before(async () => {
	// Few recorded requests: the simulator's log fills up during warm-up instead of growing through the measured run.
	// Answers stream at a pace, like the real service, so that the clients' streams overlap instead of each being over
	// in a few milliseconds.
	sim = await startSimulator({port: 0, accounts, maxRecorded: 300, chunkDelayMs: 10});
	counter = await startSocketCounter(sim.url);
	dataDir = mkdtempSync(join(tmpdir(), 'agproxy-soak-'));
	const seed = await openDataStore(dataDir);
	for (const account of accounts) {
		await seed.accounts.upsert({email: account.email, refreshToken: account.refreshToken, projectId: account.project ?? '', tier: 'free-tier', enabled: true, addedAt: new Date().toISOString()});
	}
	seed.close();
	const env = {
		AGPROXY_ACCOUNT_CONCURRENCY: '20',
		AGPROXY_MAX_WAIT_MS: '3000',
		AGPROXY_FIRST_BYTE_TIMEOUT_MS: '8000',
		AGPROXY_IDLE_TIMEOUT_MS: '8000',
		AGPROXY_PING_INTERVAL_MS: '400',
		AGPROXY_SHUTDOWN_GRACE_MS: '2000',
	};
	// Everything agproxy sends to Google (Cloud Code and OAuth) goes through the counting forwarder.
	app = await startApp(loadConfig({port: 0, upstream: counter.url, dataDir}, env), {
		oauth: {...loadOAuthConfig({}), tokenUrl: `${counter.url}/token`, userinfoUrl: `${counter.url}/oauth2/v2/userinfo`, authUrl: `${counter.url}/o/oauth2/v2/auth`},
	});
	for (const name of USERS) {
		const key = /(sk-agp-[A-Za-z0-9_-]+)/.exec(await cli(runUsers, ['create', name]))?.[1];
		assert.ok(key, `a key for ${name}`);
		keys.set(name, key);
	}
	await cli(runGroups, ['create', GROUP], {strategy: 'priority'});
	await cli(runGroups, ['add', GROUP, 'gemini-3-flash'], {order: 1});
	await cli(runGroups, ['add', GROUP, 'claude-sonnet-4-6'], {order: 2});
	app.bus.on('request', record => {
		if (record.path === '/v1/messages') records.push({user: record.user, status: record.status});
	});
	app.bus.on('notice', notice => {
		if (/usage/i.test(notice.message)) warnings.push(notice.message);
	});
});

after(async () => {
	await clientAgent.destroy();
	await app?.stop();
	await counter?.close();
	await sim?.close();
	if (dataDir) rmSync(dataDir, {recursive: true, force: true});
});

// ---- what the clients send ----

/** `invalid`: a request agproxy must refuse itself (400), which usage still counts, as an error. */
type Kind = 'text' | 'thinking' | 'tools' | 'long' | 'group' | 'haiku' | 'invalid';
type AbortPlan = 'none' | 'mid-stream' | 'before-headers' | 'whole';

type Turn = {role: 'user' | 'assistant'; content: string | Array<Record<string, unknown>>};

const TOOLS = [
	{name: 'Bash', description: 'Run a shell command', input_schema: {type: 'object', properties: {command: {type: 'string', minLength: 1}}, required: ['command'], additionalProperties: false}},
	{name: 'Read', description: 'Read a file', input_schema: {type: 'object', properties: {file_path: {type: 'string'}}, required: ['file_path']}},
];

/** The model the simulator sees for a request of this kind and model (fault rules are aimed at it). */
function upstreamModel(model: string): string {
	if (model === GROUP || model.startsWith('claude-haiku')) return 'gemini-3-flash';
	return model;
}

type Plan = {kind: Kind; model: string; stream: boolean; thinking: boolean; first: string};

function planFor(random: () => number, kind: Kind, id: string): Plan {
	const stream = random() < 0.5;
	const both = (a: string, b: string): string => (random() < 0.5 ? a : b);
	switch (kind) {
		case 'text':
			return {kind, model: both('claude-sonnet-4-6', 'gemini-3-flash'), stream, thinking: false, first: `${id} ${simMarker({kind: 'text', chunks: 2 + Math.floor(random() * 6)})}`};
		case 'thinking':
			return {kind, model: 'claude-opus-4-6-thinking', stream, thinking: true, first: `${id} think ${simMarker({kind: 'thinking', chunks: 3})}`};
		case 'tools': {
			const steps = 1 + Math.floor(random() * 2);
			const script: SimScript = {kind: 'tools', calls: Array.from({length: steps}, (_, i) => (i === 0 ? {name: 'Bash', args: {command: `echo ${id}`}} : {name: 'Read', args: {file_path: `/tmp/${id}`}})), finalText: 'All done.'};
			const model = pickWeighted(random, [['claude-sonnet-4-6', 1], ['gemini-3-flash', 1], ['claude-opus-4-6-thinking', 1]] as const);
			return {kind, model, stream, thinking: model.endsWith('-thinking'), first: `${id} use tools ${simMarker(script)}`};
		}
		case 'long':
			return {kind, model: both('claude-sonnet-4-6', 'gemini-3-flash'), stream, thinking: false, first: `${id} ${simMarker({kind: 'long', chunks: 40 + Math.floor(random() * 40), chunkSize: 64})}`};
		case 'group':
			return {kind, model: GROUP, stream, thinking: false, first: `${id} hello group`};
		case 'haiku':
			return {kind, model: 'claude-haiku-4-5-20251001', stream, thinking: false, first: `${id} a title please`};
		case 'invalid':
			return {kind, model: 'claude-sonnet-4-6', stream, thinking: false, first: `${id} with max_tokens 0`};
	}
}

/**
 * Upstream faults, enqueued as rules aimed at the model a request is about to use (the request that takes one may be
 * another client's). Limits and capacity sometimes come three at a time, enough to reach every account. Failures of
 * the 5xx kind stay rare and single: three in a row on one account+model cool it down for 30 s (the pool's policy),
 * and a soak where every model sits in that cooldown would test little else.
 */
function faultFor(random: () => number): {script: FaultScript; times: number} {
	const burst = random() < 0.3 ? 3 : 1;
	return pickWeighted<{script: FaultScript; times: number}>(random, [
		[{script: {kind: 'http_error', error: 'rate_limit', retryDelaySec: 1}, times: burst}, 3],
		[{script: {kind: 'http_error', error: 'capacity_503', retryDelaySec: 1}, times: burst}, 2],
		[{script: {kind: 'http_error', error: 'invalid_argument_400'}, times: 1}, 1],
		[{script: {kind: 'http_error', error: 'server_500'}, times: 1}, 1],
		[{script: {kind: 'disconnect_mid_stream', afterChunks: 2}, times: 1}, 1],
		[{script: {kind: 'truncated'}, times: 1}, 1],
		[{script: {kind: 'malformed_chunk', at: 1}, times: 1}, 1],
		[{script: {kind: 'slow_first_byte', ms: 300 + Math.floor(random() * 1200)}, times: 1}, 2],
		[{script: {kind: 'stall', afterChunks: 1, ms: 300 + Math.floor(random() * 900)}, times: 1}, 2],
	]);
}

// ---- what the clients saw ----

type Tally = {sent: number; errors: number; inputTokens: number; outputTokens: number; cachedTokens: number};
const tallies = new Map<UserName, Tally>(USERS.map(u => [u, {sent: 0, errors: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0}]));
const outcomes = new Map<string, number>();
const problems: string[] = [];
let abortsPlanned = 0;
let abortsDone = 0;
let faultsEnqueued = 0;
let pingsSeen = 0;

function count(key: string): void {
	outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
}

/**
 * What agproxy's usage accounting counts as an error (isFailedRequest in source/events.ts): anything but a whole
 * answer: an error status (499 for a client that hung up before the response started), an SSE error event after the
 * headers, or a client that hung up mid-stream.
 */
function accountedAsError(outcome: Outcome): boolean {
	return outcome.kind !== 'complete';
}

const clientAgent = new Agent({keepAliveTimeout: 10_000, connections: CONCURRENCY * 2});

/** True once the simulator has received the upstream request that carries `nonce` (agproxy is then working on it). */
function simSaw(nonce: string): boolean {
	for (let i = sim.requests.length - 1; i >= 0; i--) {
		const body = sim.requests[i]?.body as {request?: {contents?: Array<{parts?: Array<{text?: unknown}>}>}} | undefined;
		for (const content of body?.request?.contents ?? []) {
			for (const part of content.parts ?? []) if (typeof part.text === 'string' && part.text.includes(nonce)) return true;
		}
	}
	return false;
}

/** One POST /v1/messages from a client; always resolves with exactly one outcome. */
async function send(user: UserName, session: string, body: Record<string, unknown>, abort: AbortPlan, nonce: string): Promise<Outcome> {
	const stream = body['stream'] === true;
	const controller = new AbortController();
	let planned = false;
	const plannedAbort = (): void => {
		planned = true;
		controller.abort(new Error('planned client abort'));
	};
	const hung = setTimeout(() => controller.abort(new Error('hung')), HUNG_MS);
	let watcher: NodeJS.Timeout | undefined;
	if (abort === 'before-headers' || abort === 'whole') {
		watcher = setInterval(() => {
			if (simSaw(nonce)) {
				clearInterval(watcher);
				plannedAbort();
			}
		}, 20);
	}
	let headers = false;
	try {
		const response = await request(`${app.url}/v1/messages`, {
			method: 'POST',
			dispatcher: clientAgent,
			headers: {'content-type': 'application/json', 'x-api-key': keys.get(user) ?? '', 'anthropic-version': '2023-06-01', 'x-claude-code-session-id': session},
			body: JSON.stringify(body),
			signal: controller.signal,
		});
		headers = true;
		const requestId = response.headers['request-id'];
		if (typeof requestId !== 'string' || !requestId.startsWith('req_')) throw new Malformed(`no request-id header (status ${response.statusCode})`);
		if (response.statusCode !== 200) {
			const text = await response.body.text();
			let json: unknown;
			try {
				json = JSON.parse(text);
			} catch {
				throw new Malformed(`status ${response.statusCode} with a non-JSON body: ${text.slice(0, 200)}`);
			}
			const error = checkErrorBody(json, response.statusCode);
			return {kind: 'http_error', status: response.statusCode, errorType: error.type, message: error.message, retryAfter: response.headers['retry-after'] !== undefined};
		}
		if (stream) {
			if (!String(response.headers['content-type']).startsWith('text/event-stream')) throw new Malformed(`stream answered with ${String(response.headers['content-type'])}`);
			return await readStream(response.body, type => {
				if (abort === 'mid-stream' && type === 'content_block_delta' && !planned) plannedAbort();
			});
		}
		const text = await response.body.text();
		let json: unknown;
		try {
			json = JSON.parse(text);
		} catch {
			throw new Malformed(`200 with a non-JSON body: ${text.slice(0, 200)}`);
		}
		return {kind: 'complete', message: checkMessage(json), pings: 0};
	} catch (error) {
		if (error instanceof Malformed) return {kind: 'malformed', why: error.message};
		if (controller.signal.aborted && planned) return {kind: 'aborted', afterHeaders: headers};
		if (controller.signal.aborted) return {kind: 'malformed', why: `hung for ${HUNG_MS} ms (${abort}, stream ${stream})`};
		return {kind: 'malformed', why: `transport failure: ${(error as Error).message}`};
	} finally {
		clearTimeout(hung);
		clearInterval(watcher);
	}
}

function note(user: UserName, outcome: Outcome, abort: AbortPlan): void {
	const tally = tallies.get(user);
	assert.ok(tally);
	tally.sent++;
	if (accountedAsError(outcome)) tally.errors++;
	switch (outcome.kind) {
		case 'complete':
			count('complete');
			pingsSeen += outcome.pings;
			tally.inputTokens += outcome.message.usage.input_tokens;
			tally.outputTokens += outcome.message.usage.output_tokens;
			tally.cachedTokens += outcome.message.usage.cache_read_input_tokens;
			break;
		case 'http_error':
			count(`http_${outcome.status}_${outcome.errorType}`);
			if (outcome.status === 429 && !outcome.retryAfter) problems.push('a 429 without retry-after');
			break;
		case 'sse_error':
			count(`sse_error_${outcome.errorType}`);
			break;
		case 'aborted':
			count(outcome.afterHeaders ? 'aborted_mid_stream' : 'aborted_before_headers');
			abortsDone++;
			break;
		case 'malformed':
			count('malformed');
			problems.push(outcome.why);
			break;
	}
	if (abort !== 'none' && outcome.kind !== 'aborted') problems.push(`an abort target (${abort}) ended as ${JSON.stringify(outcome)}`);
}

/** One client: conversations one after another until the deadline; a tool conversation continues its loop. */
async function client(index: number, deadline: number): Promise<void> {
	const random = seededRandom(SEED * 1_000_003 + index);
	let conversation = 0;
	let aborts = 0;
	while (Date.now() < deadline) {
		// A client thinks a moment between conversations.
		await sleep(Math.floor(random() * 200));
		conversation++;
		const user: UserName = random() < 0.6 ? 'alice' : 'bob';
		const session = `soak-${SEED}-${index}-${conversation}`;
		const abortRoll = random();
		const abort: AbortPlan = abortRoll < 0.02 ? 'mid-stream' : abortRoll < 0.035 ? 'before-headers' : abortRoll < 0.05 ? 'whole' : 'none';
		if (abort !== 'none') {
			const nonce = `<abort ${index}.${++aborts}>`;
			const script: SimScript = abort === 'before-headers' ? {kind: 'slow_first_byte', ms: 20_000} : {kind: 'stall', afterChunks: 1, ms: 20_000};
			const body = {model: ABORT_MODEL, max_tokens: 200, stream: abort !== 'whole', messages: [{role: 'user', content: `${nonce} ${simMarker(script)}`}]};
			abortsPlanned++;
			note(user, await send(user, session, body, abort, nonce), abort);
			continue;
		}
		const kind = pickWeighted<Kind>(random, [['text', 8], ['thinking', 4], ['tools', 4], ['long', 4], ['group', 4], ['haiku', 2], ['invalid', 1]]);
		const plan = planFor(random, kind, `c${index}-${conversation}`);
		const messages: Turn[] = [{role: 'user', content: plan.first}];
		for (let turn = 0; turn < 4 && Date.now() < deadline + 5_000; turn++) {
			if (plan.kind !== 'invalid' && random() < 0.2) {
				const {script, times} = faultFor(random);
				sim.enqueue({match: {model: upstreamModel(plan.model)}, times, script});
				faultsEnqueued += times;
			}
			const body: Record<string, unknown> = {
				model: plan.model,
				max_tokens: plan.kind === 'invalid' ? 0 : plan.thinking ? 4096 : 1024,
				stream: plan.stream,
				messages,
				...(plan.thinking ? {thinking: {type: 'enabled', budget_tokens: 1024}} : {}),
				...(plan.kind === 'tools' ? {tools: TOOLS} : {}),
			};
			const outcome = await send(user, session, body, 'none', '');
			note(user, outcome, 'none');
			if (outcome.kind !== 'complete' || outcome.message.stop_reason !== 'tool_use') break;
			messages.push({role: 'assistant', content: outcome.message.content as unknown as Array<Record<string, unknown>>});
			const uses = outcome.message.content.filter((b): b is Extract<ContentBlock, {type: 'tool_use'}> => b.type === 'tool_use');
			messages.push({role: 'user', content: uses.map(b => ({type: 'tool_result', tool_use_id: b.id, content: `ran ${b.name}`}))});
		}
	}
}

// ---- watchers ----

type HeapSample = {at: number; heap: number};

function heapNow(): number {
	gc();
	return process.memoryUsage().heapUsed;
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<number> {
	const started = Date.now();
	while (!condition()) {
		if (Date.now() - started > timeoutMs) return -1;
		await sleep(50);
	}
	return Date.now() - started;
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

describe('soak', () => {
	it('clients that hang up before upstream answers do not count against the account', async () => {
		// Found by this soak: each such abort was reported to the pool as an upstream 5xx, so three in a row cooled the
		// account+model down for 30 s for everyone. One conversation stays on one account, so all three land together.
		const model = 'gemini-3.1-pro-low';
		for (let i = 0; i < 3; i++) {
			const nonce = `<hangup ${i}>`;
			const body = {model, max_tokens: 100, stream: i % 2 === 0, messages: [{role: 'user', content: `${nonce} ${simMarker({kind: 'slow_first_byte', ms: 20_000})}`}]};
			const outcome = await send('alice', 'soak-hangups', body, 'before-headers', nonce);
			note('alice', outcome, 'before-headers');
			abortsPlanned++;
		}
		assert.deepEqual(problems, []);
		// An operator endpoint: the admin token from server.json (alice and bob are ordinary users, refused with 403).
		const limits = (await (await fetch(`${app.url}/account-limits`, {headers: {authorization: `Bearer ${readServerInfo(dataDir)?.token ?? ''}`}})).json()) as {accounts: Array<{email: string; models: Record<string, {state: string; consecutiveFailures: number}>}>};
		for (const account of limits.accounts) {
			const state = account.models[model];
			assert.ok(state === undefined || (state.state === 'ok' && state.consecutiveFailures === 0), `${account.email}: ${JSON.stringify(state)}`);
		}
		const message = await send('alice', 'soak-hangups', {model, max_tokens: 100, messages: [{role: 'user', content: 'still there?'}]}, 'none', '');
		note('alice', message, 'none');
		assert.equal(message.kind, 'complete', JSON.stringify(message));
	});

	it(`${CONCURRENCY} concurrent clients with faults and aborts: no crash, no lost request, no leak`, {timeout: SOAK_MS + 120_000}, async () => {
		assert.ok(Number.isFinite(SOAK_MS) && SOAK_MS >= 1000, `AGPROXY_SOAK_MS=${String(process.env['AGPROXY_SOAK_MS'])}`);
		const started = Date.now();
		const deadline = started + SOAK_MS;
		// /health throughout, on its own connection.
		const health = {ok: 0, failed: [] as string[], slowestMs: 0};
		const healthAgent = new Agent({keepAliveTimeout: 10_000});
		let watching = true;
		const healthLoop = (async () => {
			while (watching) {
				const t0 = Date.now();
				try {
					const response = await request(`${app.url}/health`, {dispatcher: healthAgent, signal: AbortSignal.timeout(10_000)});
					const json = (await response.body.json()) as {status?: string};
					if (response.statusCode === 200 && json.status === 'ok') health.ok++;
					else health.failed.push(`status ${response.statusCode} ${JSON.stringify(json)}`);
				} catch (error) {
					health.failed.push((error as Error).message);
				}
				health.slowestMs = Math.max(health.slowestMs, Date.now() - t0);
				await sleep(250);
			}
		})();
		const heap: HeapSample[] = [];
		const sampleEveryMs = Math.max(100, Math.min(1_000, Math.floor(SOAK_MS / 30)));
		const heapLoop = (async () => {
			while (watching) {
				await sleep(sampleEveryMs);
				heap.push({at: Date.now() - started, heap: heapNow()});
			}
		})();

		await Promise.all(Array.from({length: CONCURRENCY}, (_, i) => client(i, deadline)));
		const loadEndedMs = Date.now() - started;
		watching = false;
		await Promise.all([healthLoop, heapLoop]);
		await healthAgent.close();

		// Measure first, print the summary, then judge: a failing run still shows what happened.
		// Nothing left in flight, nothing left half-answered upstream, and upstream only idle keep-alive sockets, which
		// close by themselves.
		const drainMs = await until(() => app.inFlight() === 0, 10_000);
		const upstreamDoneMs = await until(() => sim.requests.every(r => r.status !== undefined), 10_000);
		const openAfterLoad = counter.open();
		const socketsClosedMs = await until(() => counter.openUsed() === 0, KEEP_ALIVE_SETTLE_MS);
		const unusedOpen = counter.open();
		const finalHealth = await request(`${app.url}/health`, {dispatcher: clientAgent});
		const finalStatus = ((await finalHealth.body.json()) as {status?: string}).status;
		const listed = JSON.parse(await cli(runUsers, ['list'], {json: true})) as Array<{name: string; usage: {total: UsageTotals}}>;
		// The heap after a full GC in the last third of the run against the first third, warm-up left out.
		const early = median(heap.filter(s => s.at >= SOAK_MS * 0.1 && s.at <= SOAK_MS / 3).map(s => s.heap));
		const late = median(heap.filter(s => s.at >= (SOAK_MS * 2) / 3 && s.at <= SOAK_MS).map(s => s.heap));
		const growth = late - early;
		const sent = [...tallies.values()].reduce((sum, t) => sum + t.sent, 0);

		const byKind = [...outcomes.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' ');
		console.log(
			`soak: ${sent} requests in ${(loadEndedMs / 1000).toFixed(1)} s (${(sent / (loadEndedMs / 1000)).toFixed(1)} req/s, ${CONCURRENCY} clients, seed ${SEED}); ` +
				`outcomes ${byKind}; faults enqueued ${faultsEnqueued}, aborts ${abortsDone}, pings ${pingsSeen}; ` +
				`heap ${mb(early)} -> ${mb(late)} (${growth >= 0 ? '+' : ''}${mb(growth)}); health ${health.ok} ok, slowest ${health.slowestMs} ms; ` +
				`upstream sockets peak ${counter.peak()}, opened ${counter.accepted()}, open after load ${openAfterLoad}, used ones closed after ${socketsClosedMs} ms, never used still pooled ${unusedOpen}; ` +
				`usage ${USERS.map(u => `${u}=${tallies.get(u)?.sent}req/${tallies.get(u)?.errors}err`).join(' ')}`,
		);

		// No crash: /health answered throughout and still does.
		assert.deepEqual(health.failed, [], 'every /health during the run answered ok');
		assert.ok(health.ok > 0);
		assert.equal(finalHealth.statusCode, 200);
		assert.equal(finalStatus, 'ok');
		assert.notEqual(drainMs, -1, `app.inFlight() is still ${app.inFlight()}`);
		assert.notEqual(upstreamDoneMs, -1, `upstream answers still open: ${sim.requests.filter(r => r.status === undefined).length}`);
		assert.notEqual(socketsClosedMs, -1, `${counter.openUsed()} used socket(s) to the simulator still open ${KEEP_ALIVE_SETTLE_MS} ms after the load: ${counter.describeOpen().join(' | ')}`);

		// Every request ended in exactly one legitimate outcome.
		assert.equal(problems.length, 0, `${problems.length} problem(s), the first: ${problems.slice(0, 10).join(' | ')}`);
		assert.equal(abortsDone, abortsPlanned);
		assert.equal([...outcomes.values()].reduce((a, b) => a + b, 0), sent);
		assert.ok((outcomes.get('complete') ?? 0) > 0);

		// The server logged each request once, for the user who made it, and recorded its usage.
		for (const user of USERS) assert.equal(records.filter(r => r.user === user).length, tallies.get(user)?.sent, `request records of ${user}`);
		assert.equal(records.length, sent);
		assert.deepEqual(warnings, [], 'usage was always recorded');

		// Usage per user, as `agproxy users list --json` shows it through the admin API: exactly what the clients saw.
		for (const user of USERS) {
			const tally = tallies.get(user);
			const total = listed.find(u => u.name === user)?.usage.total;
			assert.ok(tally && total, user);
			assert.deepEqual(
				{requests: total.requests, errors: total.errors, inputTokens: total.inputTokens, outputTokens: total.outputTokens, cachedTokens: total.cachedTokens},
				{requests: tally.sent, errors: tally.errors, inputTokens: tally.inputTokens, outputTokens: tally.outputTokens, cachedTokens: tally.cachedTokens},
				`usage of ${user}`,
			);
		}

		// Stable memory.
		assert.ok(Number.isFinite(growth), `heap samples: ${heap.length}`);
		assert.ok(growth < HEAP_GROWTH_LIMIT, `heap grew by ${mb(growth)} (limit ${mb(HEAP_GROWTH_LIMIT)})`);
	});
});
