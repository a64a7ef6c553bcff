// A minimal SMTP server on 127.0.0.1 for the notify tests: records each accepted mail's envelope
// recipients and data, and answers the end of DATA with scripted codes (250 once they run out).
import net, { type AddressInfo } from "node:net";

export type TReceivedMail = { rcptTo: string[]; data: string };
export type TSmtpTestServer = { url: string; mails: TReceivedMail[]; /** Replies to the next DATA ends, e.g. [451]. */ script: number[]; close: () => Promise<void> };

export async function startSmtpTestServer(): Promise<TSmtpTestServer> {
  const mails: TReceivedMail[] = [];
  const script: number[] = [];
  const server = net.createServer((socket) => {
    let data: string | null = null;
    let rcptTo: string[] = [];
    let buffer = "";
    socket.write("220 test ESMTP\r\n");
    socket.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      let eol: number;
      while ((eol = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        if (data !== null) {
          if (line === ".") {
            const code = script.shift() ?? 250;
            if (code === 250) mails.push({ rcptTo, data });
            socket.write(code === 250 ? "250 queued\r\n" : `${code} try again later\r\n`);
            data = null;
            rcptTo = [];
          } else data += `${line}\n`;
        } else if (/^(EHLO|HELO)/i.test(line)) socket.write("250 test\r\n");
        else if (/^MAIL FROM/i.test(line)) {
          rcptTo = [];
          socket.write("250 ok\r\n");
        } else if (/^RCPT TO:/i.test(line)) {
          rcptTo.push(line.replace(/^RCPT TO:\s*<?([^>\s]*)>?.*$/i, "$1"));
          socket.write("250 ok\r\n");
        } else if (/^DATA/i.test(line)) {
          data = "";
          socket.write("354 go on\r\n");
        } else if (/^QUIT/i.test(line)) socket.end("221 bye\r\n");
        else socket.write("250 ok\r\n");
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}?ignoreTLS=true`,
    mails,
    script,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
