// The dashboard's view of a running app: reads its state, calls its actions. No Ink or React here (headless-safe).
import {PassThrough} from 'node:stream';
import {captureLoginUrl} from '../accounts/login-url.js';
import {runAction} from '../actions/registry.js';
import type {App} from '../app.js';
import {VERSION} from '../version.js';
import type {DashboardSource, LoginSession} from './source.js';

export function dashboardSource(app: App): DashboardSource {
	return {
		info: {url: app.url, version: VERSION, strategy: app.strategy, startedAt: app.startedAt, keyed: () => app.actions.store.users.count() > 0, singleToken: app.pool === undefined},
		bus: app.bus,
		accounts: () => app.pool?.snapshot() ?? [],
		onAccounts: listener => app.pool?.onChange(() => listener()) ?? (() => {}),
		inFlight: app.inFlight,
		run: (action, args) => runAction(app.actions, action, args),
		refreshQuotas: async () => {
			await app.pool?.quota?.refresh();
		},
		startLogin: () => startLogin(app),
		servedModels: () => [...app.models.servedIds()].sort(),
	};
}

/** Runs the OAuth sign-in with a pasted-input stream the dashboard feeds, and stores the account through the actions. */
function startLogin(app: App): LoginSession {
	const input = new PassThrough();
	const abort = new AbortController();
	const {output, url, fail: rejectUrl} = captureLoginUrl();
	const done = app
		.login({output, input, signal: abort.signal})
		.then(async record => {
			await runAction(app.actions, 'accounts.upsert', {record});
			return {email: record.email};
		})
		.catch((error: unknown) => {
			const message = error instanceof Error ? error.message : String(error);
			rejectUrl(new Error(message));
			throw new Error(message);
		})
		.finally(() => input.end());
	return {
		url,
		done,
		paste: text => {
			input.write(`${text.trim()}\n`);
		},
		cancel: () => abort.abort(),
	};
}
