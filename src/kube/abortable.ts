// Per-request options that make a client-node call abort with a signal (its middleware is the
// only way to hand a request an AbortSignal).
import {
  Observable,
  type ConfigurationOptions,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';

/** Options for one API call that abort it with `signal`. */
export function abortable(signal: AbortSignal): ConfigurationOptions {
  const pre = (ctx: RequestContext): Observable<RequestContext> => {
    ctx.setSignal(signal);
    return new Observable(Promise.resolve(ctx));
  };
  const post = (res: ResponseContext): Observable<ResponseContext> =>
    new Observable(Promise.resolve(res));
  return { middleware: [{ pre, post }], middlewareMergeStrategy: 'append' };
}
