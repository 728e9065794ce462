// Account verification (`agproxy accounts verify`, the `accounts.verify` action): per account a forced token refresh,
// loadCodeAssist through discovery (so an account that lost its onboarding gets it back) and fetchAvailableModels.
// Findings are written back: a definitive refusal marks the account invalid, a clean pass clears an old mark and
// records the project and tier Google reports now. Never reports a token.
import {DiscoveryError, type DiscoveryOptions, discoverProject} from '../accounts/discovery.js';
import {type AccountRecord, type AccountStore, InvalidGrantError, type TokenSource} from '../accounts/types.js';
import type {UpstreamClient} from '../upstream/client.js';
import type {AccountVerdict, AccountVerifier} from './context.js';

export const VERIFICATION_REQUIRED = 'Google requires this account to be verified';

export type VerifierDeps = {
	store: AccountStore;
	tokens: TokenSource;
	client: UpstreamClient;
	discovery?: DiscoveryOptions;
};

export function describeVerifyError(error: unknown): string {
	if (error instanceof DiscoveryError && error.kind === 'validation_required' && error.validationUrl !== undefined && !error.message.includes(error.validationUrl)) {
		return `${error.message}: open ${error.validationUrl}`;
	}
	return error instanceof Error ? error.message : String(error);
}

export function createAccountVerifier(deps: VerifierDeps): AccountVerifier {
	return async (signal?: AbortSignal): Promise<AccountVerdict[]> => {
		const verdicts: AccountVerdict[] = [];
		for (const record of await deps.store.list()) verdicts.push(await verifyOne(record, deps, signal));
		return verdicts;
	};
}

async function verifyOne(record: AccountRecord, deps: VerifierDeps, signal: AbortSignal | undefined): Promise<AccountVerdict> {
	const base = {email: record.email, enabled: record.enabled};
	const withSignal = signal === undefined ? {} : {signal};
	const markInvalid = async (reason: string, url?: string): Promise<AccountVerdict> => {
		await deps.store.update(record.email, {invalid: {reason, at: new Date().toISOString(), ...(url === undefined ? {} : {url})}});
		return {...base, kind: 'invalid', reason, ...(url === undefined ? {} : {url})};
	};
	let accessToken: string;
	try {
		accessToken = await deps.tokens.accessToken(record.email, {force: true, ...withSignal});
	} catch (error) {
		// The token source has already marked the account for invalid_grant.
		if (error instanceof InvalidGrantError) return {...base, kind: 'invalid', reason: error.reason};
		return {...base, kind: 'error', message: describeVerifyError(error)};
	}
	let found: {projectId: string; tier: string};
	try {
		// The account's own client version on discovery too, as on every Cloud Code call it makes.
		const ownVersion = record.clientVersion === undefined ? {} : {clientVersion: record.clientVersion};
		found = await discoverProject(deps.client, accessToken, {...deps.discovery, ...withSignal, ...ownVersion});
	} catch (error) {
		if (error instanceof DiscoveryError && error.kind === 'validation_required') return markInvalid(VERIFICATION_REQUIRED, error.validationUrl);
		if (error instanceof DiscoveryError && error.accountProblem) return markInvalid(error.message);
		return {...base, kind: 'error', message: describeVerifyError(error)};
	}
	// The version this account presents, and where it comes from: Google refuses outdated ones.
	const version = record.clientVersion ?? deps.client.clientVersion;
	const client = `client ${version}${record.clientVersion === undefined ? '' : ' (account)'}`;
	const models = await deps.client.call('fetchAvailableModels', {project: found.projectId}, accessToken, signal, version);
	if (!models.ok) {
		if (models.error.kind === 'client_outdated') return {...base, kind: 'error', message: models.error.message};
		if (models.error.kind === 'validation_required') return markInvalid(VERIFICATION_REQUIRED, models.error.validationUrl);
		if (models.error.kind === 'banned') return markInvalid(models.error.message);
		return {...base, kind: 'error', message: `fetchAvailableModels failed (HTTP ${models.error.status}, ${client}): ${models.error.message}`};
	}
	const catalogue = typeof models.json === 'object' && models.json !== null ? (models.json as Record<string, unknown>)['models'] : undefined;
	if (typeof catalogue !== 'object' || catalogue === null || Array.isArray(catalogue)) {
		return {...base, kind: 'error', message: 'fetchAvailableModels answered without a models object'};
	}
	const count = Object.values(catalogue as Record<string, unknown>).filter(
		model => typeof model === 'object' && model !== null && typeof (model as Record<string, unknown>)['displayName'] === 'string',
	).length;
	if (record.invalid !== undefined || record.projectId !== found.projectId || record.tier !== found.tier) {
		await deps.store.update(record.email, {projectId: found.projectId, tier: found.tier, invalid: undefined});
	}
	return {...base, kind: 'ok', detail: `project ${found.projectId}, tier ${found.tier}, ${count} models, ${client}`};
}
