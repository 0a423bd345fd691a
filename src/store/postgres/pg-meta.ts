import { randomBytes } from "node:crypto";
import type { Db } from "./pg-db.js";

/** The unsubscribe-token secret: the environment's, else one created once in the database. */
export async function readSecret(db: Db, fromEnv?: string): Promise<string> {
  if (fromEnv) return fromEnv;
  await db.query("create the secret", "insert into pressroom_meta (key, value) values ('secret', $1) on conflict (key) do nothing", [randomBytes(32).toString("hex")]);
  const { rows } = await db.query<{ value: string }>("read the secret", "select value from pressroom_meta where key = 'secret'");
  return rows[0]!.value;
}

export async function readGeneration(db: Db): Promise<string> {
  const { rows } = await db.query<{ value: string }>("read the generation", "select value from pressroom_meta where key = 'generation'");
  return rows[0]?.value ?? "0";
}
