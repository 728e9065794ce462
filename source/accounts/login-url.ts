// The sign-in URL as the login prints it, for callers that show it elsewhere (the dashboard, an attached dashboard
// through the admin API) instead of a terminal: the login's output is watched and its first http(s) URL handed over.

export type LoginUrlCapture = {
	/** The login's output: collects the text and resolves `url` with the first http(s) URL in it. */
	output: {write: (text: string) => boolean};
	/** The sign-in URL, once printed; rejected by `fail` if the login ends (or gives up) before printing one. */
	url: Promise<string>;
	/** Rejects `url` (no effect once it resolved). */
	fail: (error: Error) => void;
};

export function captureLoginUrl(): LoginUrlCapture {
	let resolveUrl: (url: string) => void = () => {};
	let rejectUrl: (error: Error) => void = () => {};
	const url = new Promise<string>((resolve, reject) => {
		resolveUrl = resolve;
		rejectUrl = reject;
	});
	// A caller may never await the URL (a sign-in cancelled at once): its rejection is not an unhandled one.
	url.catch(() => {});
	let printed = '';
	return {
		output: {
			write: text => {
				printed += text;
				const found = /https?:\/\/\S+/.exec(printed)?.[0];
				if (found) resolveUrl(found);
				return true;
			},
		},
		url,
		fail: rejectUrl,
	};
}
