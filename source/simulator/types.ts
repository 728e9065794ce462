// Public shapes of the Cloud Code simulator: accounts, models, scripts (what an answer looks like) and fault rules.

export type SimAccount = {
	email: string;
	refreshToken: string;
	/** undefined project => the account must go through loadCodeAssist + onboardUser first */
	project?: string;
	/** 'free-tier' (default), 'standard-tier', or a paid id such as 'g1-pro-tier' */
	tier?: string;
	/** per model id; a model at 0 with a future resetTime answers 429 QUOTA_EXHAUSTED */
	quotas?: Record<string, {remainingFraction: number; resetTime?: string}>;
	validationRequired?: boolean;
	banned?: boolean;
};

export type SimModel = {
	id: string;
	displayName: string;
	family: 'claude' | 'gemini';
	thinking: boolean;
	/** context window */
	maxTokens: number;
	maxOutputTokens: number;
	/** image output model (requestType image_gen) */
	images?: boolean;
};

export type SimToolCall = {name: string; args?: Record<string, unknown>};

/** A web page a grounded answer cites: `domain` is what the service puts in `web.title`; `uri` defaults to a redirect. */
export type SimSource = {domain: string; title: string; uri?: string};

/** Scripts that produce a 200 answer. */
export type AnswerScript =
	| {kind: 'text'; text?: string; chunks?: number}
	| {kind: 'thinking'; thinking?: string; text?: string; chunks?: number; streaming?: 'delta' | 'cumulative'; separateSignature?: boolean}
	/** one element per step; an array element is a parallel batch */
	| {kind: 'tools'; calls: Array<SimToolCall | SimToolCall[]>; finalText?: string}
	| {kind: 'parallel_tools'; calls: SimToolCall[]; finalText?: string}
	| {kind: 'image'; text?: string}
	| {kind: 'cached'; text?: string; cachedTokens?: number}
	| {kind: 'long'; chunks?: number; chunkSize?: number}
	| {kind: 'max_tokens'; text?: string}
	| {kind: 'safety'}
	| {kind: 'empty'}
	| {kind: 'malformed_function_call'}
	| {kind: 'echo'}
	/** Google Search grounding (only with a googleSearch tool; the default answer then): text + groundingMetadata */
	| {kind: 'grounded'; queries?: string[]; sources?: SimSource[]; chunks?: number};

export type CannedErrorName =
	| 'rate_limit'
	| 'quota_exhausted'
	| 'bare_429'
	| 'capacity_503'
	| 'unauthenticated_401'
	| 'validation_required_403'
	| 'permission_403'
	| 'banned_403'
	| 'invalid_argument_400'
	| 'not_found_404'
	| 'server_500'
	/** OAuth token endpoint body {"error":"invalid_grant",...} */
	| 'invalid_grant';

/** Scripts that misbehave: error statuses and broken streams. `answer` is what the broken stream carries. */
export type FaultScript =
	| {
			kind: 'http_error';
			error: CannedErrorName;
			/** overrides the canned status code */
			status?: number;
			message?: string;
			/** RetryInfo / reset delay in seconds */
			retryDelaySec?: number;
			/** RFC 3339 reset time for quota_exhausted */
			resetTime?: string;
			/** `[{...}\n]` like the 2025 stream endpoint */
			arrayWrapped?: boolean;
			/** include the legacy `errors: [...]` array */
			legacyErrors?: boolean;
			/** flush the body in two writes (reproduces gaxios' stray commas) */
			split?: boolean;
			contentType?: 'event-stream' | 'json';
	  }
	| {kind: 'disconnect_mid_stream'; afterChunks?: number; answer?: AnswerScript}
	| {kind: 'slow_first_byte'; ms: number; answer?: AnswerScript}
	| {kind: 'truncated'; answer?: AnswerScript}
	| {kind: 'malformed_chunk'; at?: number; answer?: AnswerScript}
	| {kind: 'stall'; afterChunks?: number; ms: number; answer?: AnswerScript}
	/** token endpoint only: the refresh answers with a new refresh_token and revokes the old one */
	| {kind: 'rotate_refresh_token'};

export type SimScript = AnswerScript | FaultScript;

export type FaultRule = {
	/**
	 * Without `method` a rule matches only generate calls (streamGenerateContent, generateContent). `toolLoop`: true
	 * matches only requests that continue a tool loop (the last turn carries functionResponses), false only others.
	 */
	match?: {account?: string; model?: string; method?: string; toolLoop?: boolean};
	/** how many matching requests consume it (default 1) */
	times?: number;
	script: SimScript;
};

export type RecordedRequest = {
	seq: number;
	method: string;
	path: string;
	query: Record<string, string>;
	/** the v1internal method ('streamGenerateContent', ...), 'operations', or 'token' / 'userinfo' / 'auth' */
	rpc?: string;
	headers: Record<string, string>;
	/** parsed JSON or form body as received (undefined when empty or unparsable) */
	body: unknown;
	/** the account the bearer token or refresh token belongs to */
	account?: string;
	/** the status the simulator answered with (set once known) */
	status?: number;
};

export type SimulatorOptions = {
	port?: number;
	/** default 127.0.0.1; port 0 = ephemeral */
	host?: string;
	/** default: two demo accounts (demo@agproxy.local, demo2@agproxy.local) */
	accounts?: SimAccount[];
	/** default catalogue in models.ts */
	models?: SimModel[];
	/** default 3600 */
	accessTokenTtlSec?: number;
	/** injectable clock (ms) */
	now?: () => number;
	/** pacing between SSE chunks, default 0 */
	chunkDelayMs?: number;
	/** when set, /token requires them */
	oauthClientId?: string;
	oauthClientSecret?: string;
	/** GET polls of an onboarding operation that still answer done:false (default 1) */
	onboardPolls?: number;
	/** HMAC secret for thought signatures (default random per simulator) */
	signatureSecret?: string;
	/** Antigravity clients older than this (by their User-Agent) get the "no longer supported" answer (default: none) */
	minClientVersion?: string;
	/** reject the skip_thought_signature_validator sentinel on Claude thinking parts (default false: accepted) */
	rejectClaudeSentinel?: boolean;
	/** oldest recorded requests are dropped beyond this (default 1000) */
	maxRecorded?: number;
};

export type Simulator = {
	/** base URL, e.g. http://127.0.0.1:PORT; Cloud Code endpoints live at `${url}/v1internal:...` */
	url: string;
	oauth: {authUrl: string; tokenUrl: string; userinfoUrl: string};
	/** mint a valid access token directly (tests / AGPROXY_ACCESS_TOKEN); throws for an unknown account */
	issueAccessToken(email: string): string;
	enqueue(rule: FaultRule): void;
	/** every request received except /__sim control calls */
	requests: RecordedRequest[];
	/** change an account at runtime (ban it, empty a quota, ...) */
	updateAccount(email: string, patch: Partial<Omit<SimAccount, 'email'>>): void;
	/** clears rules, recorded requests, prompt-cache memory, counters and account state; issued access tokens stay valid */
	reset(): void;
	/** HTTP connections open to the simulator right now (idle keep-alive ones included): for leak checks */
	openConnections(): Promise<number>;
	close(): Promise<void>;
};
