import type { SendMailOptions } from "nodemailer";
import type { ComposedMessage } from "./compose-alert.js";

/** Our message as nodemailer input; never reads local files or URLs. */
export function toNodemailer(message: ComposedMessage): SendMailOptions {
  return {
    from: message.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    headers: { ...message.headers },
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}
