// When tasks are due again: at most one time per task (the earliest asked for), one timer for
// the earliest of all. Bounded by the tasks it is given (the caller forgets a task's time with
// the task). Finding the next time is a pass over the map, done only when the earliest changes.

export class Schedule {
  readonly #due = new Map<string, number>();
  readonly #fire: (keys: string[]) => void;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;

  constructor(fire: (keys: string[]) => void, now: () => number = Date.now) {
    this.#fire = fire;
    this.#now = now;
  }

  /** Due at `at` (kept if an earlier time is already set). */
  at(key: string, at: number): void {
    const known = this.#due.get(key);
    if (known !== undefined && known <= at) return;
    this.#due.set(key, at);
    if (at < this.#timerAt) this.#arm(at);
  }

  forget(key: string): void {
    this.#due.delete(key);
  }

  clear(): void {
    this.#due.clear();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  get size(): number {
    return this.#due.size;
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#timerAt = at;
    // setTimeout holds at most 2^31-1 ms; a later time is re-armed when this one fires.
    const ms = Math.min(Math.max(0, at - this.#now()), 2 ** 31 - 1);
    this.#timer = setTimeout(() => this.#run(), ms).unref();
  }

  #run(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#now();
    const due: string[] = [];
    let next = Infinity;
    for (const [key, at] of this.#due) {
      if (at <= now) due.push(key);
      else next = Math.min(next, at);
    }
    for (const key of due) this.#due.delete(key);
    if (next < Infinity) this.#arm(next);
    if (due.length > 0) this.#fire(due);
  }
}
