// What the dashboard reads and calls. It holds no truth of its own: every view is derived from this source, and every edit
// goes through `run` — the same actions the CLI and the admin API use.
import type {PoolAccountSnapshot} from '../accounts/pool.js';
import type {ActionArgs, ActionName, ActionResult} from '../actions/registry.js';
import type {EventBus} from '../events.js';

export type DashboardInfo = {
	url: string;
	version: string;
	strategy: string;
	startedAt: number;
	/** true once users exist (requests need keys); false = open mode */
	keyed: () => boolean;
	/**
	 * true when agproxy runs on one access token (AGPROXY_ACCESS_TOKEN) with no account pool: the home screen then does not
	 * ask for a Google account. Optional (added for the home screen); when absent, `strategy === 'single token'` decides.
	 */
	singleToken?: boolean;
	/** Shown in the header when set, e.g. `--simulate`'s "simulated Google (demo accounts in memory)". */
	mode?: string;
};

/** An OAuth sign-in started from the dashboard (`a`): show `url`, accept a pasted redirect URL or code. */
export type LoginSession = {
	url: Promise<string>;
	paste: (text: string) => void;
	/** Resolves with the added account's email once it is stored; rejects with a readable message. */
	done: Promise<{email: string}>;
	cancel: () => void;
};

export type DashboardSource = {
	info: DashboardInfo;
	/** `request` (RequestRecord) and `notice` events. */
	bus: EventBus;
	/** Pool accounts with health, per-model quota and limits ([] in single-token mode). */
	accounts: () => PoolAccountSnapshot[];
	onAccounts: (listener: () => void) => () => void;
	/** Streams/requests in flight right now. */
	inFlight: () => number;
	run: <N extends ActionName>(action: N, args: ActionArgs<N>) => Promise<ActionResult<N>>;
	/** `r`: fetch quotas for every account now. */
	refreshQuotas: () => Promise<void>;
	startLogin: () => LoginSession;
	/** Model ids a group member may be chosen from. */
	servedModels: () => string[];
};
