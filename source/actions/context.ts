// What every action runs over. The server builds one with its store, pool and model directory; the CLI builds one
// around the store it opened under the writer lock (no pool, the shipped model catalogue).
import type {AccountPool} from '../accounts/pool.js';
import type {DataStore} from '../store/types.js';

/** The part of the AccountPool the actions use (the pool itself fits). */
export type PoolControl = Pick<AccountPool, 'setEnabled' | 'snapshot' | 'reload'>;

/**
 * Sends one tiny Messages request to a group alias, as `owner` when given (so the owner's group shadows a global one),
 * and says which member model answered. Throws when no member answered; the message is shown to the user.
 */
export type GroupTester = (input: {alias: string; owner?: string; signal?: AbortSignal}) => Promise<{model: string; text: string}>;

export type AccountVerdict =
	| {email: string; enabled: boolean; kind: 'ok'; detail: string}
	| {email: string; enabled: boolean; kind: 'invalid'; reason: string; url?: string}
	| {email: string; enabled: boolean; kind: 'error'; message: string};

/** Checks every stored account against Google (see actions/verify.ts) and records what it found. */
export type AccountVerifier = (signal?: AbortSignal) => Promise<AccountVerdict[]>;

export type ActionContext = {
	store: DataStore;
	pool?: PoolControl;
	/** Model ids agproxy serves now; group members must be among them. */
	servedModels: () => ReadonlySet<string>;
	/** Only where a server runs: the `groups.test` action. */
	testGroup?: GroupTester;
	/** The `accounts.verify` action. */
	verifyAccounts?: AccountVerifier;
	/** epoch ms; default Date.now */
	now?: () => number;
};

export const nowOf = (ctx: ActionContext): number => (ctx.now ?? Date.now)();
