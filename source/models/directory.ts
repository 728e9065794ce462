// The models agproxy serves right now: the upstream's own list once an account fetched it, else the shipped catalogue.
import type {AvailableModels} from '../cloudcode/types.js';
import {DEFAULT_CATALOGUE, type ServedModel} from './catalogue.js';

/** Ids the upstream lists that are not chat models a client can use (reference §3.6). */
const INTERNAL = /^(chat_|tab_|rev\d)/;

export class ModelDirectory {
	private models: readonly ServedModel[] = DEFAULT_CATALOGUE;
	private ids: ReadonlySet<string> = new Set(DEFAULT_CATALOGUE.map(m => m.id));

	list(): readonly ServedModel[] {
		return this.models;
	}

	servedIds(): ReadonlySet<string> {
		return this.ids;
	}

	/** Replaces the list from a `fetchAvailableModels` answer (already validated), keeping catalogue dates where known. */
	update(available: AvailableModels): void {
		const known = new Map(DEFAULT_CATALOGUE.map(m => [m.id, m]));
		const models = Object.entries(available.models)
			.filter(([id, info]) => !INTERNAL.test(id) && info.displayName !== undefined)
			.map(([id, info]) => ({id, displayName: info.displayName ?? id, createdAt: known.get(id)?.createdAt ?? '2026-01-01T00:00:00Z'}))
			.sort((a, b) => a.id.localeCompare(b.id));
		if (models.length === 0) return;
		this.models = models;
		this.ids = new Set(models.map(m => m.id));
	}
}

/** Narrows an untrusted `fetchAvailableModels` body. */
export function parseAvailableModels(json: unknown): AvailableModels | undefined {
	if (typeof json !== 'object' || json === null || !('models' in json)) return undefined;
	const models = (json as {models: unknown}).models;
	if (typeof models !== 'object' || models === null || Array.isArray(models)) return undefined;
	const result: AvailableModels = {models: {}};
	for (const [id, raw] of Object.entries(models as Record<string, unknown>)) {
		if (typeof raw !== 'object' || raw === null) continue;
		const info = raw as Record<string, unknown>;
		const quota = typeof info['quotaInfo'] === 'object' && info['quotaInfo'] !== null ? (info['quotaInfo'] as Record<string, unknown>) : undefined;
		result.models[id] = {
			...(typeof info['displayName'] === 'string' ? {displayName: info['displayName']} : {}),
			...(typeof info['maxTokens'] === 'number' ? {maxTokens: info['maxTokens']} : {}),
			...(typeof info['maxOutputTokens'] === 'number' ? {maxOutputTokens: info['maxOutputTokens']} : {}),
			...(quota
				? {
						quotaInfo: {
							...(typeof quota['remainingFraction'] === 'number' ? {remainingFraction: quota['remainingFraction']} : {}),
							...(typeof quota['resetTime'] === 'string' ? {resetTime: quota['resetTime']} : {}),
						},
					}
				: {}),
		};
	}
	return result;
}
