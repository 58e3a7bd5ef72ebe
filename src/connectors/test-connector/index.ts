export { createTestSystem, createTestConnector, receiveTestWebhook, testConnector, TestSettings, TEST_DEFAULT_PAGE_SIZE, TEST_MAX_PAGE_SIZE } from './connector.js';
export {
  getTestSystem,
  TEST_ENTITIES,
  TEST_METHODS,
  type PermanentErrorRule,
  type PermanentErrorVerdict,
  type TestCall,
  type TestChange,
  type TestEntityName,
  type TestFaults,
  type TestMethod,
  type TestRecordStore,
  type TestSystem,
  type TestSystemOptions,
  type TestSystemStats,
  type TestThrottle,
  type TestWriteCount,
} from './system.js';
export { etagOf, type TestRecord } from './store.js';
