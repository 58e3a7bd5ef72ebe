export { createSimulatorServer, type Simulator, type SimulatorErrors, type SimulatorOptions, type SimulatorStats } from './server.js';
export { FaultSettings, type FaultState } from './faults.js';
export { TokenIssuer } from './tokens.js';
export { WindowRateLimiter } from './rate-limiter.js';
export { createRng, fakePerson, fakeCompanyName, isoMinutesAgo, type Rng, type FakePerson } from './random.js';
