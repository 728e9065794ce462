import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {parseDelayFromText, parseDurationMs, parseRetryAfterMs} from '../../source/cloudcode/duration.js';
import {parseUpstreamError} from '../../source/cloudcode/errors.js';

const NOW = Date.parse('2026-01-18T07:44:00Z');

describe('parseDurationMs', () => {
	const cases: Array<[string, number]> = [
		['3.957525076s', 3958],
		['0.579276118s', 580],
		['900ms', 900],
		['0.5s', 500],
		['40s', 40_000],
		['0s', 0],
		['1.1s', 1100],
		['581981.300432511s', 581_981_301],
		['161h39m41.300432511s', (161 * 3600 + 39 * 60 + 41.300432511) * 1000 + 0.699567489],
		['579.276118ms', 580],
		['17m31.3s', 1_051_300],
		['1h2m3s', 3_723_000],
		['1500us', 2],
		['2000000ns', 2],
		[' 2s ', 2000],
	];
	for (const [text, ms] of cases) {
		it(`parses ${JSON.stringify(text)}`, () => assert.equal(parseDurationMs(text), Math.round(ms)));
	}
	for (const text of ['', 's', '5', '5x', '1h 2m', 'abc', '-3s', '5s!']) {
		it(`rejects ${JSON.stringify(text)}`, () => assert.equal(parseDurationMs(text), undefined));
	}
});

describe('parseDelayFromText', () => {
	it('finds delays in messages', () => {
		assert.equal(parseDelayFromText('Your quota will reset after 5s.'), 5000);
		assert.equal(parseDelayFromText('Your quota will reset after 0s.'), 0);
		assert.equal(parseDelayFromText('Individual quota reached. Resets in 9h22m20s.'), (9 * 3600 + 22 * 60 + 20) * 1000);
		assert.equal(parseDelayFromText('Please retry in 3.2s.'), 3200);
		assert.equal(parseDelayFromText('please RETRY AFTER 250ms'), 250);
		assert.equal(parseDelayFromText('Resource has been exhausted (e.g. check quota).'), undefined);
	});
});

describe('parseRetryAfterMs', () => {
	it('reads seconds', () => {
		assert.equal(parseRetryAfterMs('7', NOW), 7000);
		assert.equal(parseRetryAfterMs('1.5', NOW), 1500);
	});
	it('reads an HTTP date relative to now', () => {
		assert.equal(parseRetryAfterMs(new Date(NOW + 30_000).toUTCString(), NOW), 30_000);
		assert.equal(parseRetryAfterMs(new Date(NOW - 30_000).toUTCString(), NOW), 0);
	});
	it('rejects junk', () => {
		assert.equal(parseRetryAfterMs('', NOW), undefined);
		assert.equal(parseRetryAfterMs('-5', NOW), undefined);
		assert.equal(parseRetryAfterMs('soon', NOW), undefined);
	});
});

// ---------------------------------------------------------------- fixtures (cloudcode-api.md §5.2–5.4)

const RATE_LIMIT = `{
  "error": {
    "code": 429,
    "message": "You have exhausted your capacity on this model. Your quota will reset after 0s.",
    "status": "RESOURCE_EXHAUSTED",
    "details": [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "RATE_LIMIT_EXCEEDED",
        "domain": "cloudcode-pa.googleapis.com",
        "metadata": {
          "model": "claude-opus-4-5-thinking",
          "quotaResetDelay": "579.276118ms",
          "quotaResetTimeStamp": "2026-01-18T07:44:02Z",
          "uiMessage": "true"
        }
      },
      {
        "@type": "type.googleapis.com/google.rpc.RetryInfo",
        "retryDelay": "0.579276118s"
      }
    ]
  }
}`;

const QUOTA = `{
  "error": {
    "code": 429,
    "message": "You have exhausted your capacity on this model. Your quota will reset after 161h39m41s.",
    "status": "RESOURCE_EXHAUSTED",
    "details": [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "QUOTA_EXHAUSTED",
        "domain": "cloudcode-pa.googleapis.com",
        "metadata": {
          "uiMessage": "true",
          "model": "claude-sonnet-4-5",
          "quotaResetDelay": "161h39m41.300432511s",
          "quotaResetTimeStamp": "2025-12-18T20:18:34Z"
        }
      },
      {
        "@type": "type.googleapis.com/google.rpc.RetryInfo",
        "retryDelay": "581981.300432511s"
      }
    ]
  }
}`;

const QUOTA_2026 = JSON.stringify({
	error: {
		code: 429,
		message: 'Individual quota reached. Please upgrade your subscription to increase your limits. Resets in 9h22m20s.',
		status: 'RESOURCE_EXHAUSTED',
		details: [
			{
				'@type': 'type.googleapis.com/google.rpc.ErrorInfo',
				reason: 'QUOTA_EXHAUSTED',
				domain: 'cloudcode-pa.googleapis.com',
				metadata: {quotaResetTimeStamp: '2026-01-18T17:06:20Z', quotaResetDelay: '33740.910400305s', uiMessage: 'true', model: 'gemini-3.5-flash'},
			},
			{'@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '33740.910400305s'},
		],
	},
});

const BARE_429 = `{
  "error": {
    "code": 429,
    "message": "Resource has been exhausted (e.g. check quota).",
    "status": "RESOURCE_EXHAUSTED"
  }
}`;

const LEGACY_429 = `[{
  "error": {
    "code": 429,
    "message": "Resource exhausted. Please try again later. Please refer to https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.",
    "errors": [
      {
        "message": "Resource exhausted. Please try again later. Please refer to https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.",
        "domain": "global",
        "reason": "rateLimitExceeded"
      }
    ],
    "status": "RESOURCE_EXHAUSTED"
  }
}
]`;

const CAPACITY = `{
  "error": {
    "code": 503,
    "message": "No capacity available for model gemini-3-pro-high on the server",
    "status": "UNAVAILABLE",
    "details": [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "MODEL_CAPACITY_EXHAUSTED",
        "domain": "cloudcode-pa.googleapis.com",
        "metadata": {"model": "gemini-3-pro-high"}
      },
      {
        "@type": "type.googleapis.com/google.rpc.RetryInfo",
        "retryDelay": "40s"
      }
    ]
  }
}`;

const IAM_403 = `[{
  "error": {
    "code": 403,
    "message": "Permission 'cloudaicompanion.companions.generateChat' denied on resource '//cloudaicompanion.googleapis.com/projects/xxx/locations/global' (or it may not exist).",
    "status": "PERMISSION_DENIED",
    "details": [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "IAM_PERMISSION_DENIED",
        "domain": "cloudaicompanion.googleapis.com",
        "metadata": {
          "resource": "projects/xxx/locations/global",
          "permission": "cloudaicompanion.companions.generateChat"
        }
      }
    ]
  }
}
]`;

const VALIDATION = `{"error":{"code":403,"message":"Validation required to continue.","status":"PERMISSION_DENIED","details":[
  {"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"VALIDATION_REQUIRED","domain":"cloudcode-pa.googleapis.com","metadata":{"validation_link":"https://accounts.google.com/meta-link"}},
  {"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Complete validation to continue","url":"https://accounts.google.com/help-link"},{"description":"Learn more","url":"https://support.google.com/accounts?p=al_alert"}]}]}}`;

const BANNED = JSON.stringify({
	error: {
		code: 403,
		message: 'This service has been disabled in this account for violation of Terms of Service.',
		status: 'PERMISSION_DENIED',
	},
});

const UNAUTHENTICATED = JSON.stringify({
	error: {
		code: 401,
		message:
			'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
		status: 'UNAUTHENTICATED',
		details: [
			{
				'@type': 'type.googleapis.com/google.rpc.ErrorInfo',
				reason: 'ACCESS_TOKEN_EXPIRED',
				domain: 'googleapis.com',
				metadata: {service: 'cloudcode-pa.googleapis.com', method: 'google.internal.cloud.code.v1internal.CloudCode.StreamGenerateContent'},
			},
		],
	},
});

const BAD_REQUEST_MESSAGE =
	'Invalid JSON payload received. Unknown name "$schema" at \'request.tools[0].function_declarations[0].parameters\': Cannot find field.\nInvalid JSON payload received. Unknown name "const" at \'request.tools[0].function_declarations[17].parameters.properties[1].value.any_of[0]\': Cannot find field.';

const BAD_REQUEST = JSON.stringify(
	{
		error: {
			code: 400,
			message: BAD_REQUEST_MESSAGE,
			status: 'INVALID_ARGUMENT',
			details: [
				{
					'@type': 'type.googleapis.com/google.rpc.BadRequest',
					fieldViolations: [
						{field: 'request.tools[0].function_declarations[0].parameters', description: 'x'},
						{field: 'request.tools[0].function_declarations[17].parameters.properties[1].value.any_of[0]', description: 'y'},
					],
				},
			],
		},
	},
	null,
	2,
);

const SEMANTIC_400 =
	'{"error":{"code":400,"message":"* GenerateContentRequest.tools[0].function_declarations[46].parameters.required[1]: property is not defined\\n* GenerateContentRequest.tools[0].function_declarations[47].parameters.required[1]: property is not defined\\n","status":"INVALID_ARGUMENT"}}';

const NOT_FOUND = JSON.stringify({
	error: {code: 404, message: 'models/NOT_FOUND is not found for API version v1beta, or is not supported for generateContent.', status: 'NOT_FOUND'},
});

/** A body as gaxios would join two TCP chunks: `Array.prototype.toString` puts a `,` at the boundary. */
function commaJoined(body: string, at: number): string {
	return `${body.slice(0, at)},${body.slice(at)}`;
}

/** Puts a stray comma right after the first occurrence of `after` (a token boundary). */
function commaAfter(body: string, after: string): string {
	const at = body.indexOf(after);
	assert.ok(at >= 0, `fixture lacks ${after}`);
	return commaJoined(body, at + after.length);
}

/** The one-element array form; bodies that already are arrays stay as they are. */
function arrayWrapped(body: string): string {
	return body.trimStart().startsWith('[') ? body : `[${body}\n]`;
}

describe('parseUpstreamError: 429 catalogue', () => {
	it('(a) RATE_LIMIT_EXCEEDED -> rate_limited with RetryInfo delay', () => {
		const error = parseUpstreamError(429, RATE_LIMIT, {}, NOW);
		assert.equal(error.kind, 'rate_limited');
		assert.equal(error.status, 429);
		assert.equal(error.reason, 'RATE_LIMIT_EXCEEDED');
		assert.equal(error.retryDelayMs, 580);
		assert.equal(error.model, 'claude-opus-4-5-thinking');
		assert.equal(error.resetAt, undefined);
		assert.match(error.message, /exhausted your capacity/);
		assert.equal(error.body?.error.code, 429);
		assert.equal(error.body?.error.status, 'RESOURCE_EXHAUSTED');
		assert.equal(error.body?.error.details?.length, 2);
	});

	it('rate_limited delay falls back to quotaResetDelay, then the timestamp, then the text, then Retry-After', () => {
		const noRetryInfo = RATE_LIMIT.replace('"retryDelay": "0.579276118s"', '"other": 1');
		assert.equal(parseUpstreamError(429, noRetryInfo, {}, NOW).retryDelayMs, 580);
		const noDelay = noRetryInfo.replace('"quotaResetDelay": "579.276118ms",', '');
		assert.equal(parseUpstreamError(429, noDelay, {}, NOW).retryDelayMs, 2000);
		const noStamp = noDelay.replace('"quotaResetTimeStamp": "2026-01-18T07:44:02Z",', '');
		assert.equal(parseUpstreamError(429, noStamp, {}, NOW).retryDelayMs, 0);
		const noText = noStamp.replace('Your quota will reset after 0s.', 'Slow down.');
		assert.equal(parseUpstreamError(429, noText, {}, NOW).retryDelayMs, undefined);
		assert.equal(parseUpstreamError(429, noText, {retryAfter: '3'}, NOW).retryDelayMs, 3000);
	});

	it('(b) QUOTA_EXHAUSTED -> quota_exhausted with resetAt from the timestamp', () => {
		const error = parseUpstreamError(429, QUOTA, {}, NOW);
		assert.equal(error.kind, 'quota_exhausted');
		assert.equal(error.reason, 'QUOTA_EXHAUSTED');
		assert.equal(error.resetAt, Date.parse('2025-12-18T20:18:34Z'));
		assert.equal(error.retryDelayMs, 581_981_301);
		assert.equal(error.model, 'claude-sonnet-4-5');
	});

	it('(b) QUOTA_EXHAUSTED without a timestamp -> resetAt = now + delay', () => {
		const body = QUOTA.replace('"quotaResetTimeStamp": "2025-12-18T20:18:34Z"', '"x": "y"');
		const error = parseUpstreamError(429, body, {}, NOW);
		assert.equal(error.kind, 'quota_exhausted');
		assert.equal(error.resetAt, NOW + 581_981_301);
	});

	it('(b) 2026 variant', () => {
		const error = parseUpstreamError(429, QUOTA_2026, {}, NOW);
		assert.equal(error.kind, 'quota_exhausted');
		assert.equal(error.resetAt, Date.parse('2026-01-18T17:06:20Z'));
		assert.equal(error.retryDelayMs, 33_740_911);
		assert.equal(error.model, 'gemini-3.5-flash');
	});

	it('(c) bare 429 -> rate_limited with no delay (not quota_exhausted)', () => {
		const error = parseUpstreamError(429, BARE_429, {}, NOW);
		assert.equal(error.kind, 'rate_limited');
		assert.equal(error.retryDelayMs, undefined);
		assert.equal(error.resetAt, undefined);
		assert.equal(error.reason, undefined);
		assert.equal(error.message, 'Resource has been exhausted (e.g. check quota).');
	});

	it('(c) legacy array form with errors[]', () => {
		const error = parseUpstreamError(429, LEGACY_429, {}, NOW);
		assert.equal(error.kind, 'rate_limited');
		assert.equal(error.retryDelayMs, undefined);
		assert.match(error.message, /^Resource exhausted\. Please try again later\./);
		assert.equal(error.body?.error.status, 'RESOURCE_EXHAUSTED');
	});

	it('(d) 503 MODEL_CAPACITY_EXHAUSTED -> capacity with RetryInfo delay', () => {
		const error = parseUpstreamError(503, CAPACITY, {}, NOW);
		assert.equal(error.kind, 'capacity');
		assert.equal(error.retryDelayMs, 40_000);
		assert.equal(error.model, 'gemini-3-pro-high');
		assert.equal(error.reason, 'MODEL_CAPACITY_EXHAUSTED');
	});

	it('(d) capacity also as 429, with MODEL_CAPACITY_EXCEEDED, or from the text alone, and as 529', () => {
		assert.equal(parseUpstreamError(429, CAPACITY, {}, NOW).kind, 'capacity');
		assert.equal(parseUpstreamError(429, CAPACITY.replace('MODEL_CAPACITY_EXHAUSTED', 'MODEL_CAPACITY_EXCEEDED'), {}, NOW).kind, 'capacity');
		const textOnly = '{"error":{"code":429,"message":"No capacity available for model x on the server"}}';
		assert.equal(parseUpstreamError(429, textOnly, {}, NOW).kind, 'capacity');
		assert.equal(parseUpstreamError(529, '{"error":{"code":529,"message":"Overloaded"}}', {}, NOW).kind, 'capacity');
	});

	it('INSUFFICIENT_G1_CREDITS_BALANCE -> quota_exhausted', () => {
		const body = JSON.stringify({error: {code: 429, message: 'x', details: [{'@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'INSUFFICIENT_G1_CREDITS_BALANCE'}]}});
		assert.equal(parseUpstreamError(429, body, {}, NOW).kind, 'quota_exhausted');
	});
});

describe('parseUpstreamError: 401 / 403 / 400 / 404 / 5xx', () => {
	it('401 -> unauthenticated', () => {
		const error = parseUpstreamError(401, UNAUTHENTICATED, {}, NOW);
		assert.equal(error.kind, 'unauthenticated');
		assert.equal(error.reason, 'ACCESS_TOKEN_EXPIRED');
	});

	it('403 IAM -> permission_denied', () => {
		const error = parseUpstreamError(403, IAM_403, {}, NOW);
		assert.equal(error.kind, 'permission_denied');
		assert.equal(error.reason, 'IAM_PERMISSION_DENIED');
		assert.match(error.message, /^Permission 'cloudaicompanion\.companions\.generateChat' denied/);
	});

	it('403 VALIDATION_REQUIRED -> validation_required with the Help link first', () => {
		const error = parseUpstreamError(403, VALIDATION, {}, NOW);
		assert.equal(error.kind, 'validation_required');
		assert.equal(error.validationUrl, 'https://accounts.google.com/help-link');
	});

	it('validation URL falls back to metadata.validation_link, then validation_url, then a URL in the text', () => {
		const noHelp = VALIDATION.replace('"type.googleapis.com/google.rpc.Help"', '"type.googleapis.com/google.rpc.Other"');
		assert.equal(parseUpstreamError(403, noHelp, {}, NOW).validationUrl, 'https://accounts.google.com/meta-link');
		const asUrl = noHelp.replace('validation_link', 'validation_url');
		assert.equal(parseUpstreamError(403, asUrl, {}, NOW).validationUrl, 'https://accounts.google.com/meta-link');
		const textOnly = JSON.stringify({
			error: {code: 403, message: 'VALIDATION_REQUIRED: verify at https://accounts.google.com/signin/continue?a=1\u0026b=2 now'},
		});
		const error = parseUpstreamError(403, textOnly, {}, NOW);
		assert.equal(error.kind, 'validation_required');
		assert.equal(error.validationUrl, 'https://accounts.google.com/signin/continue?a=1&b=2');
		const escaped = '{"error":{"code":403,"message":"validation_required https://accounts.google.com/x?a=1\\u0026b=2"}}';
		assert.equal(parseUpstreamError(403, escaped, {}, NOW).validationUrl, 'https://accounts.google.com/x?a=1&b=2');
	});

	it('403 ToS disabled -> banned', () => {
		assert.equal(parseUpstreamError(403, BANNED, {}, NOW).kind, 'banned');
		const onlyDisabled = BANNED.replace(' for violation of Terms of Service', '');
		assert.equal(parseUpstreamError(403, onlyDisabled, {}, NOW).kind, 'permission_denied');
	});

	it('400 -> invalid_argument with the message verbatim', () => {
		const error = parseUpstreamError(400, BAD_REQUEST, {}, NOW);
		assert.equal(error.kind, 'invalid_argument');
		assert.equal(error.message, BAD_REQUEST_MESSAGE);
		const semantic = parseUpstreamError(400, SEMANTIC_400, {}, NOW);
		assert.equal(semantic.kind, 'invalid_argument');
		assert.match(semantic.message, /^\* GenerateContentRequest\.tools\[0\]\.function_declarations\[46\]\.parameters\.required\[1\]/);
	});

	it('404 -> not_found', () => {
		const error = parseUpstreamError(404, NOT_FOUND, {}, NOW);
		assert.equal(error.kind, 'not_found');
		assert.match(error.message, /models\/NOT_FOUND is not found/);
	});

	it('500 -> server_error, with Retry-After if given', () => {
		const body = '{"error":{"code":500,"message":"Internal error encountered.","status":"INTERNAL"}}';
		const error = parseUpstreamError(500, body, {retryAfter: '2'}, NOW);
		assert.equal(error.kind, 'server_error');
		assert.equal(error.retryDelayMs, 2000);
		assert.equal(error.message, 'Internal error encountered.');
	});

	it('other statuses -> unknown', () => {
		assert.equal(parseUpstreamError(418, '{"error":{"code":418,"message":"teapot"}}', {}, NOW).kind, 'unknown');
		assert.equal(parseUpstreamError(409, '', {}, NOW).kind, 'unknown');
	});
});

describe('parseUpstreamError: body variants', () => {
	const catalogue: Array<[string, number, string, string]> = [
		['rate limit', 429, RATE_LIMIT, 'rate_limited'],
		['quota', 429, QUOTA, 'quota_exhausted'],
		['quota 2026', 429, QUOTA_2026, 'quota_exhausted'],
		['bare 429', 429, BARE_429, 'rate_limited'],
		['capacity', 503, CAPACITY, 'capacity'],
		['iam', 403, IAM_403, 'permission_denied'],
		['validation', 403, VALIDATION, 'validation_required'],
		['banned', 403, BANNED, 'banned'],
		['401', 401, UNAUTHENTICATED, 'unauthenticated'],
		['400', 400, BAD_REQUEST, 'invalid_argument'],
		['404', 404, NOT_FOUND, 'not_found'],
	];

	for (const [name, status, body, kind] of catalogue) {
		const plain = parseUpstreamError(status, body, {}, NOW);
		it(`${name}: array-wrapped gives the same result`, () => {
			assert.deepEqual(parseUpstreamError(status, arrayWrapped(body), {}, NOW), plain);
			assert.equal(plain.kind, kind);
			assert.ok(plain.body !== undefined, 'parsed as JSON');
		});

		it(`${name}: stray commas between tokens give the same result`, () => {
			// After `{` , after `,`, before `}` and between array elements: all token boundaries.
			let polluted = commaAfter(body, '{');
			polluted = commaAfter(polluted, '"error":');
			polluted = `${polluted.trimEnd()},`;
			assert.deepEqual(parseUpstreamError(status, polluted, {}, NOW), plain);
			assert.deepEqual(parseUpstreamError(status, `,${arrayWrapped(polluted)}`, {}, NOW), plain);
		});

		it(`${name}: a comma inside a number still classifies from the fields`, () => {
			// `"code": 4,29` is no longer JSON: the fields are picked out of the text.
			const broken = body.replace(/("code":\s*)(\d)(\d+)/, '$1$2,$3');
			assert.notEqual(broken, body);
			const error = parseUpstreamError(status, broken, {}, NOW);
			assert.equal(error.kind, kind);
			assert.equal(error.message, plain.message);
			assert.equal(error.retryDelayMs, plain.retryDelayMs);
			assert.equal(error.reason, plain.reason);
			assert.equal(error.body, undefined);
		});
	}

	it('a comma inside the reason or a duration string is ignored', () => {
		const body = RATE_LIMIT.replace('RATE_LIMIT_EXCEEDED', 'RATE_LIMIT,_EXCEEDED').replace('0.579276118s', '0.5792,76118s');
		const error = parseUpstreamError(429, body, {}, NOW);
		assert.equal(error.reason, 'RATE_LIMIT_EXCEEDED');
		assert.equal(error.retryDelayMs, 580);
	});

	it('a comma inside QUOTA_EXHAUSTED still classifies as quota_exhausted', () => {
		const error = parseUpstreamError(429, QUOTA.replace('QUOTA_EXHAUSTED', 'QUOTA_EX,HAUSTED'), {}, NOW);
		assert.equal(error.kind, 'quota_exhausted');
	});

	it('an SSE-framed error body', () => {
		const framed = `data: ${JSON.stringify(JSON.parse(CAPACITY))}\n\n`;
		assert.deepEqual(parseUpstreamError(503, framed, {}, NOW), parseUpstreamError(503, CAPACITY, {}, NOW));
	});

	it('an HTML body becomes readable text', () => {
		const html = '<!DOCTYPE html><html><head><title>Error 502 (Server Error)!!1</title><style>p{x:1}</style></head><body><p><b>502.</b> That’s an error.</p></body></html>';
		const error = parseUpstreamError(502, html, {}, NOW);
		assert.equal(error.kind, 'server_error');
		assert.equal(error.message, 'Error 502 (Server Error)!!1 502. That’s an error.');
		assert.equal(error.body, undefined);
	});

	it('a plain-text 429 body with a retry hint', () => {
		const error = parseUpstreamError(429, 'Too many requests. Please retry in 1.5s', {}, NOW);
		assert.equal(error.kind, 'rate_limited');
		assert.equal(error.retryDelayMs, 1500);
	});

	it('an empty body gets a status message and Retry-After as an HTTP date', () => {
		const error = parseUpstreamError(429, '', {retryAfter: new Date(NOW + 10_000).toUTCString()}, NOW);
		assert.equal(error.kind, 'rate_limited');
		assert.equal(error.message, 'HTTP 429');
		assert.equal(error.retryDelayMs, 10_000);
	});

	it('a plain-text 403 ToS ban', () => {
		const error = parseUpstreamError(403, 'This service has been disabled in this account for violation of Terms of Service.', {}, NOW);
		assert.equal(error.kind, 'banned');
	});

	it('an error given as a string', () => {
		const error = parseUpstreamError(400, '{"error":"bad things"}', {}, NOW);
		assert.equal(error.kind, 'invalid_argument');
		assert.equal(error.message, 'bad things');
	});

	it('caps very long messages', () => {
		const error = parseUpstreamError(500, 'x'.repeat(5000), {}, NOW);
		assert.equal(error.message.length, 1000);
	});
});
