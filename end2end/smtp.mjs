// A real SMTP server on loopback for the end-to-end suite (nodemailer's `smtp-server`): every
// message the portal delivers is written, as received, to `.correos/<n>.eml`, where the tests
// read it. Usage: node smtp.mjs PORT
import { SMTPServer } from "smtp-server";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const puerto = Number(process.argv[2] ?? 3125);
const carpeta = join(dirname(fileURLToPath(import.meta.url)), ".correos");
rmSync(carpeta, { recursive: true, force: true });
mkdirSync(carpeta, { recursive: true });

let n = 0;
const servidor = new SMTPServer({
  authOptional: true,
  disabledCommands: ["AUTH", "STARTTLS"],
  size: 1024 * 1024,
  logger: false,
  onData(flujo, sesion, listo) {
    const partes = [];
    flujo.on("data", (p) => partes.push(p));
    flujo.on("end", () => {
      n += 1;
      const sobre = {
        de: sesion.envelope.mailFrom && sesion.envelope.mailFrom.address,
        para: sesion.envelope.rcptTo.map((r) => r.address),
      };
      const nombre = `${String(Date.now()).padStart(15, "0")}-${String(n).padStart(5, "0")}`;
      writeFileSync(join(carpeta, `${nombre}.eml`), Buffer.concat(partes));
      writeFileSync(join(carpeta, `${nombre}.json`), JSON.stringify(sobre));
      listo();
    });
  },
});
servidor.on("error", (e) => console.error("smtp:", e.message));
servidor.listen(puerto, "127.0.0.1", () => console.log(`SMTP de pruebas en 127.0.0.1:${puerto}`));
