// The request target (`req.url`) as routing sees it, parsed without ever throwing past the router: a target that is
// not a path (`http://[`), or a path part with a broken percent-escape (`/v1/models/%E0%A4%A`), is a 400.
import {badRequest} from './errors.js';

export type Target = {pathname: string; searchParams: URLSearchParams};

/**
 * Origin-form targets (`/path?query`) are split as sent, so `//host/path` stays a path (404) instead of being read as
 * a host. Absolute-form targets (`http://host/path`, allowed by HTTP/1.1 for proxies) keep only their path and query.
 */
export function parseTarget(raw: string | undefined): Target {
	const target = raw === undefined || raw === '' ? '/' : raw;
	if (target.startsWith('/')) {
		const query = target.indexOf('?');
		const pathname = query === -1 ? target : target.slice(0, query);
		return {pathname, searchParams: new URLSearchParams(query === -1 ? '' : target.slice(query + 1))};
	}
	if (/^https?:\/\//i.test(target)) {
		try {
			const url = new URL(target);
			return {pathname: url.pathname, searchParams: url.searchParams};
		} catch {
			throw badRequest('the request target is not a valid URL');
		}
	}
	throw badRequest(`the request target must be a path starting with '/', got ${JSON.stringify(target.slice(0, 40))}`);
}

/** One percent-encoded path segment, decoded; a malformed escape names the segment in a 400. */
export function decodePathSegment(segment: string, field: string): string {
	try {
		return decodeURIComponent(segment);
	} catch {
		throw badRequest(`${field}: '${segment.slice(0, 100)}' is not valid percent-encoding (a '%' must be followed by two hex digits forming UTF-8)`);
	}
}
