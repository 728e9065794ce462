// The Cloud Code simulator: a real HTTP server that behaves like Google's v1internal service and OAuth endpoints,
// strict where Google is strict, with scripted answers and faults. Used by tests, benchmarks, `agproxy simulator`
// and `agproxy --simulate`.
export {startSimulator} from './server.js';
export {simMarker, stripMarkers} from './scripts.js';
export {DEFAULT_MODELS, INTERNAL_MODEL_IDS} from './models.js';
export {DEFAULT_ACCOUNTS} from './accounts.js';
export {OAUTH_SCOPE} from './oauth.js';
export {PNG_1X1} from './answers.js';
export type {
	AnswerScript,
	CannedErrorName,
	FaultRule,
	FaultScript,
	RecordedRequest,
	SimAccount,
	SimModel,
	SimScript,
	SimToolCall,
	Simulator,
	SimulatorOptions,
} from './types.js';
