import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {ACCOUNT, call, envelope, errorMessage, sim, stream, user} from './helpers.js';

const NEW_USER = {email: 'new@example.com', refreshToken: '1//new'};

describe('project setup', () => {
	test('loadCodeAssist for an onboarded account: currentTier and project string', async () => {
		const s = await sim();
		const reply = await call(s, '/v1internal:loadCodeAssist', {metadata: {ideType: 'ANTIGRAVITY'}}, s.issueAccessToken(ACCOUNT));
		assert.equal(reply.status, 200);
		const body = reply.json as {currentTier: {id: string}; cloudaicompanionProject: string; allowedTiers: Array<{id: string; isDefault?: boolean}>};
		assert.equal(body.currentTier.id, 'free-tier');
		assert.equal(body.cloudaicompanionProject, 'agproxy-demo-project');
		assert.equal(body.allowedTiers.find((t) => t.isDefault === true)?.id, 'free-tier');
	});

	test('onboarding: loadCodeAssist without currentTier, LRO done after the configured polls', async () => {
		const s = await sim({accounts: [NEW_USER], onboardPolls: 2});
		const token = s.issueAccessToken(NEW_USER.email);
		const load = (await call(s, '/v1internal:loadCodeAssist', {}, token)).json as Record<string, unknown>;
		assert.equal(load.currentTier, undefined);
		assert.equal(load.cloudaicompanionProject, undefined);

		const start = (await call(s, '/v1internal:onboardUser', {tierId: 'free-tier', metadata: {}}, token)).json as {name: string; done: boolean};
		assert.equal(start.done, false);
		assert.match(start.name, /^operations\/[0-9a-f]{16}$/);
		const poll = async (): Promise<Record<string, unknown>> => {
			const response = await fetch(`${s.url}/v1internal/${start.name}`, {headers: {authorization: `Bearer ${token}`}});
			assert.equal(response.status, 200);
			return (await response.json()) as Record<string, unknown>;
		};
		assert.equal((await poll()).done, false);
		assert.equal((await poll()).done, false);
		const done = await poll();
		assert.equal(done.done, true);
		const project = (done.response as {cloudaicompanionProject: {id: string; name: string}}).cloudaicompanionProject;
		assert.match(project.id, /^sim-onboarded-[0-9a-f]{6}$/);
		assert.equal(project.name, project.id);
		assert.equal(((await call(s, '/v1internal:loadCodeAssist', {}, token)).json as {cloudaicompanionProject: string}).cloudaicompanionProject, project.id);

		// Generating with the onboarded project now works.
		const reply = await stream(s, envelope('gemini-3-flash', [user('hi')], {}, {project: project.id}), token);
		assert.equal(reply.status, 200);

		const missing = await fetch(`${s.url}/v1internal/operations/unknown`, {headers: {authorization: `Bearer ${token}`}});
		assert.equal(missing.status, 404);
	});

	test('onboarding: a re-POST completes the operation; snake_case tier_id accepted; free tier with a project fails', async () => {
		const s = await sim({accounts: [NEW_USER]});
		const token = s.issueAccessToken(NEW_USER.email);
		const bad = await call(s, '/v1internal:onboardUser', {tierId: 'free-tier', cloudaicompanionProject: 'mine'}, token);
		assert.equal(bad.status, 400);
		assert.equal((bad.json as {error: {status: string}}).error.status, 'FAILED_PRECONDITION');
		assert.equal((await call(s, '/v1internal:onboardUser', {}, token)).status, 400);
		assert.equal(((await call(s, '/v1internal:onboardUser', {tier_id: 'free-tier'}, token)).json as {done: boolean}).done, false);
		const second = (await call(s, '/v1internal:onboardUser', {tier_id: 'free-tier'}, token)).json as {done: boolean; response: unknown};
		assert.equal(second.done, true);
		assert.ok(second.response);
	});

	test('validation-required account: ineligible tier on load, 403 VALIDATION_REQUIRED on generate', async () => {
		const s = await sim({accounts: [{email: 'v@example.com', refreshToken: 'r', project: 'p', validationRequired: true}]});
		const token = s.issueAccessToken('v@example.com');
		const load = (await call(s, '/v1internal:loadCodeAssist', {}, token)).json as {currentTier?: unknown; ineligibleTiers: Array<{reasonCode: string; validationUrl: string}>};
		assert.equal(load.currentTier, undefined);
		assert.equal(load.ineligibleTiers[0]?.reasonCode, 'VALIDATION_REQUIRED');
		assert.match(load.ineligibleTiers[0]?.validationUrl ?? '', /^https:\/\/accounts\.google\.com\//);
		const reply = await stream(s, envelope('gemini-3-flash', [user('hi')], {}, {project: 'p'}), token);
		assert.equal(reply.status, 403);
		const body = reply.json as {error: {status: string; details: Array<{reason?: string; links?: unknown[]}>}};
		assert.equal(body.error.status, 'PERMISSION_DENIED');
		assert.equal(body.error.details[0]?.reason, 'VALIDATION_REQUIRED');
		assert.equal(body.error.details[1]?.links?.length, 2);
	});

	test('banned account: 403 TOS_VIOLATION on generate and fetchAvailableModels; updateAccount toggles it', async () => {
		const s = await sim();
		const token = s.issueAccessToken(ACCOUNT);
		s.updateAccount(ACCOUNT, {banned: true});
		const reply = await stream(s, envelope('gemini-3-flash', [user('hi')]), token);
		assert.equal(reply.status, 403);
		assert.match(errorMessage(reply), /has been disabled in this account for violation of Terms of Service/);
		assert.equal((await call(s, '/v1internal:fetchAvailableModels', {}, token)).status, 403);
		s.updateAccount(ACCOUNT, {banned: false});
		assert.equal((await stream(s, envelope('gemini-3-flash', [user('hi')]), token)).status, 200);
	});

	test('a project that is not the account\'s: 403 IAM_PERMISSION_DENIED naming it', async () => {
		const s = await sim();
		const reply = await stream(s, envelope('gemini-3-flash', [user('hi')], {}, {project: 'rising-fact-p41fc'}), s.issueAccessToken(ACCOUNT));
		assert.equal(reply.status, 403);
		assert.equal(
			errorMessage(reply),
			"Permission 'cloudaicompanion.companions.generateChat' denied on resource '//cloudaicompanion.googleapis.com/projects/rising-fact-p41fc/locations/global' (or it may not exist).",
		);
	});
});

describe('models and quotas', () => {
	test('fetchAvailableModels: keyed object, limits, quotaInfo, internal ids, webSearchModelIds', async () => {
		const now = Date.parse('2026-06-01T00:00:00Z');
		const s = await sim({
			now: () => now,
			accounts: [
				{
					email: 'q@example.com',
					refreshToken: 'r',
					project: 'p',
					quotas: {'claude-sonnet-4-6': {remainingFraction: 0.25, resetTime: '2026-06-01T05:00:00Z'}, 'gemini-3-flash': {remainingFraction: 0, resetTime: '2026-06-02T00:00:00Z'}},
				},
			],
		});
		const reply = await call(s, '/v1internal:fetchAvailableModels', {project: 'p'}, s.issueAccessToken('q@example.com'));
		const body = reply.json as {models: Record<string, {displayName?: string; maxTokens?: number; maxOutputTokens?: number; quotaInfo?: {remainingFraction?: number; resetTime?: string}}>; webSearchModelIds: string[]};
		assert.deepEqual(body.models['claude-sonnet-4-6']?.quotaInfo, {remainingFraction: 0.25, resetTime: '2026-06-01T05:00:00Z'});
		assert.equal(body.models['claude-sonnet-4-6']?.maxOutputTokens, 64000);
		assert.equal(body.models['claude-opus-4-6-thinking']?.displayName, 'Claude Opus 4.6 (Thinking)');
		assert.deepEqual(body.models['gemini-3-flash']?.quotaInfo, {resetTime: '2026-06-02T00:00:00Z'}, 'exhausted: only a reset time');
		assert.deepEqual(body.models['gemini-2.5-pro']?.quotaInfo, {remainingFraction: 1, resetTime: '2026-06-01T05:00:00Z'});
		assert.deepEqual(body.models.chat_20706, {});
		assert.deepEqual(body.webSearchModelIds, ['gemini-2.5-flash']);
		for (const id of ['claude-sonnet-4-6', 'gemini-3.1-pro-high', 'gemini-3.1-pro-low', 'gemini-2.5-flash', 'gemini-3.1-flash-image']) assert.ok(body.models[id], id);

		const quota = (await call(s, '/v1internal:retrieveUserQuota', {project: 'p'}, s.issueAccessToken('q@example.com'))).json as {buckets: Array<{modelId: string; remainingFraction: number}>};
		assert.equal(quota.buckets.find((b) => b.modelId === 'claude-sonnet-4-6')?.remainingFraction, 0.25);
	});

	test('a model at 0 with a future reset answers 429 QUOTA_EXHAUSTED with that reset; after the reset it works', async () => {
		let now = Date.parse('2026-06-01T00:00:00Z');
		const s = await sim({now: () => now, accounts: [{email: 'q@example.com', refreshToken: 'r', project: 'p', quotas: {'gemini-3-flash': {remainingFraction: 0, resetTime: '2026-06-01T02:30:00Z'}}}]});
		const token = s.issueAccessToken('q@example.com');
		const reply = await stream(s, envelope('gemini-3-flash', [user('hi')], {}, {project: 'p'}), token);
		assert.equal(reply.status, 429);
		const body = reply.json as {error: {status: string; message: string; details: Array<{reason?: string; metadata?: Record<string, string>; retryDelay?: string}>}};
		assert.equal(body.error.status, 'RESOURCE_EXHAUSTED');
		assert.equal(body.error.message, 'You have exhausted your capacity on this model. Your quota will reset after 2h30m0s.');
		assert.equal(body.error.details[0]?.reason, 'QUOTA_EXHAUSTED');
		assert.equal(body.error.details[0]?.metadata?.quotaResetTimeStamp, '2026-06-01T02:30:00Z');
		assert.equal(body.error.details[1]?.retryDelay, '9000s');
		assert.equal((await stream(s, envelope('claude-sonnet-4-6', [user('hi')], {}, {project: 'p'}), token)).status, 200, 'other models are fine');
		s.updateAccount('q@example.com', {quotas: {'claude-sonnet-4-6': {remainingFraction: 0}}});
		const noReset = await stream(s, envelope('claude-sonnet-4-6', [user('hi')], {}, {project: 'p'}), token);
		assert.equal(noReset.status, 429, 'at 0 without a reset time: exhausted, default reset in 5h');
		assert.equal(errorMessage(noReset), 'You have exhausted your capacity on this model. Your quota will reset after 5h0m0s.');
		now = Date.parse('2026-06-01T03:00:00Z');
		assert.equal((await stream(s, envelope('gemini-3-flash', [user('hi')], {}, {project: 'p'}), s.issueAccessToken('q@example.com'))).status, 200);
	});

	test('countTokens: request.model with models/ prefix, envelope without project/model, unknown model', async () => {
		const s = await sim();
		const token = s.issueAccessToken(ACCOUNT);
		const contents = [user('count these tokens please')];
		const a = await call(s, '/v1internal:countTokens', {request: {model: 'models/gemini-2.5-pro', contents}}, token);
		assert.equal(a.status, 200);
		const total = (a.json as {totalTokens: number}).totalTokens;
		assert.ok(total > 0);
		const b = await call(s, '/v1internal:countTokens', {userAgent: 'antigravity', requestType: 'agent', request: {contents}}, token);
		assert.deepEqual(b.json, {totalTokens: total});
		assert.equal((await call(s, '/v1internal:countTokens', {request: {model: 'models/nope', contents}}, token)).status, 404);
		const withProject = await call(s, '/v1internal:countTokens', {project: 'x', request: {contents}}, token);
		assert.equal(withProject.status, 400);
		assert.equal(errorMessage(withProject), 'Invalid JSON payload received. Unknown name "project": Cannot find field.');
	});

	test('stubs answer; unknown method and unknown model are 404', async () => {
		const s = await sim();
		const token = s.issueAccessToken(ACCOUNT);
		assert.deepEqual((await call(s, '/v1internal:listExperiments', {project: 'p'}, token)).json, {experimentIds: [], flags: []});
		assert.equal((await call(s, '/v1internal:fetchAdminControls', {project: 'p'}, token)).status, 200);
		assert.deepEqual((await call(s, '/v1internal:recordCodeAssistMetrics', {metrics: []}, token)).json, {});
		const unknown = await call(s, '/v1internal:doSomething', {}, token);
		assert.equal(unknown.status, 404);
		assert.equal((unknown.json as {error: {status: string}}).error.status, 'NOT_FOUND');
		const model = await stream(s, envelope('gpt-9', [user('hi')]), token);
		assert.equal(model.status, 404);
		assert.equal(errorMessage(model), 'Requested entity was not found.');
	});
});
