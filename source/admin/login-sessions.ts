// Google sign-ins run by the server for an attached dashboard (`a`): POST /admin/login starts one and answers its URL,
// the user pastes the redirect URL or code (POST /admin/login/paste), and the account is stored by the server itself,
// the same way the in-process dashboard does (accounts.upsert). The outcome is announced through `onStatus` (the event
// stream's `login` event) and remembered for a while, so a dashboard that reconnects meanwhile still learns it.
import {randomBytes} from 'node:crypto';
import {PassThrough} from 'node:stream';
import {captureLoginUrl} from '../accounts/login-url.js';
import {ConflictError, NotFoundError, UnavailableError} from '../actions/errors.js';
import type {AccountRecord} from '../accounts/types.js';
import type {LoginStatus} from './protocol.js';

export type LoginRunner = (options: {output: {write: (text: string) => unknown}; input: NodeJS.ReadableStream; signal: AbortSignal}) => Promise<AccountRecord>;

export type LoginSessionsDeps = {
	/** The app's sign-in (its OAuth client and upstream); absent where the server cannot sign in. */
	login?: LoginRunner;
	/** Stores the new account (accounts.upsert, then saved). */
	store: (record: AccountRecord) => Promise<void>;
	onStatus: (status: LoginStatus) => void;
	/** Sign-ins in progress at most (default 3). */
	maxPending?: number;
	/** How long a finished sign-in's outcome is remembered (default 10 minutes). */
	keepMs?: number;
	/** How long to wait for the sign-in URL (default 30 s). */
	urlTimeoutMs?: number;
};

type Session = {status: LoginStatus; input: PassThrough; abort: AbortController; finishedAt?: number};

export class LoginSessions {
	private readonly sessions = new Map<string, Session>();

	constructor(private readonly deps: LoginSessionsDeps) {}

	private prune(now: number): void {
		const keepMs = this.deps.keepMs ?? 600_000;
		for (const [id, session] of this.sessions) {
			if (session.finishedAt !== undefined && now - session.finishedAt > keepMs) this.sessions.delete(id);
		}
	}

	private pending(): number {
		return [...this.sessions.values()].filter(session => session.status.state === 'pending').length;
	}

	/** Starts a sign-in; resolves with its id and the URL to open once the login printed it. */
	async start(): Promise<{id: string; url: string}> {
		const login = this.deps.login;
		if (login === undefined) throw new UnavailableError('this agproxy cannot sign in accounts (it runs on a single token)');
		this.prune(Date.now());
		const maxPending = this.deps.maxPending ?? 3;
		if (this.pending() >= maxPending) throw new ConflictError(`${maxPending} sign-ins are in progress already: finish or cancel one first`);
		const id = randomBytes(8).toString('hex');
		const session: Session = {status: {id, state: 'pending'}, input: new PassThrough(), abort: new AbortController()};
		this.sessions.set(id, session);
		const {output, url, fail: rejectUrl} = captureLoginUrl();
		const finish = (status: LoginStatus): void => {
			session.status = status;
			session.finishedAt = Date.now();
			session.input.end();
			this.deps.onStatus(status);
		};
		login({output, input: session.input, signal: session.abort.signal})
			.then(async record => {
				await this.deps.store(record);
				finish({id, state: 'done', email: record.email});
			})
			.catch((error: unknown) => {
				const message = error instanceof Error ? error.message : String(error);
				rejectUrl(new Error(message));
				finish({id, state: 'failed', error: message});
			});
		const timeout = setTimeout(() => rejectUrl(new Error('the sign-in did not produce a URL in time')), this.deps.urlTimeoutMs ?? 30_000);
		try {
			return {id, url: await url};
		} catch (error) {
			session.abort.abort();
			throw new UnavailableError(`cannot start the sign-in: ${(error as Error).message}`);
		} finally {
			clearTimeout(timeout);
		}
	}

	private find(id: string): Session {
		const session = this.sessions.get(id);
		if (session === undefined) throw new NotFoundError(`no sign-in '${id.slice(0, 40)}' (it finished long ago or was never started)`);
		return session;
	}

	/** The redirect URL or code the user pasted. */
	paste(id: string, text: string): void {
		const session = this.find(id);
		if (session.status.state !== 'pending') throw new ConflictError(`the sign-in ${id} has ${session.status.state === 'done' ? 'finished' : 'failed'} already`);
		session.input.write(`${text.trim()}\n`);
	}

	cancel(id: string): void {
		const session = this.find(id);
		if (session.status.state === 'pending') session.abort.abort();
	}

	/** Sign-ins in progress or finished recently. */
	statuses(): LoginStatus[] {
		this.prune(Date.now());
		return [...this.sessions.values()].map(session => ({...session.status}));
	}

	/** The server stops: every sign-in in progress is abandoned. */
	close(): void {
		for (const session of this.sessions.values()) if (session.status.state === 'pending') session.abort.abort();
	}
}
