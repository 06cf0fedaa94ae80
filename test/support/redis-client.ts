/** A plain Redis client for tests that read keys, publish or write behind the engine under test. */
import { createClient } from 'redis';

const plainClient = (url: string) => createClient({ url });
export type PlainRedisClient = ReturnType<typeof plainClient>;

/** Runs `use` with a plain client of the Redis at `url`, closed after (whatever `use` does). */
export async function withRedis<T>(url: string, use: (client: PlainRedisClient) => Promise<T>): Promise<T> {
  const client = plainClient(url);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}
