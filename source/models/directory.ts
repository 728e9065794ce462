// The models agproxy serves right now: the upstream's own list once an account fetched it (with the number of accounts
// offering each), else the shipped catalogue. Each carries its limits: the upstream's maxTokens / maxOutputTokens when
// reported, else the catalogue's.
import {DEFAULT_CATALOGUE, type ModelLimits, type ServedModel} from './catalogue.js';
import {limitsFor} from './limits.js';

export type OfferedModel = {id: string; displayName: string; maxTokens?: number; maxOutputTokens?: number; accounts?: number};

export class ModelDirectory {
	private models: readonly ServedModel[] = DEFAULT_CATALOGUE;
	private ids: ReadonlySet<string> = new Set(DEFAULT_CATALOGUE.map(m => m.id));
	private offered: (() => readonly {id: string; accounts: number}[]) | undefined;

	/** The models with how many accounts offer each right now (when a source of counts is set). */
	list(): readonly ServedModel[] {
		if (this.offered === undefined) return this.models;
		const counts = new Map(this.offered().map(m => [m.id, m.accounts]));
		return this.models.map(m => ({...m, accounts: counts.get(m.id) ?? 0}));
	}

	/** Where the per-model account counts come from (the quota refresher's union of the accounts' model lists). */
	countAccountsFrom(offered: () => readonly {id: string; accounts: number}[]): void {
		this.offered = offered;
	}

	servedIds(): ReadonlySet<string> {
		return this.ids;
	}

	/** The limits of a model, served or not (a passed-through id of a known family still has its family's). */
	limits(id: string): ModelLimits | undefined {
		return this.models.find(m => m.id === id)?.limits ?? limitsFor(id);
	}

	/** Replaces the list with the models the accounts really offer (already filtered), keeping catalogue dates where known. */
	setModels(available: readonly OfferedModel[]): void {
		if (available.length === 0) return;
		const known = new Map(DEFAULT_CATALOGUE.map(m => [m.id, m]));
		this.models = [...available]
			.map(m => {
				const limits = limitsFor(m.id, {
					...(m.maxTokens === undefined ? {} : {contextWindow: m.maxTokens}),
					...(m.maxOutputTokens === undefined ? {} : {maxOutputTokens: m.maxOutputTokens}),
				});
				return {
					id: m.id,
					displayName: m.displayName,
					createdAt: known.get(m.id)?.createdAt ?? '2026-01-01T00:00:00Z',
					...(limits === undefined ? {} : {limits}),
					...(m.accounts === undefined ? {} : {accounts: m.accounts}),
				};
			})
			.sort((a, b) => a.id.localeCompare(b.id));
		this.ids = new Set(this.models.map(m => m.id));
	}
}
