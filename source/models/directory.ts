// The models agproxy serves right now: the upstream's own list once an account fetched it, else the shipped catalogue.
import {DEFAULT_CATALOGUE, type ServedModel} from './catalogue.js';

export class ModelDirectory {
	private models: readonly ServedModel[] = DEFAULT_CATALOGUE;
	private ids: ReadonlySet<string> = new Set(DEFAULT_CATALOGUE.map(m => m.id));

	list(): readonly ServedModel[] {
		return this.models;
	}

	servedIds(): ReadonlySet<string> {
		return this.ids;
	}

	/** Replaces the list with the models the accounts really offer (already filtered), keeping catalogue dates where known. */
	setModels(available: ReadonlyArray<{id: string; displayName: string}>): void {
		if (available.length === 0) return;
		const known = new Map(DEFAULT_CATALOGUE.map(m => [m.id, m]));
		this.models = [...available]
			.map(m => ({id: m.id, displayName: m.displayName, createdAt: known.get(m.id)?.createdAt ?? '2026-01-01T00:00:00Z'}))
			.sort((a, b) => a.id.localeCompare(b.id));
		this.ids = new Set(this.models.map(m => m.id));
	}
}
