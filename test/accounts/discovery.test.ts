// Project discovery against the simulator: onboarded accounts, paid tiers, onboarding with LRO polling (bounded,
// abortable, with endpoint fallback), verification required, upstream failures and malformed answers.
import assert from 'node:assert/strict';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, describe, test} from 'node:test';
import {DiscoveryError, clientMetadata, discoverProject, parseLoadCodeAssist, tierOf} from '../../source/accounts/discovery.js';
import {type SimAccount, type Simulator, type SimulatorOptions, startSimulator} from '../../source/simulator/index.js';
import {UpstreamClient} from '../../source/upstream/client.js';

const TIMEOUTS = {connectMs: 2000, firstByteMs: 5000, idleMs: 5000};
const NEW_USER: SimAccount = {email: 'new@example.com', refreshToken: '1//new'};

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
	for (const step of cleanup) await step();
});

async function setup(options: SimulatorOptions = {}, endpoints?: (s: Simulator) => string[]): Promise<{s: Simulator; client: UpstreamClient}> {
	const s = await startSimulator(options);
	const client = new UpstreamClient(endpoints?.(s) ?? [s.url], TIMEOUTS);
	cleanup.push(() => client.close(), () => s.close());
	return {s, client};
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		() => assert.fail('expected a rejection'),
		(error: unknown) => error,
	);
}

async function deadUrl(): Promise<string> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return `http://127.0.0.1:${port}`;
}

describe('discoverProject', () => {
	test('an onboarded account: project and tier from loadCodeAssist, Antigravity metadata sent, no onboarding', async () => {
		const {s, client} = await setup();
		const found = await discoverProject(client, s.issueAccessToken('demo@agproxy.local'));
		assert.deepEqual(found, {projectId: 'agproxy-demo-project', tier: 'free-tier'});
		const load = s.requests.find((r) => r.rpc === 'loadCodeAssist');
		const metadata = (load?.body as {metadata: Record<string, string>}).metadata;
		assert.equal(metadata['ideType'], 'ANTIGRAVITY');
		assert.equal(metadata['pluginType'], 'GEMINI');
		assert.equal(metadata['platform'], clientMetadata().platform);
		assert.equal(s.requests.filter((r) => r.rpc === 'onboardUser').length, 0);
	});

	test('a paid tier wins over the current tier', async () => {
		const {s, client} = await setup({accounts: [{email: 'pro@example.com', refreshToken: 'r', project: 'pro-project', tier: 'g1-pro-tier'}]});
		assert.deepEqual(await discoverProject(client, s.issueAccessToken('pro@example.com')), {projectId: 'pro-project', tier: 'g1-pro-tier'});
	});

	test('an account without a project is onboarded to the default tier and the operation polled by GET until done', async () => {
		const {s, client} = await setup({accounts: [NEW_USER], onboardPolls: 2});
		const found = await discoverProject(client, s.issueAccessToken(NEW_USER.email), {pollIntervalMs: 5});
		assert.match(found.projectId, /^sim-onboarded-[0-9a-f]{6}$/);
		assert.equal(found.tier, 'free-tier');
		const onboard = s.requests.filter((r) => r.rpc === 'onboardUser');
		assert.equal(onboard.length, 1, 'one POST, then GET polls');
		const body = onboard[0]?.body as Record<string, unknown>;
		assert.equal(body['tierId'], 'free-tier');
		assert.equal(body['cloudaicompanionProject'], undefined, 'free tier: no project in the body');
		const polls = s.requests.filter((r) => r.rpc === 'operations');
		assert.equal(polls.length, 3);
		assert.ok(polls.every((r) => r.method === 'GET'));
		// Afterwards the account is onboarded: discovery needs no more onboarding.
		assert.deepEqual(await discoverProject(client, s.issueAccessToken(NEW_USER.email)), found);
		assert.equal(s.requests.filter((r) => r.rpc === 'onboardUser').length, 1);
	});

	test("an account's own client version is the User-Agent of loadCodeAssist, onboardUser and the polls", async () => {
		const {s, client} = await setup({accounts: [NEW_USER], onboardPolls: 1});
		await discoverProject(client, s.issueAccessToken(NEW_USER.email), {pollIntervalMs: 5, clientVersion: '9.9.9'});
		const calls = s.requests.filter((r) => r.rpc === 'loadCodeAssist' || r.rpc === 'onboardUser' || r.rpc === 'operations');
		assert.deepEqual([...new Set(calls.map((r) => r.rpc))], ['loadCodeAssist', 'onboardUser', 'operations']);
		for (const call of calls) assert.match(String(call.headers['user-agent']), /^antigravity\/9\.9\.9 /, call.rpc);
		// Without one, the client's default version.
		await discoverProject(client, s.issueAccessToken(NEW_USER.email));
		assert.equal(s.requests.filter((r) => r.rpc === 'loadCodeAssist').at(-1)?.headers['user-agent'], client.userAgent);
	});

	test('polling is bounded and abortable', async () => {
		const other: SimAccount = {email: 'other@example.com', refreshToken: '1//other'};
		const {s, client} = await setup({accounts: [NEW_USER, other], onboardPolls: 100});
		const timeout = await rejection(discoverProject(client, s.issueAccessToken(NEW_USER.email), {pollIntervalMs: 1, maxPolls: 3}));
		assert.ok(timeout instanceof DiscoveryError && timeout.kind === 'timeout', String(timeout));
		assert.match(timeout.message, /after 3 polls/);

		const controller = new AbortController();
		const started = Date.now();
		// (a second onboardUser POST would complete the first account's operation: the simulator's re-POST clients)
		const pending = discoverProject(client, s.issueAccessToken(other.email), {pollIntervalMs: 10_000, signal: controller.signal});
		setTimeout(() => controller.abort(), 50);
		const aborted = await rejection(pending);
		assert.ok(aborted instanceof Error);
		assert.equal(aborted.name, 'AbortError');
		assert.ok(Date.now() - started < 2000);
	});

	test('calls and polls fall back to the next endpoint when the first is down', async () => {
		const dead = await deadUrl();
		const {s, client} = await setup({accounts: [NEW_USER]}, (sim) => [dead, sim.url]);
		const found = await discoverProject(client, s.issueAccessToken(NEW_USER.email), {pollIntervalMs: 1});
		assert.match(found.projectId, /^sim-onboarded-/);
	});

	test('verification required: a clear error carrying the validation URL', async () => {
		const {s, client} = await setup({accounts: [{email: 'v@example.com', refreshToken: 'r', project: 'p', validationRequired: true}]});
		const error = await rejection(discoverProject(client, s.issueAccessToken('v@example.com')));
		assert.ok(error instanceof DiscoveryError, String(error));
		assert.equal(error.kind, 'validation_required');
		assert.equal(error.accountProblem, true);
		assert.match(error.validationUrl ?? '', /^https:\/\/accounts\.google\.com\//);
		assert.ok(error.message.includes(error.validationUrl ?? '(none)'));
	});

	test('an upstream refusal is an upstream DiscoveryError', async () => {
		const {client} = await setup();
		const error = await rejection(discoverProject(client, 'ya29.not-a-token'));
		assert.ok(error instanceof DiscoveryError && error.kind === 'upstream', String(error));
		assert.equal(error.details.upstream?.status, 401);
		assert.equal(error.accountProblem, false);
	});
});

describe('parseLoadCodeAssist', () => {
	test('accepts the project as a string or {id}; tier order paid > current > default', () => {
		assert.equal(parseLoadCodeAssist({currentTier: {id: 'free-tier'}, cloudaicompanionProject: {id: 'p1', name: 'p1'}}).project, 'p1');
		assert.equal(tierOf(parseLoadCodeAssist({paidTier: {id: 'g1-ultra-tier'}, currentTier: {id: 'standard-tier'}})), 'g1-ultra-tier');
		assert.equal(tierOf(parseLoadCodeAssist({currentTier: {id: 'standard-tier'}})), 'standard-tier');
		assert.equal(tierOf(parseLoadCodeAssist({allowedTiers: [{id: 'a'}, {id: 'b', isDefault: true}]})), 'b');
		assert.equal(parseLoadCodeAssist({currentTier: null, cloudaicompanionProject: null}).project, undefined);
	});

	test('refuses wrong shapes with a clear error', () => {
		for (const bad of [[], 'x', {allowedTiers: {}}, {currentTier: 'free'}, {cloudaicompanionProject: 5}, {ineligibleTiers: [3]}]) {
			assert.throws(
				() => parseLoadCodeAssist(bad),
				(e: unknown) => e instanceof DiscoveryError && e.kind === 'invalid_response' && /loadCodeAssist/.test(e.message),
				JSON.stringify(bad),
			);
		}
	});
});
