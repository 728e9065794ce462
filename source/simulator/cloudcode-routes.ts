// The non-generate v1internal methods: setup (loadCodeAssist, onboardUser + operation polling), model list and
// quotas, countTokens, and the telemetry/settings stubs gemini-cli calls (reference cloudcode-api.md §3.3–§3.8).
import type {IncomingMessage, ServerResponse} from 'node:http';
import {badRequest, cannedError, cannedRpc, notFound, plainInvalid, rfc3339, rpcError, validationUrl} from './errors.js';
import {isRecord, sendError, sendJson} from './http-util.js';
import {INTERNAL_MODEL_IDS, WEB_SEARCH_MODEL_IDS} from './models.js';
import {type SimState, authenticate} from './state.js';
import type {RecordedRequest, SimAccount} from './types.js';
import {promptTokens} from './usage.js';
import {parseProto} from './validate-request.js';
import type {WRequest} from './wire.js';

const FREE_TIER = {
	id: 'free-tier',
	name: 'Gemini Code Assist for individuals',
	description: 'Gemini-powered code suggestions and chat in multiple IDEs',
	userDefinedCloudaicompanionProject: false,
	privacyNotice: {showNotice: true, noticeText: 'This notice and our Privacy Policy describe how Gemini Code Assist handles your data.'},
};
const STANDARD_TIER = {
	id: 'standard-tier',
	name: 'Gemini Code Assist',
	description: 'Unlimited coding assistant with the most powerful Gemini models',
	userDefinedCloudaicompanionProject: true,
	privacyNotice: {},
};
const ALLOWED_TIERS = [{...FREE_TIER, isDefault: true}, STANDARD_TIER];
const ONBOARD_TIERS = new Set(['free-tier', 'standard-tier', 'legacy-tier']);

function loadCodeAssist(account: SimAccount): Record<string, unknown> {
	if (account.validationRequired === true) {
		return {
			allowedTiers: ALLOWED_TIERS,
			ineligibleTiers: [
				{
					reasonCode: 'VALIDATION_REQUIRED',
					reasonMessage: 'Your account requires verification before you can use this service.',
					tierId: FREE_TIER.id,
					tierName: FREE_TIER.name,
					validationErrorMessage: 'Verify your account to continue.',
					validationUrl: validationUrl(account.email),
					validationUrlLinkText: 'Verify your account',
					validationLearnMoreUrl: 'https://support.google.com/accounts?p=al_alert',
					validationLearnMoreLinkText: 'Learn more',
				},
			],
		};
	}
	// No project yet: no currentTier, so clients onboard with the default allowed tier.
	if (account.project === undefined) return {allowedTiers: ALLOWED_TIERS};
	const tier = account.tier ?? 'free-tier';
	const current = tier === 'free-tier' ? FREE_TIER : {...STANDARD_TIER, id: tier === 'legacy-tier' ? 'legacy-tier' : 'standard-tier'};
	return {
		currentTier: {...current, hasOnboardedPreviously: true},
		allowedTiers: ALLOWED_TIERS,
		cloudaicompanionProject: account.project,
		...(tier.startsWith('g1-') ? {paidTier: {id: tier, name: tier.includes('ultra') ? 'Google AI Ultra' : 'Google AI Pro'}} : {}),
	};
}

function operation(id: string, done: boolean, project: string | undefined): Record<string, unknown> {
	if (!done) return {name: `operations/${id}`, done: false};
	return {
		name: `operations/${id}`,
		done: true,
		response: {
			'@type': 'type.googleapis.com/google.internal.cloud.code.v1internal.OnboardUserResponse',
			cloudaicompanionProject: {id: project, name: project},
		},
	};
}

function onboardUser(state: SimState, account: SimAccount, body: Record<string, unknown>): {status: number; body: unknown} {
	const tierId = body.tierId ?? body.tier_id;
	if (typeof tierId !== 'string' || tierId === '') return {status: 400, body: plainInvalid('Request contains an invalid argument.')};
	if (!ONBOARD_TIERS.has(tierId)) return {status: 400, body: plainInvalid(`Invalid tier id: ${tierId}`)};
	// gemini-cli: "Setting a project for the free tier causes a Precondition Failed error".
	const project = body.cloudaicompanionProject ?? body.cloudaicompanion_project;
	if (tierId === 'free-tier' && project !== undefined) return {status: 400, body: rpcError(400, 'FAILED_PRECONDITION', 'Precondition check failed.')};
	if (account.validationRequired === true) return cannedRpc('validation_required_403', {now: state.now(), email: account.email});
	if (account.project !== undefined) return {status: 200, body: operation(`onboard-${account.project}`, true, account.project)};
	const op = state.accounts.startOnboarding(account.email);
	return {status: 200, body: operation(op.id, op.done, state.accounts.get(account.email)?.project)};
}

function availableModels(state: SimState, email: string): Record<string, unknown> {
	const defaultReset = rfc3339(state.now() + 5 * 3600 * 1000);
	const models: Record<string, unknown> = {};
	for (const model of state.models.values()) {
		const quota = state.accounts.quota(email, model.id);
		models[model.id] = {
			displayName: model.displayName,
			maxTokens: model.maxTokens,
			maxOutputTokens: model.maxOutputTokens,
			// An exhausted model reports only its reset time, as the real service does.
			quotaInfo: {...(quota.remainingFraction > 0 ? {remainingFraction: quota.remainingFraction} : {}), resetTime: quota.resetTime ?? defaultReset},
			supportsThinking: model.thinking,
			supportsImages: model.images === true,
			modelProvider: model.family === 'claude' ? 'MODEL_PROVIDER_ANTHROPIC' : 'MODEL_PROVIDER_GOOGLE',
			recommended: true,
		};
	}
	for (const id of INTERNAL_MODEL_IDS) models[id] = {};
	return {models, webSearchModelIds: WEB_SEARCH_MODEL_IDS.filter((id) => state.models.has(id))};
}

function userQuota(state: SimState, email: string): Record<string, unknown> {
	const defaultReset = rfc3339(state.now() + 5 * 3600 * 1000);
	return {
		buckets: [...state.models.values()].map((model) => {
			const quota = state.accounts.quota(email, model.id);
			return {modelId: model.id, tokenType: 'REQUESTS', remainingFraction: quota.remainingFraction, resetTime: quota.resetTime ?? defaultReset};
		}),
	};
}

function countTokens(state: SimState, body: unknown): {status: number; body: unknown} {
	const parsed = parseProto(body, 'CountTokensEnvelope');
	if (parsed.violations.length > 0) return {status: 400, body: badRequest(parsed.violations)};
	const request = (isRecord(parsed.value.request) ? parsed.value.request : {}) as WRequest;
	const model = request.model?.replace(/^models\//, '');
	if (model !== undefined && !state.models.has(model)) return {status: 404, body: notFound()};
	return {status: 200, body: {totalTokens: (request.contents ?? []).length === 0 ? 0 : promptTokens(request)}};
}

export const CLOUDCODE_POST_METHODS = new Set([
	'streamGenerateContent',
	'generateContent',
	'countTokens',
	'loadCodeAssist',
	'onboardUser',
	'fetchAvailableModels',
	'retrieveUserQuota',
	'listExperiments',
	'fetchAdminControls',
	'recordCodeAssistMetrics',
	'setCodeAssistGlobalUserSetting',
]);
export const CLOUDCODE_GET_METHODS = new Set(['getCodeAssistGlobalUserSetting']);

/** A non-generate method (or GET operations/<id> when rpc is 'operations'). */
export async function handleCloudCode(
	state: SimState,
	req: IncomingMessage,
	res: ServerResponse,
	rpc: string,
	body: unknown,
	record: RecordedRequest,
	operationId?: string,
): Promise<void> {
	const email = authenticate(state, req, res, rpc);
	if (email === undefined) return;
	record.account = email;
	const account = state.accounts.get(email);
	if (account === undefined) return sendJson(res, 401, cannedRpc('unauthenticated_401', {now: state.now()}).body);
	const rule = state.faults.take({method: rpc, account: email});
	if (rule?.kind === 'http_error') {
		const reply = cannedError(rule.error, {now: state.now(), email, project: account.project, ...(rule.message === undefined ? {} : {message: rule.message})});
		const style = {
			...(rule.arrayWrapped === undefined ? {} : {arrayWrapped: rule.arrayWrapped}),
			...(rule.split === undefined ? {} : {split: rule.split}),
			...(rule.contentType === undefined ? {} : {contentType: rule.contentType}),
		};
		return sendError(res, rule.status ?? reply.status, reply.body, style, state.sleep);
	}
	if (rule?.kind === 'slow_first_byte') await state.sleep(rule.ms);
	const input = isRecord(body) ? body : {};
	switch (rpc) {
		case 'loadCodeAssist':
			return sendJson(res, 200, loadCodeAssist(account));
		case 'onboardUser': {
			const reply = onboardUser(state, account, input);
			return sendJson(res, reply.status, reply.body);
		}
		case 'operations': {
			const op = state.accounts.pollOperation(operationId ?? '', email);
			if (op === undefined) return sendJson(res, 404, notFound());
			return sendJson(res, 200, operation(op.id, op.done, state.accounts.get(email)?.project));
		}
		case 'fetchAvailableModels':
			if (account.banned === true) {
				const reply = cannedRpc('banned_403', {now: state.now()});
				return sendJson(res, reply.status, reply.body);
			}
			return sendJson(res, 200, availableModels(state, email));
		case 'retrieveUserQuota':
			return sendJson(res, 200, userQuota(state, email));
		case 'countTokens': {
			const reply = countTokens(state, body);
			return sendJson(res, reply.status, reply.body);
		}
		case 'listExperiments':
			return sendJson(res, 200, {experimentIds: [], flags: []});
		case 'fetchAdminControls':
			return sendJson(res, 200, {adminControlsApplicable: false});
		case 'recordCodeAssistMetrics':
			return sendJson(res, 200, {});
		case 'getCodeAssistGlobalUserSetting':
			return sendJson(res, 200, {cloudaicompanionProject: account.project ?? '', freeTierDataCollectionOptin: false});
		case 'setCodeAssistGlobalUserSetting':
			return sendJson(res, 200, {freeTierDataCollectionOptin: false, ...input});
		default:
			return sendJson(res, 404, notFound('Method not found.'));
	}
}
