/**
 * A loopback SMTP server storing nothing, run as a child process of the delivery bench (so the
 * mail server has a core of its own, like a real one): prints nothing, talks over IPC.
 * Messages: → `{ port }` when listening; ← `"stats"` → `{ accepted, lastAt, recipients, repeated }`
 * (Unix ms of the last acceptance; distinct recipients of accepted messages, and acceptances for a
 * recipient already seen since the last reset).
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

let accepted = 0;
let lastAt = 0;
let repeated = 0;
const recipients = new Set<string>();
const server = new SMTPServer({
  disabledCommands: ["STARTTLS", "AUTH"],
  authOptional: true,
  logger: false,
  maxClients: 64,
  onData(stream, session, callback) {
    stream.on("data", () => {});
    stream.on("end", () => {
      accepted++;
      lastAt = Date.now();
      for (const { address } of session.envelope.rcptTo) {
        if (recipients.has(address)) repeated++;
        else recipients.add(address);
      }
      callback();
    });
  },
});
server.listen(0, "127.0.0.1", () => {
  process.send?.({ port: (server.server.address() as AddressInfo).port });
});
process.on("message", (message) => {
  if (message === "stats") process.send?.({ accepted, lastAt, recipients: recipients.size, repeated });
  if (message === "reset") {
    accepted = 0;
    lastAt = 0;
    repeated = 0;
    recipients.clear();
    process.send?.({ reset: true });
  }
  if (message === "close") server.close(() => process.exit(0));
});
