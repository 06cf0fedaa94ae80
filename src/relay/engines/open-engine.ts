/**
 * The one place where the relay's engine is chosen: one given by Node code, Redis when a URL is
 * given, else this process's memory. `createRelay` opens its engine here, and the CLI opens one
 * here to check Redis once before it starts `--workers`.
 */
import type { Engine, HistoryLimits } from './engine.js';
import { MemoryEngine } from './memory-engine.js';
import { RedisEngine } from './redis-engine.js';

export interface EngineChoice {
  /** An engine made by the caller: used as it is (and not closed by the relay). */
  engine?: Engine | undefined;
  /** A Redis URL (`redis://host:6379`). */
  redis?: string | undefined;
  /** With `redis`: prepended to every key and channel. */
  redisPrefix?: string | undefined;
  limits: HistoryLimits;
  log?: ((line: string) => void) | undefined;
}

export interface OpenedEngine {
  engine: Engine;
  /** True when this call made the engine: whoever asked closes it. */
  owned: boolean;
}

/** Opens the engine the options choose. Rejects with one line when Redis cannot be reached. */
export async function openEngine(choice: EngineChoice): Promise<OpenedEngine> {
  if (choice.engine !== undefined) return { engine: choice.engine, owned: false };
  if (choice.redis !== undefined) {
    const engine = await RedisEngine.connect({
      url: choice.redis,
      prefix: choice.redisPrefix,
      limits: choice.limits,
      ...(choice.log === undefined ? {} : { log: choice.log }),
    });
    return { engine, owned: true };
  }
  return { engine: new MemoryEngine(choice.limits), owned: true };
}
