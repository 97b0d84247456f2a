// Issue 20, start-up and memory. undici's package index also loads its fetch, cookies,
// WebSocket, EventSource, mock and cache modules, and the cookies module reaches Node's own
// bundled undici: measured in a bare Node, 115–177 ms and 58.5 MiB RSS against 37–41 ms and
// 50.5 MiB for the four files below, which are all the registry client and the revocation
// fetcher use. The index's one side effect that they need is the request API (`request`,
// `stream`, `connect`, ...) on Dispatcher.prototype: applied here the same way. The lazily
// loaded cloud code (src/cloud) still imports the index; the assignment is idempotent.
// undici.test.ts checks that these are the index's own classes and that the API is installed.
import type * as Undici from 'undici';
import api from 'undici/lib/api/index.js';
import connector from 'undici/lib/core/connect.js';
import AgentClass from 'undici/lib/dispatcher/agent.js';
import DispatcherClass from 'undici/lib/dispatcher/dispatcher.js';
import PoolClass from 'undici/lib/dispatcher/pool.js';

Object.assign(DispatcherClass.prototype, api);

export const Pool = PoolClass;
export type Pool = Undici.Pool;
export const Agent = AgentClass;
export type Agent = Undici.Agent;
export const buildConnector = connector;
export type Connector = Undici.buildConnector.connector;
export type { Dispatcher } from 'undici';
