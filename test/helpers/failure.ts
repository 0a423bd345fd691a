import { isPressroomError } from "../../src/core/errors.js";

/** The PressroomError a promise rejects with (code and message); fails if it resolves or throws anything else. */
export async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isPressroomError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a failure");
}
