// Types for the undici files that undici.ts loads directly: the package types only its index.
declare module 'undici/lib/api/index.js' {
  /** `request`, `stream`, `pipeline`, `upgrade`, `connect`: the index puts them on Dispatcher. */
  const api: Readonly<Record<string, (...args: never[]) => unknown>>;
  export default api;
}
declare module 'undici/lib/core/connect.js' {
  import type { buildConnector } from 'undici';
  const connector: typeof buildConnector;
  export default connector;
}
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici';
  const AgentClass: typeof Agent;
  export default AgentClass;
}
declare module 'undici/lib/dispatcher/dispatcher.js' {
  import type { Dispatcher } from 'undici';
  const DispatcherClass: typeof Dispatcher;
  export default DispatcherClass;
}
declare module 'undici/lib/dispatcher/pool.js' {
  import type { Pool } from 'undici';
  const PoolClass: typeof Pool;
  export default PoolClass;
}
